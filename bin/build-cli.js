// Compiles the `rsched` CLI to dist/cli/rsched.js with esbuild: our TypeScript in one file,
// packages left in node_modules (required only by the commands that use them). Plain
// JavaScript on purpose: it runs before anything can compile TypeScript.
const { mkdirSync, readdirSync, renameSync, statSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'dist', 'cli', 'rsched.js');
/** What the CLI is built from (ui/public is served as files, not bundled). */
const SOURCES = ['bin', 'lambdas', 'lib', 'ui'].map((dir) => join(ROOT, dir));
const INPUTS = ['package.json', 'tsconfig.json'].map((file) => join(ROOT, file));

function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of SOURCES) walk(dir);
  for (const file of INPUTS) newest = Math.max(newest, statSync(file).mtimeMs);
  return newest;
}

function builtAt() {
  try {
    return statSync(OUT).mtimeMs;
  } catch {
    return -1;
  }
}

/** Builds the CLI unless the built file is newer than every source; returns its path. */
function ensureCliBuilt() {
  if (builtAt() >= newestSource()) return OUT;
  mkdirSync(join(ROOT, 'dist', 'cli'), { recursive: true });
  // Several `rsched` processes may start at once (tests, scripts): each builds to its own file
  // and renames it into place, which is atomic, so none ever loads a half-written bundle.
  const tmp = `${OUT}.${process.pid}.tmp`;
  require('esbuild').buildSync({
    entryPoints: [join(ROOT, 'bin', 'rsched.ts')],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    sourcesContent: false,
    logLevel: 'error',
  });
  renameSync(tmp, OUT);
  return OUT;
}

module.exports = { ensureCliBuilt, CLI_BUNDLE: OUT };

if (require.main === module) ensureCliBuilt();
