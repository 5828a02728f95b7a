import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfigDir } from '../../lambdas/domain/config/read-dir';
import { loadDag } from '../../lambdas/domain/config/validate';
import type { RunDate } from '../../lambdas/domain/run-date';
import { type DevSession, startDev } from '../../lambdas/local/dev';
import { localS3Client } from '../../lambdas/local/marker-writer';
import { silentLog } from '../../lambdas/ports/log';
import { rsched } from '../support/cli';

/**
 * `rsched shadow-report` and `rsched status` against a running `rsched dev`
 * (--local), in another process, as an operator runs them (docs/shadow.md).
 * The dev's simulated old scheduler runs `extract` when we decide to; `report`
 * waits for an external marker that never comes, until the "old scheduler"
 * runs it anyway (a marker dropped through the S3 API).
 */

const DATE = '2026-11-22';
const config = {
  defaults: { mode: 'shadow' },
  jobs: [
    { name: 'landing', target: { type: 'external' } },
    {
      name: 'extract',
      schedule: '0 0 * * *',
      target: { type: 'datapipeline', pipeline: 'extract-{{yyyymmdd}}' },
      simulation: { durationMinutes: 1 },
    },
    { name: 'report', dependsOn: ['landing', 'extract'], target: { type: 'datapipeline', pipeline: 'report-pipeline' } },
  ],
};

let dir: string;
let dev: DevSession;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Polled in-process (the dev's own store), so that only the commands under test pay for a process start. */
async function stateOf(job: string): Promise<string | undefined> {
  return (await dev.runtime.deps.store.get({ job, date: DATE as RunDate }))?.state;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rsched-shadow-'));
  mkdirSync(join(dir, 'dag-config'));
  writeFileSync(join(dir, 'dag-config', 'jobs.json'), JSON.stringify(config));
  dev = await startDev({
    dag: loadDag(readConfigDir(join(dir, 'dag-config'))),
    configDir: join(dir, 'dag-config'),
    speed: 60,
    from: new Date(`${DATE}T00:00:00Z`),
    externals: false,
    stateDir: join(dir, '.rsched'),
    log: silentLog,
  });
  await until('extract to succeed by the old scheduler’s marker', async () =>
    (await stateOf('extract')) === 'SUCCEEDED' ? true : undefined,
  );
});

afterAll(async () => {
  await dev?.stop();
});

describe('rsched status --local with shadow jobs', () => {
  it('shows when we would have submitted next to the old scheduler’s marker, in JSON and text', async () => {
    const json = await rsched(['status', '--local', '--date', DATE, '--json'], { cwd: dir });
    expect(json.code).toBe(0);
    const extract = JSON.parse(json.stdout).jobs.extract;
    expect(extract).toMatchObject({ state: 'SUCCEEDED', mode: 'shadow', submissions: 0 });
    expect(extract.shadow).toMatchObject({
      request: { target: { type: 'datapipeline', pipeline: 'extract-20261122' } },
      markerKey: 'extract__20261122.done',
    });
    expect(Date.parse(extract.shadow.markerAt) - Date.parse(extract.shadow.decidedAt)).toBeGreaterThanOrEqual(60_000);
    expect(extract.shadow.startedAt).toBe(extract.shadow.decidedAt);
    const text = await rsched(['status', '--local', '--date', DATE], { cwd: dir });
    expect(text.stdout).toMatch(/Shadow jobs/);
    // A real (60x) clock: the times depend on how busy the machine is, their order does not.
    const hhmm = (iso: string) => iso.slice(11, 16);
    const row = `extract\\s+${hhmm(extract.shadow.decidedAt)}\\s+${hhmm(extract.shadow.startedAt)}\\s+${hhmm(extract.shadow.markerAt)}\\s+extract__20261122\\.done`;
    expect(text.stdout).toMatch(new RegExp(row));
  });
});

