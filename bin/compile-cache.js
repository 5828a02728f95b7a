// V8's code cache for the compiled CLI (bin/build-cli.js): each file of a build is compiled with
// the code V8 produced the last time it ran (`<file>.cache`, next to it), so a start skips most of
// the parsing and compiling of zod, the AWS SDK and our own code. A file run without a usable cache
// writes one when the process exits, holding every function that run compiled.
// Node 22 does the same for every module with `module.enableCompileCache()`; Node 20 has only the
// `cachedData` option of `vm.Script` ("vm: Script", Node.js documentation,
// https://nodejs.org/docs/latest-v20.x/api/vm.html#new-vmscriptcode-options). Plain JavaScript:
// it runs before anything can compile TypeScript.
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

/** Scripts that ran without an accepted cache: their cache is written at exit. */
const uncached = [];

/**
 * Loads a file of the build and returns its exports. A build's files require each other by
 * `./<name>.js` only (esbuild's chunks): those are found in the same directory without Node's
 * resolution (a stat and a realpath each), and everything else (`node:` modules, packages left
 * in node_modules) goes to Node's own `require`. Modules are kept in `require.cache`, as Node's are.
 */
function loadBuildFile(filename, parent) {
  const kept = require.cache[filename];
  if (kept) return kept.exports;
  const module = new Module(filename, parent);
  module.filename = filename;
  require.cache[filename] = module;
  try {
    run(module);
  } catch (err) {
    delete require.cache[filename];
    throw err;
  }
  module.loaded = true;
  return module.exports;
}

function run(module) {
  const { filename } = module;
  const cacheFile = `${filename}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(readFileSync(filename, 'utf8')), { filename, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) uncached.push({ script, cacheFile });
  const dir = dirname(filename);
  let nodeRequire;
  const fromNode = () => {
    nodeRequire ??= Module.createRequire(filename);
    return nodeRequire;
  };
  const requireFromBuild = (id) => (id.startsWith('./') ? loadBuildFile(join(dir, id), module) : fromNode()(id));
  requireFromBuild.resolve = (id, options) => fromNode().resolve(id, options);
  requireFromBuild.cache = require.cache;
  const wrapper = script.runInThisContext({ displayErrors: true });
  wrapper.call(module.exports, module.exports, requireFromBuild, module, filename, dir);
}

/** Written to a file of its own and renamed into place: a concurrent start reads a whole cache or none. */
function writeCache(script, cacheFile) {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, cacheFile);
  } catch {
    // A read-only install still runs, only without the cache.
  }
}

process.once('exit', () => {
  for (const { script, cacheFile } of uncached) writeCache(script, cacheFile);
});

/** Runs the entry file of a build (bin/build-cli.js), every file of it through the code cache. */
function runBuild(entry) {
  return loadBuildFile(entry, require.main);
}

module.exports = { runBuild };
