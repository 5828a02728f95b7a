// Compiles the `rsched` CLI with esbuild into dist/cli/<build>/: an entry (`rsched.js`) holding
// the command line itself, plus one chunk per `import()` the commands make, so `--help` reads only
// the entry and `validate` only what validation needs. What `--help`, `validate` and `status`
// run on (commander, zod, the cron parser, DynamoDB's SDK) is bundled and tree-shaken: one file
// instead of hundreds of module resolutions. Every start checks the build against the files it
// was made from (one stat each). Plain JavaScript on purpose: it runs before anything can
// compile TypeScript.
const { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { basename, join, relative } = require('node:path');

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist', 'cli');
/** Which build is current, and what it was built from: read and checked at every start. */
const MANIFEST = join(DIST, 'build.json');
const ENTRY = 'rsched';

/**
 * Packages bundled into the CLI: what `--help`, `validate` and `status` run on (commander, the
 * config schema, the cron parser, DynamoDB). Every other dependency stays in node_modules,
 * required where a command uses it: the other AWS SDK clients (bundling the doctor's fourteen
 * would make each build several times slower for commands that load them once), the
 * emulators, esbuild itself, aws-cdk-lib.
 */
const BUNDLED = /^(@aws-sdk\/(client-dynamodb|lib-dynamodb|util-dynamodb)$|@smithy\/|commander$|cron-parser$|luxon$|zod$)/;

/** Besides the bundle's own sources: what changes the build without changing a source. */
const BUILD_INPUTS = [
  __filename,
  join(ROOT, 'package.json'),
  join(ROOT, 'tsconfig.json'),
  join(ROOT, 'node_modules', '.package-lock.json'),
];

/** A build older than this and not current is removed: a `rsched dev` started from it has loaded its chunks by then. */
const KEEP_OLD_BUILDS_MS = 24 * 60 * 60 * 1000;

function readManifest() {
  try {
    return JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * True when every file the current build was made from (esbuild's own list of its inputs, and
 * BUILD_INPUTS) is unchanged since the build started: one stat each, no directory walk. A new
 * source file only matters once an existing one imports it, and that edit is seen.
 */
function isFresh(manifest) {
  if (!manifest) return false;
  for (const file of manifest.inputs) {
    const stat = statSync(join(ROOT, file), { throwIfNoEntry: false });
    if (!stat || stat.mtimeMs > manifest.startedAt) return false;
  }
  return true;
}

function removeOldBuilds(current, now) {
  for (const entry of readdirSync(DIST, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === current) continue;
    const dir = join(DIST, entry.name);
    if (now - statSync(dir).mtimeMs > KEEP_OLD_BUILDS_MS) rmSync(dir, { recursive: true, force: true });
  }
}

function build() {
  // Edits made while esbuild runs are newer than this, so the next start builds again.
  const startedAt = Date.now();
  // Several `rsched` processes may build at once (tests, scripts): each writes its own directory,
  // and the manifest naming it is renamed into place, which is atomic, so none ever loads a
  // half-written build, and a running `rsched dev` keeps the chunks it may still load.
  const name = `${startedAt}-${process.pid}`;
  const outdir = join(DIST, name);
  const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const dependencies = Object.keys({ ...packageJson.dependencies, ...packageJson.devDependencies });
  const esbuild = require('esbuild');
  // esbuild splits code at `import()` only in ES module output; each file is then turned into
  // CommonJS, so Node loads them with `require` and V8's code cache applies (bin/compile-cache.js).
  const result = esbuild.buildSync({
    entryPoints: { [ENTRY]: join(ROOT, 'bin', 'rsched.ts') },
    // The metafile's paths are relative to this, whichever directory `rsched` runs in.
    absWorkingDir: ROOT,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: dependencies.filter((dependency) => !BUNDLED.test(dependency)),
    // ES module entry points first: lets esbuild tree-shake what it can of the packages.
    mainFields: ['module', 'main'],
    metafile: true,
    write: false,
    logLevel: 'error',
  });
  mkdirSync(outdir, { recursive: true });
  for (const file of result.outputFiles) {
    const { code } = esbuild.transformSync(file.text, {
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      // The chunks' `import()`s become `require`s of the sibling files (through the same cache).
      supported: { 'dynamic-import': false },
      // Less to read and parse at every start; names are kept, so stack traces still say where.
      minifyWhitespace: true,
      minifySyntax: true,
      logLevel: 'error',
    });
    writeFileSync(file.path, code);
  }
  const sources = Object.keys(result.metafile.inputs).filter((input) => !input.startsWith('node_modules/'));
  const inputs = [...sources, ...BUILD_INPUTS.map((file) => relative(ROOT, file))];
  const manifest = { entry: join(name, `${ENTRY}.js`), startedAt, inputs, packages: packagesByOutput(result.metafile) };
  const tmp = `${MANIFEST}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(manifest)}\n`);
  renameSync(tmp, MANIFEST);
  removeOldBuilds(name, startedAt);
  return manifest;
}

/** Which packages each output file holds (file name → package names): what tests check a command loads. */
function packagesByOutput(metafile) {
  const packages = {};
  for (const [output, { inputs }] of Object.entries(metafile.outputs)) {
    const names = new Set();
    for (const input of Object.keys(inputs)) {
      const match = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(input);
      if (match) names.add(match[1]);
    }
    packages[basename(output)] = [...names].sort();
  }
  return packages;
}

/** Builds the CLI unless the current build is newer than everything it was built from; returns its entry file. */
function ensureCliBuilt() {
  let manifest = readManifest();
  if (!isFresh(manifest)) {
    mkdirSync(DIST, { recursive: true });
    manifest = build();
  }
  return join(DIST, manifest.entry);
}

module.exports = { ensureCliBuilt, CLI_DIST: DIST };

if (require.main === module) ensureCliBuilt();
