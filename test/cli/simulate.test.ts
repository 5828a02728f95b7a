import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rsched } from '../support/cli';

describe('rsched simulate (command line)', () => {
  it('runs the example DAG with duplicated, reordered events: every job SUCCEEDED (evening_report SKIPPED: a Sunday), submitted once, exit 0, SPEC JSON shape', async () => {
    const { code, stdout, stderr } = await rsched([
      'simulate',
      '--date',
      '2026-11-22',
      '--json',
      '--duplicates',
      '3',
      '--shuffle',
      '--seed',
      '3',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    // The documented fields, plus the exactly-once evidence (an addition: scripts reading the others are unaffected).
    expect(Object.keys(report).sort()).toEqual([
      'alerts',
      'clusters',
      'criticalPathMinutes',
      'date',
      'exactlyOnce',
      'jobs',
      'makespanMinutes',
    ]);
    expect(report.date).toBe('2026-11-22');
    // evening_report is on the business-days calendar (docs/calendars.md) and 2026-11-22 is a Sunday.
    expect(report.jobs.evening_report).toMatchObject({
      state: 'SKIPPED',
      submissions: 0,
      reason: '2026-11-22 is a SUN, not a weekday of calendar business-days',
    });
    for (const [name, job] of Object.entries<Record<string, unknown>>(report.jobs)) {
      if (name === 'evening_report' || name === 'minibatch_sessions') continue;
      expect(job, name).toMatchObject({ state: 'SUCCEEDED', attempts: 1, reason: null });
      expect(job.submissions, name).toBe(['raw_events', 'geo_lookup'].includes(name) ? 0 : 1);
    }
    // The hourly job (docs/hourly.md): 24 UTC hours, each submitted once, rolled up into the day's state.
    expect(report.jobs.minibatch_sessions).toMatchObject({
      state: 'SUCCEEDED',
      granularity: 'hourly',
      hoursSucceeded: 24,
      attempts: 24,
      submissions: 24,
    });
    expect(Object.keys(report.jobs.minibatch_sessions.hours)).toHaveLength(24);
    expect(report.clusters.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(['nightly-etl', 'minibatch-morning', 'daytime-etl', 'daytime-adhoc', 'minibatch-evening']),
    );
    for (const c of report.clusters) expect(c.clusterId).toMatch(/^j-/);
    expect(report.alerts).toEqual([]);
    expect(report.makespanMinutes).toBeGreaterThan(0);
    // The evidence: every S3 event came three times, and still each run reached its target once.
    expect(report.exactlyOnce.deliveries).toBe(3 * report.exactlyOnce.markerEvents);
    // 15 daily runs (evening_report is SKIPPED), the 24 hours of minibatch_sessions and its daily rollup.
    expect(report.exactlyOnce).toMatchObject({ runsSubmitted: 40, submittedOnce: 40, submittedMoreThanOnce: [] });
  });

  it('ends the timeline with the exactly-once evidence under --duplicates', async () => {
    const { code, stdout } = await rsched(['simulate', '--date', '2026-11-22', '--duplicates', '2']);
    expect(code).toBe(0);
    const last = stdout.trimEnd().split('\n').at(-1);
    expect(last).toMatch(/^exactly-once: (\d+) deliveries of (\d+) markers, 40 runs submitted: 40 once each, 0 twice or more$/);
    const [, deliveries, markers] = /(\d+) deliveries of (\d+)/.exec(last ?? '') ?? [];
    expect(Number(deliveries)).toBe(2 * Number(markers));
    // The notBefore of the example DAG (partner_notify, 07:00 Berlin) shows in the timeline.
    expect(stdout).toMatch(/partner_notify\s+WAITING\s+all upstreams done; held until notBefore 07:00 Europe\/Berlin/);
    expect(stdout).toMatch(/06:00\s+partner_notify\s+SUBMITTED/);
    expect(stdout).toMatch(/evening_report\s+SKIPPED\s+2026-11-22 is a SUN, not a weekday of calendar business-days/);
  });

  it("--lose-event: EventBridge loses the job's state-change events, and the sweeper's poll ends it at maxRuntimeMinutes", async () => {
    // docs/completion.md, "Locally": marts_refresh (Step Functions) ends by DescribeExecution, 240 min after its submission.
    const lost = await rsched(['simulate', '--date', '2026-11-22', '--json', '--lose-event', 'marts_refresh']);
    expect(lost.code).toBe(0);
    const jobs = JSON.parse(lost.stdout).jobs as Record<string, { state: string; submittedAt: string; finishedAt: string }>;
    for (const [name, job] of Object.entries(jobs)) expect(job.state, name).toBe(name === 'evening_report' ? 'SKIPPED' : 'SUCCEEDED');
    const marts = jobs.marts_refresh as { submittedAt: string; finishedAt: string };
    expect(Date.parse(marts.finishedAt) - Date.parse(marts.submittedAt)).toBeGreaterThanOrEqual(240 * 60_000);
    // A Lambda job announces no end: there is no event of it to lose.
    const lambda = await rsched(['simulate', '--date', '2026-11-22', '--lose-event', 'partner_notify']);
    expect(lambda.code).toBe(2);
    expect(lambda.stderr).toContain('--lose-event partner_notify: the job has completion "marker"');
  });

  it('exits 1 with a timeline naming the failure when a job fails, and 2 for bad input', async () => {
    const failed = await rsched(['simulate', '--date', '2026-11-22', '--fail', 'sessions']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('ALERT FAILED');
    expect(failed.stdout).toMatch(/UPSTREAM_FAILED\s+daily_kpis/);
    expect(failed.stdout).toContain('rsched replay sessions --date 2026-11-22 --downstream');
    // An EMR step names its cluster; within one instant, the cause comes before what it caused.
    expect(failed.stdout).toMatch(/sessions\s+SUBMITTED\s+submitted s-\d+ to cluster nightly-etl \(j-\d+\)/);
    const line = (pattern: RegExp) => failed.stdout.split('\n').findIndex((l) => pattern.test(l));
    expect(line(/raw_events\s+SUCCEEDED/)).toBeLessThan(line(/events_clean\s+SUBMITTED/));
    expect(line(/sessions\s+FAILED/)).toBeLessThan(line(/retention\s+UPSTREAM_FAILED/));
    expect(line(/retention\s+UPSTREAM_FAILED/)).toBeLessThan(line(/ALERT FAILED/));

    const noDate = await rsched(['simulate']);
    expect(noDate.code).toBe(2);
    expect(noDate.stderr).toContain("required option '--date <YYYY-MM-DD>' not specified");
    const badDate = await rsched(['simulate', '--date', '2026-02-30']);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toContain('--date must be a real day');
    const badJob = await rsched(['simulate', '--date', '2026-11-22', '--fail', 'nosuch']);
    expect(badJob.code).toBe(2);
    expect(badJob.stderr).toContain('--fail nosuch: no job of that name');

    const dir = mkdtempSync(join(tmpdir(), 'rsched-cfg-'));
    writeFileSync(join(dir, 'jobs.json'), JSON.stringify({ jobs: [{ name: 'a', dependsOn: ['b'], target: { type: 'external' } }] }));
    const invalid = await rsched(['simulate', '--date', '2026-11-22', '--config', dir]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('job "a": dependsOn[0]: unknown dependency "b"');
  });
});
