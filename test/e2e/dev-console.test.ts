import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RSCHED, rsched } from '../support/cli';

/**
 * `rsched dev` as a user starts it: its console prints the readable timeline
 * of `rsched simulate` (docs/local.md#dev), and `--local` commands take the dev
 * clock's date as today.
 */

const DATE = '2026-11-22';
const config = {
  jobs: [
    { name: 'landing', target: { type: 'external' }, simulation: { arrivesAt: '00:02' } },
    {
      name: 'extract',
      schedule: '1 0 * * *',
      target: { type: 'datapipeline', pipeline: 'extract-pipeline' },
      simulation: { durationMinutes: 1 },
    },
    {
      name: 'report',
      dependsOn: ['landing', 'extract'],
      notBefore: '00:20',
      target: { type: 'datapipeline', pipeline: 'report-pipeline' },
      simulation: { durationMinutes: 1 },
    },
  ],
};

let dir: string;
let dev: ChildProcess;
let out = '';

async function until(what: string, probe: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; console so far:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rsched-console-'));
  mkdirSync(join(dir, 'dag-config'));
  writeFileSync(join(dir, 'dag-config', 'jobs.json'), JSON.stringify(config));
  // Two simulated minutes a real second: the day's three jobs take a few seconds.
  dev = spawn(process.execPath, [RSCHED, 'dev', '--no-ui', '--speed', '120', '--from', `${DATE}T00:00Z`], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  dev.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  dev.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await until('report to succeed', () => /report\s+SUCCEEDED/.test(out));
});

afterAll(async () => {
  if (dev && dev.exitCode === null) {
    const exited = new Promise((r) => dev.once('exit', r));
    dev.kill('SIGTERM');
    await exited;
  }
});

describe("rsched dev's console", () => {
  it('prints the timeline of simulate: submissions, waits, the notBefore hold, outcomes', () => {
    const lines = out.split('\n');
    const find = (re: RegExp) => lines.find((l) => re.test(l));
    const seen = (re: RegExp) => expect(find(re), `${re} in the console:\n${out}`).toBeDefined();
    seen(/^2026-11-22 00:0\d {2}extract\s+SUBMITTED\s+submitted df-/);
    seen(/^2026-11-22 00:0\d {2}extract\s+SUCCEEDED\s+marker extract__20261122\.done/);
    seen(/^2026-11-22 00:0\d {2}report\s+WAITING\s+upstream (extract|landing) succeeded/);
    seen(/^2026-11-22 00:[01]\d {2}report\s+WAITING\s+all upstreams done; held until notBefore 00:20 UTC/);
    // At the gate (a real clock under load may be a minute late), never before it.
    seen(/^2026-11-22 00:2\d {2}report\s+SUBMITTED/);
  });

  it('prints no internal ids or handler bookkeeping', () => {
    const timeline = out.slice(out.indexOf('Ctrl-C stops everything'));
    for (const noise of ['not-ours', 'refreshed', 'sweeper:', 'registry:', ' → ', 'trigger extract']) expect(timeline).not.toContain(noise);
    expect(timeline).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
  });

  it('--local status takes the dev clock for today, and shows the grid across dates', async () => {
    const day = await rsched(['status', '--local', '--json'], { cwd: dir });
    expect(day.stderr).toBe('');
    expect(JSON.parse(day.stdout)).toMatchObject({ date: DATE, jobs: { report: { state: 'SUCCEEDED', waitingFor: null, alert: null } } });
    const grid = await rsched(['status', '--local', '--from', '2026-11-21'], { cwd: dir });
    expect(grid.code).toBe(0);
    expect(grid.stdout).toMatch(/report\s+·\s+ok/);
    expect(grid.stdout).toContain('ok SUCCEEDED');
    const json = JSON.parse((await rsched(['status', '--local', '--from', '2026-11-21', '--json'], { cwd: dir })).stdout);
    expect(json).toMatchObject({ from: '2026-11-21', to: DATE, dates: ['2026-11-21', DATE] });
    expect(json.jobs.report).toEqual({
      '2026-11-21': { state: 'PENDING', attempts: 0, next: null },
      [DATE]: expect.objectContaining({ state: 'SUCCEEDED' }),
    });
  });

  it('history says which attempt was a manual run', async () => {
    const run = await rsched(['run', 'extract', '--date', DATE, '--local', '--yes'], { cwd: dir });
    expect(run.code).toBe(0);
    const history = JSON.parse((await rsched(['history', 'extract', '--local', '--days', '1', '--json'], { cwd: dir })).stdout);
    expect(history.runs[0]).toMatchObject({ date: DATE, cause: 'manual' });
    expect(history.runs[0].attemptLog.map((a: { cause: string }) => a.cause)).toEqual(['schedule', 'manual']);
    const text = await rsched(['history', 'extract', '--local', '--days', '1'], { cwd: dir });
    expect(text.stdout).toMatch(/1 scheduled; 2 manual run \(run now\) by \S+/);
  });

  it("status shows the open alert's next step on the run's row, and the console prints the alert", async () => {
    const mark = await rsched(['mark', 'landing', '--date', DATE, '--failed', '--local', '--yes'], { cwd: dir });
    expect(mark.code).toBe(0);
    await until('the FAILED alert', () => /landing\s+ALERT FAILED/.test(out));
    const json = JSON.parse((await rsched(['status', '--local', '--json'], { cwd: dir })).stdout);
    expect(json.jobs.landing).toMatchObject({
      state: 'FAILED',
      alert: { kind: 'FAILED', next: expect.stringContaining('rsched replay landing') },
    });
    const text = await rsched(['status', '--local'], { cwd: dir });
    expect(text.stdout).toMatch(
      /landing\s+FAILED\s+2\s.*FAILED next: Fix the job, then: rsched replay landing --date 2026-11-22 --downstream/,
    );
  });
});
