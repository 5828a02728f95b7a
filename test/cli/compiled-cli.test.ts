/**
 * Issue 16: `rsched` starts without compiling TypeScript (bin/build-cli.js bundles it once,
 * and again only when a source is newer), and commands load the AWS SDK, the emulators and
 * the config schema only when they use them. Start-up time is measured in bench/, not here:
 * this pins what makes it fast — which modules a command loads.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const { ensureCliBuilt } = require(join(ROOT, 'bin', 'build-cli.js')) as { ensureCliBuilt: () => string };

/** The node_modules packages a CLI command loads, recorded by a hook on Node's module loader. */
function packagesLoadedBy(args: readonly string[]): { status: number | null; packages: string[] } {
  const hook = `
    const Module = require('node:module');
    const load = Module._load;
    const packages = new Set();
    Module._load = function (request, parent, isMain) {
      const m = /node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(Module._resolveFilename(request, parent, isMain));
      if (m) packages.add(m[1]);
      return load.apply(this, arguments);
    };
    process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify([...packages].sort()) + '\\n'));
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
    expect(bundle).toBe(join(ROOT, 'dist', 'cli', 'rsched.js'));
    expect(built).toBeGreaterThanOrEqual(statSync(join(ROOT, 'bin', 'rsched.ts')).mtimeMs);
    expect(ensureCliBuilt()).toBe(bundle);
    expect(statSync(bundle).mtimeMs).toBe(built);
  });

  it('answers --help without loading the AWS SDK, the emulators or the config schema', () => {
    const { status, packages } = packagesLoadedBy(['--help']);
    expect(status).toBe(0);
    expect(packages.filter((p) => /^@aws-sdk\/|^@smithy\/|^zod$|^dynalite$|^s3rver$|^tsx$/.test(p))).toEqual([]);
  });

  it('validates a config without loading the AWS SDK or the emulators', () => {
    const { status, packages } = packagesLoadedBy(['validate', 'dag-config']);
    expect(status).toBe(0);
    expect(packages).toContain('zod');
    expect(packages.filter((p) => /^@aws-sdk\/|^@smithy\/|^dynalite$|^s3rver$|^tsx$/.test(p))).toEqual([]);
  });
});
