import { describe, expect, it } from 'vitest';
import { runTrial } from '../../bench/soak/trial';
import { useDynalite } from '../support/dynalite';

/**
 * A short run of the soak (`npm run soak -- --trials N` runs the long one):
 * random DAGs, duplicated, shuffled and concurrent events, replays, failing and
 * hanging jobs, and HTTP-layer faults, driven to quiescence. Issue 12's
 * property: once nothing more can happen, every run has ended (none waits with
 * nothing that will ever move it); and issue 11's: nothing submitted twice,
 * no completion lost. A share of each day's jobs goes through the real
 * submitters (test/integration/soak-submitters.property.test.ts sends all of them);
 * some days end with a late re-delivery (LATE_DATA once per new marker, reruns exactly once).
 */

const emulator = useDynalite();

describe('soak', () => {
  it('12 random days: 0 double submissions, 0 lost completions, 0 stuck runs, 0 needless uncertain parks, 0 calendar violations, late data acted on once', async () => {
    const listener = emulator().listener;
    if (!listener) throw new Error('dynalite has no in-process listener');
    const totals = { double: 0, lost: 0, stuck: 0, needless: 0, calendar: 0, skipped: 0, jobs: 0, late: 0, lateChecked: 0, lateWrong: 0 };
    const failing: string[] = [];
    for (let seed = 9001; seed < 9013; seed++) {
      const t = await runTrial(seed, listener);
      totals.double += t.doubleSubmissions;
      totals.lost += t.lostCompletions;
      totals.stuck += t.stuckRuns;
      totals.needless += t.needlessParks;
      totals.calendar += t.calendarViolations;
      totals.skipped += t.skippedRuns;
      totals.jobs += t.jobs;
      totals.late += t.lateRedeliveries;
      totals.lateChecked += t.lateData.checked;
      totals.lateWrong += t.lateData.wrong;
      if (
        t.doubleSubmissions + t.lostCompletions + t.stuckRuns + t.needlessParks + t.calendarViolations + t.lateData.wrong > 0 ||
        t.problems.length > 0
      )
        failing.push(`seed ${t.seed}: ${JSON.stringify(t)}`);
    }
    expect(failing).toEqual([]);
    expect(totals).toMatchObject({ double: 0, lost: 0, stuck: 0, needless: 0, calendar: 0, lateWrong: 0 });
    // Jobs on a weekdays calendar (the trial's day is a Sunday) were exercised: SKIPPED, never submitted.
    expect(totals.skipped).toBeGreaterThan(0);
    expect(totals.jobs).toBeGreaterThan(24);
    // Some of these days end with a late re-delivery (bench/soak/late-data-check.ts), judged per downstream job.
    expect(totals.late).toBeGreaterThan(0);
    expect(totals.lateChecked).toBeGreaterThan(totals.late);
    // About 18 s of CPU (dynalite and the SDK's middleware: bench/results/soak.md); a loaded machine stretches that past 60 s.
  }, 150_000);

  it('hourly trials (docs/hourly.md): 24 hourly markers duplicated, shuffled and concurrent, daily runs over them; nothing twice, lost or stuck', async () => {
    const listener = emulator().listener;
    if (!listener) throw new Error('dynalite has no in-process listener');
    const hourly = [];
    for (let seed = 9001; hourly.length < 3 && seed < 9041; seed++) {
      const t = await runTrial(seed, listener, { maxJobs: 8 });
      if (t.hourly) hourly.push(t);
    }
    expect(hourly).toHaveLength(3);
    for (const t of hourly) {
      expect({ seed: t.seed, double: t.doubleSubmissions, lost: t.lostCompletions, stuck: t.stuckRuns, problems: t.problems }).toEqual({
        seed: t.seed,
        double: 0,
        lost: 0,
        stuck: 0,
        problems: [],
      });
      // Every hour done: hc ran 24 times and both daily jobs ran once; a failed hour fails hd ("all"), and hl only if it is hour 23.
      const failed = t.hourlyOutcome?.failedHours ?? [];
      expect(t.hourlyOutcome).toEqual({
        hcSucceeded: 24 - failed.length,
        hd: failed.length === 0 ? 'SUCCEEDED' : 'UPSTREAM_FAILED',
        hl: failed.includes('23') ? 'UPSTREAM_FAILED' : 'SUCCEEDED',
        failedHours: failed,
      });
    }
  }, 150_000);
});
