#!/usr/bin/env node
// `rsched` runs compiled JavaScript (bin/build-cli.js): built on the first run and again
// whenever a source it was built from changes, so neither `npm ci` nor an edit needs a build
// step and no start pays for compiling TypeScript, or, with V8's code cache, much JavaScript.
// The SDK versions are pinned, so its advice to upgrade Node is not actionable here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { ensureCliBuilt } = require('./build-cli.js');
const { runBuild } = require('./compile-cache.js');

runBuild(ensureCliBuilt());