describe('rsched shadow-report', () => {
  it('exits 0 when every run agrees, then 1 with the disagreement once the old scheduler runs what we would not have', async () => {
    const agree = await rsched(['shadow-report', '--local', '--from', DATE, '--to', DATE, '--json'], { cwd: dir });
    expect(agree.stderr).toBe('');
    expect(agree.code).toBe(0);
    const first = JSON.parse(agree.stdout);
    expect(first).toMatchObject({ from: DATE, to: DATE, jobs: ['extract', 'report'], toleranceMinutes: 5 });
    expect(first.runs.map((r: { job: string; verdict: string }) => `${r.job} ${r.verdict}`)).toEqual(['extract agree']);
    expect(first.summary).toMatchObject({ compared: 1, agree: 1, disagreements: 0 });

    // The old scheduler runs `report` although `landing` never arrived: we would not have started it.
    await localS3Client(dev.endpoints.s3).send(
      new PutObjectCommand({
        Bucket: dev.endpoints.bucket,
        Key: 'report__20261122.done',
        Body: JSON.stringify({ meta: { startedAt: `${DATE}T00:02:00Z` } }),
      }),
    );
    await until('report to succeed by its marker', async () => ((await stateOf('report')) === 'SUCCEEDED' ? true : undefined));

    const json = await rsched(['shadow-report', '--local', '--from', DATE, '--json'], { cwd: dir });
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.runs.find((r: { job: string }) => r.job === 'report')).toMatchObject({
      verdict: 'only-old',
      decidedAt: null,
      oldStartedAt: '2026-11-22T00:02:00.000Z',
      markerKey: 'report__20261122.done',
      detail: expect.stringContaining('missing: landing'),
    });
    expect(report.summary).toMatchObject({ compared: 2, agree: 1, onlyOld: 1, disagreements: 1 });

    const text = await rsched(['shadow-report', '--local', '--from', DATE], { cwd: dir });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/report\s+only-old/);
    expect(text.stdout).toContain(
      '2 runs compared: 1 agree, 0 earlier, 0 later, 0 only we would have started, 1 only the old scheduler ran',
    );
  });

  it('exits 2 for bad input, naming the option', async () => {
    const backwards = await rsched(['shadow-report', '--local', '--from', '2026-11-23', '--to', DATE], { cwd: dir });
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toContain('--to (2026-11-22) is before --from (2026-11-23)');
    const noFrom = await rsched(['shadow-report', '--local'], { cwd: dir });
    expect(noFrom.code).toBe(2);
    expect(noFrom.stderr).toContain('--from');
    const tolerance = await rsched(['shadow-report', '--local', '--from', DATE, '--tolerance', '-1'], { cwd: dir });
    expect(tolerance.code).toBe(2);
    expect(tolerance.stderr).toContain('--tolerance must be a number of minutes');
  });

  it('has --help', async () => {
    const help = await rsched(['shadow-report', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--tolerance');
    expect(help.stdout).toContain('--json');
  });
});

describe('rsched simulate --json with shadow jobs', () => {
  it('shows each shadow decision and no submission for it, and exits 0 when the old scheduler finished everything', async () => {
    const simDir = mkdtempSync(join(tmpdir(), 'rsched-shadow-sim-'));
    const jobs = [
      {
        name: 'extract',
        schedule: '0 1 * * *',
        mode: 'shadow',
        target: { type: 'datapipeline', pipeline: 'extract' },
        simulation: { durationMinutes: 20 },
      },
      { name: 'load', dependsOn: ['extract'], target: { type: 'datapipeline', pipeline: 'load' } },
    ];
    writeFileSync(join(simDir, 'jobs.json'), JSON.stringify({ jobs }));
    const { code, stdout, stderr } = await rsched(['simulate', '--date', DATE, '--config', simDir, '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.jobs.extract).toMatchObject({
      state: 'SUCCEEDED',
      submissions: 0,
      submittedAt: null,
      mode: 'shadow',
      shadow: {
        decidedAt: `${DATE}T01:00:00.000Z`,
        attempt: 1,
        request: { target: { type: 'datapipeline', pipeline: 'extract', parameters: {} } },
        markerKey: 'extract__20261122.done',
        markerAt: `${DATE}T01:20:00.000Z`,
        startedAt: `${DATE}T01:00:00.000Z`,
      },
    });
    expect(report.jobs.load).toMatchObject({ state: 'SUCCEEDED', submissions: 1, submittedAt: `${DATE}T01:20:00.000Z` });
    expect(report.jobs.load.mode).toBeUndefined();
  });
});
