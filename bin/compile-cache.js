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
const { dirname, sep } = require('node:path');
const { Script } = require('node:vm');

/** Compiles every `.js` file under `dir` through the code cache; other files load as before. */
function useCompileCache(dir) {
  const prefix = dir.endsWith(sep) ? dir : `${dir}${sep}`;
  const loadJs = Module._extensions['.js'];
  /** Scripts that ran without an accepted cache: their cache is written at exit. */
  const uncached = [];
  Module._extensions['.js'] = function loadWithCache(module, filename) {
    if (!filename.startsWith(prefix)) return loadJs(module, filename);
    const cacheFile = `${filename}.cache`;
    let cachedData;
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
    const script = new Script(Module.wrap(readFileSync(filename, 'utf8')), { filename, cachedData });
    if (cachedData === undefined || script.cachedDataRejected) uncached.push({ script, cacheFile });
    const run = script.runInThisContext({ displayErrors: true });
    run.call(module.exports, module.exports, Module.createRequire(filename), module, filename, dirname(filename));
  };
  process.once('exit', () => {
    for (const { script, cacheFile } of uncached) writeCache(script, cacheFile);
  });
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

module.exports = { useCompileCache };
