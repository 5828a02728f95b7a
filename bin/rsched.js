#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's require hook, so `npx rsched` works right after `npm ci`.
// The SDK versions are pinned, so its advice to upgrade Node is not actionable here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs/api').register();
require('./rsched.ts');
