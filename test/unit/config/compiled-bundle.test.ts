/**
 * Issue 16: the functions load the config compiled at synth (the resolved DAG,
 * validated there) without validating it again. A cold start parses a small
 * index; each job's other fields are parsed, and their hash checked, when the
 * job is first read; code that visits every job walks the index.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dagFromBundle, serialiseConfigBundle } from '../../../lambdas/domain/config/bundle';
import { type Dag, JOB_INDEX_FIELDS, type Job } from '../../../lambdas/domain/config/dag';
import { readConfigDir } from '../../../lambdas/domain/config/read-dir';
import { loadDag } from '../../../lambdas/domain/config/validate';
import { lateDeadlinesBetween, nextLateDeadline } from '../../../lambdas/domain/late';
import { downstreamClosure, upstreamClosure } from '../../../lambdas/domain/lineage';

const ROOT = join(__dirname, '..', '..', '..');
const example = loadDag(readConfigDir(join(ROOT, 'dag-config')));
const load = (text: string) => dagFromBundle(Buffer.from(text));

/** The compiled config with every job's `"retries":1` turned into `"retries":2`: same length, every body's hash broken. */
function withEveryBodyChanged(text: string): string {
  const bodies = text.indexOf(',"bodies":[');
  const changed = text.slice(0, bodies) + text.slice(bodies).replaceAll('"retries":1', '"retries":2');
  expect(changed.length).toBe(text.length);
  expect(changed).not.toBe(text);
  return changed;
}

describe('the compiled config', () => {
  it('gives back the DAG that validation resolved: jobs, index, clusters, pools and order', () => {
    const loaded = load(serialiseConfigBundle(example));
    expect(new Map(loaded.jobs)).toEqual(new Map(example.jobs));
    expect(loaded.jobs.size).toBe(example.jobs.size);
    const indexed = (job: Job) => Object.fromEntries(JOB_INDEX_FIELDS.map((f) => [f, job[f]]));
    expect([...loaded.index.values()].map((e) => indexed(e as Job))).toEqual(
      loaded.topologicalOrder.map((name) => indexed(example.jobs.get(name) as Job)),
    );
    expect([...loaded.clusters.entries()]).toEqual([...example.clusters.entries()]);
    expect([...loaded.clustersByPool.entries()]).toEqual([...example.clustersByPool.entries()]);
    expect(loaded.topologicalOrder).toEqual(example.topologicalOrder);
    expect(new Set(loaded.scheduledRoots)).toEqual(new Set(example.scheduledRoots));
    expect(loaded.scheduledRoots.length).toBeGreaterThan(0);
    expect(new Set(loaded.withExpectedBy)).toEqual(new Set(example.withExpectedBy));
    expect(loaded.withExpectedBy.length).toBeGreaterThan(0);
  });

  it('passes through a Job field it does not know (issue 18 adds fields; the format stays the same)', () => {
    const jobs = new Map([...example.jobs].map(([name, job]) => [name, { ...job, calendars: [`${name}-cal`] } as Job]));
    const loaded = load(serialiseConfigBundle({ ...example, jobs }));
    for (const name of jobs.keys()) expect((loaded.jobs.get(name) as Job & { calendars: string[] }).calendars).toEqual([`${name}-cal`]);
  });

  it('parses a job only when it is read: a damaged job fails when read, naming it, and nothing else does', () => {
    const damaged = withEveryBodyChanged(serialiseConfigBundle(example));
    const loaded = load(damaged);
    const [first] = loaded.topologicalOrder;
    expect(() => loaded.jobs.get(first as string)).toThrow(`does not match its SHA-256 at job "${first}": it was changed after cdk synth`);
    expect(loaded.jobs.has(first as string)).toBe(true);
    expect(loaded.index.get(first as string)?.dependents).toEqual(example.jobs.get(first as string)?.dependents);
  });

  it('walks deadlines, schedules and edges from the index alone (what the sweeper does every minute parses no job)', () => {
    const loaded: Dag = load(withEveryBodyChanged(serialiseConfigBundle(example)));
    // No expectedBy deadline in this hour: nothing to read in full.
    const quiet = new Date('2026-06-01T03:00:00Z');
    expect(lateDeadlinesBetween(loaded, quiet, new Date(quiet.getTime() + 60_000))).toEqual([]);
    expect(nextLateDeadline(loaded, quiet)).toEqual(nextLateDeadline(example, quiet));
    for (const name of example.topologicalOrder) {
      expect(upstreamClosure(loaded, name)).toEqual(upstreamClosure(example, name));
      expect(downstreamClosure(loaded, name)).toEqual(downstreamClosure(example, name));
    }
    for (const name of loaded.scheduledRoots) expect(loaded.index.get(name)?.schedule).toBe(example.jobs.get(name)?.schedule);
  });

  it('refuses a file changed after synthesis, cut short, or of another version, saying what to do', () => {
    const text = serialiseConfigBundle(example);
    const index = text.slice(0, text.indexOf(',"bodies":['));
    expect(index).toContain('"UTC"');
    expect(() => load(text.replace('"UTC"', '"UTX"'))).toThrow(
      /does not match its SHA-256: it was changed after cdk synth; deploy again \(cdk deploy\)/,
    );
    expect(() => load(text.slice(0, -1))).toThrow(/its length differs\); deploy again/);
    expect(() => load(`${text.slice(0, -2)},{}]}`)).toThrow(/its length differs\); deploy again/);
    // The format before issue 16's lazy index: one hash over everything.
    expect(() => load(`{"version":2,"sha256":"${'0'.repeat(64)}","dag":{}}`)).toThrow(
      /is a compiled config of version 2, this function reads version 3; deploy again \(cdk deploy\)/,
    );
    expect(() => load(JSON.stringify({ files: [] }))).toThrow(/is not a compiled config of version 3; deploy again/);
  });

  it('does not validate at load: the Lambda bundle needs no schema code to read it', () => {
    const source = readFileSync(join(ROOT, 'lambdas', 'domain', 'config', 'bundle.ts'), 'utf8');
    expect(source).not.toMatch(/from '\.\/(validate|schema|parse)'/);
  });
});
