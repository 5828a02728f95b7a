/**
 * Issue 16: `rsched` starts without compiling TypeScript (bin/build-cli.js bundles it once,
 * and again only when a source it was built from changes), and commands load the AWS SDK,
 * the emulators and the config schema only when they use them. Start-up time is measured in
 * bench/, not here: this pins what makes it fast — which packages a command loads, whether
 * from node_modules or from a chunk of the build that bundles them.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const { ensureCliBuilt, CLI_DIST } = require(join(ROOT, 'bin', 'build-cli.js')) as { ensureCliBuilt: () => string; CLI_DIST: string };

/** The packages a CLI command loads: what is in Node's module cache when it exits. */
function packagesLoadedBy(args: readonly string[]): { status: number | null; packages: string[] } {
  ensureCliBuilt();
  // Which packages each file of the build bundles, as bin/build-cli.js recorded them.
  const bundled = (JSON.parse(readFileSync(join(CLI_DIST, 'build.json'), 'utf8')) as { packages: Record<string, string[]> }).packages;
  const hook = `
    const { basename } = require('node:path');
    const bundled = ${JSON.stringify(bundled)};
    process.on('exit', () => {
      const packages = new Set();
      for (const file of Object.keys(require.cache)) {
        const m = /node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(file);
        if (m) packages.add(m[1]);
        if (file.startsWith(${JSON.stringify(CLI_DIST)})) for (const p of bundled[basename(file)] ?? []) packages.add(p);
      }
      process.stderr.write('\\nLOADED ' + JSON.stringify([...packages].sort()) + '\\n');
    });
    process.argv = [process.argv[0], 'rsched', ...${JSON.stringify(args)}];
    require(${JSON.stringify(join(ROOT, 'bin', 'rsched.js'))});`;
  const result = spawnSync(process.execPath, ['-e', hook], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const line = result.stderr.split('\n').find((l) => l.startsWith('LOADED '));
  if (!line) throw new Error(`no module record: ${result.stderr}`);
  return { status: result.status, packages: JSON.parse(line.slice('LOADED '.length)) as string[] };
}

describe('the compiled CLI', () => {
  it('is built from the TypeScript sources and not rebuilt while none changed', () => {
    const bundle = ensureCliBuilt();
    const built = statSync(bundle).mtimeMs;
    expect(bundle.startsWith(join(ROOT, 'dist', 'cli'))).toBe(true);
    expect(built).toBeGreaterThanOrEqual(statSync(join(ROOT, 'bin', 'rsched.ts')).mtimeMs);
    expect(ensureCliBuilt()).toBe(bundle);
    expect(statSync(bundle).mtimeMs).toBe(built);
  });

  it('is rebuilt when a source it was built from is edited, and the new build runs', () => {
    const before = ensureCliBuilt();
    const source = join(ROOT, 'bin', 'cli', 'commands', 'status.ts');
    const { atime, mtime } = statSync(source);
    // An edit, as far as the build can tell: the file is newer than the build.
    utimesSync(source, new Date(), new Date());
    try {
      const after = ensureCliBuilt();
      expect(after).not.toBe(before);
      expect(ensureCliBuilt()).toBe(after);
    } finally {
      utimesSync(source, atime, mtime);
    }
    const help = spawnSync(process.execPath, [join(ROOT, 'bin', 'rsched.js'), 'status', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: rsched status');
  });

  it("writes V8's code cache on a first run and compiles from it, without rewriting it, after", () => {
    const entry = ensureCliBuilt();
    const cache = `${entry}.cache`;
    rmSync(cache, { force: true });
    const run = () => spawnSync(process.execPath, [join(ROOT, 'bin', 'rsched.js'), '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(run().status).toBe(0);
    const written = statSync(cache).mtimeMs;
    // A cache V8 rejected (another build, other flags) would be written again at exit.
    expect(run().status).toBe(0);
    expect(statSync(cache).mtimeMs).toBe(written);
  });

  it('answers --help with the command line library alone: no AWS SDK, emulators, config schema or cron parser', () => {
    const { status, packages } = packagesLoadedBy(['--help']);
    expect(status).toBe(0);
    expect(packages).toEqual(['commander']);
  });

  it('validates a config without loading the AWS SDK or the emulators', () => {
    const { status, packages } = packagesLoadedBy(['validate', 'dag-config']);
    expect(status).toBe(0);
    expect(packages).toContain('zod');
    expect(packages.filter((p) => /^@aws-sdk\/|^@smithy\/|^dynalite$|^s3rver$|^tsx$/.test(p))).toEqual([]);
  });
});
