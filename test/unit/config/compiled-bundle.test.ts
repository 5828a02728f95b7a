/**
 * Issue 16: the functions load the config compiled at synth (the resolved DAG,
 * validated there) without validating it again; a SHA-256 guards the file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dagFromBundle, serialiseConfigBundle } from '../../../lambdas/domain/config/bundle';
import { readConfigDir } from '../../../lambdas/domain/config/read-dir';
import { loadDag } from '../../../lambdas/domain/config/validate';

const ROOT = join(__dirname, '..', '..', '..');
const example = loadDag(readConfigDir(join(ROOT, 'dag-config')));

describe('the compiled config', () => {
  it('gives back the DAG that validation resolved: jobs, clusters, pools and order', () => {
    const loaded = dagFromBundle(serialiseConfigBundle(example));
    expect([...loaded.jobs.entries()]).toEqual([...example.jobs.entries()]);
    expect([...loaded.clusters.entries()]).toEqual([...example.clusters.entries()]);
    expect([...loaded.clustersByPool.entries()]).toEqual([...example.clustersByPool.entries()]);
    expect(loaded.topologicalOrder).toEqual(example.topologicalOrder);
  });

  it('refuses a file changed after synthesis, and one of another format, saying what to do', () => {
    const text = serialiseConfigBundle(example);
    const edited = text.replace('"timeoutMinutes":180', '"timeoutMinutes":1');
    expect(edited).not.toBe(text);
    expect(() => dagFromBundle(edited)).toThrow(/does not match its SHA-256: it was changed after cdk synth; deploy again/);
    expect(() => dagFromBundle(JSON.stringify({ version: 1, files: [] }))).toThrow(/not a compiled config of version 2/);
    // A truncated file (a short write) no longer matches its hash either.
    expect(() => dagFromBundle(text.slice(0, -1))).toThrow(/does not match its SHA-256/);
  });

  it('does not validate at load: the Lambda bundle needs no schema code to read it', () => {
    const source = readFileSync(join(ROOT, 'lambdas', 'domain', 'config', 'bundle.ts'), 'utf8');
    expect(source).not.toMatch(/from '\.\/(validate|schema|parse)'/);
  });
});
