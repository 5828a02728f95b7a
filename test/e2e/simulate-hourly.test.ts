import { describe, expect, it } from 'vitest';
import { dp, external, simulateConfig } from '../support/simulation';

/**
 * Hourly runs end to end under `rsched simulate` (docs/hourly.md#simulate):
 * an hourly external feed, an hourly job on each of its hours, a daily job over
 * all 24 hours and one over the last hour, with every S3 event delivered three
 * times and reordered.
 */

const HOURLY = { granularity: 'hourly' } as const;
const config = {
  jobs: [
    { ...external('feed', '00:05'), ...HOURLY },
    dp('clean', ['feed'], { ...HOURLY, simulation: { durationMinutes: 10 } }),
    dp('daily_all', ['clean'], { simulation: { durationMinutes: 10 } }),
    dp('daily_last', ['feed'], { hourlyDependency: { feed: 'last' }, simulation: { durationMinutes: 10 } }),
  ],
};

describe('simulate: hourly jobs', () => {
  it('runs 24 hours, each submitted once, and the daily runs once after the day, under duplicated and shuffled delivery', async () => {
    const result = await simulateConfig(config, { duplicates: 3, shuffle: true, seed: 7 });
    expect(result.ok).toBe(true);
    const { jobs, exactlyOnce } = result.report;
    expect(jobs.clean).toMatchObject({ state: 'SUCCEEDED', granularity: 'hourly', hoursSucceeded: 24, submissions: 24 });
    expect(jobs.feed).toMatchObject({ state: 'SUCCEEDED', hoursSucceeded: 24, submissions: 0 });
    expect(jobs.daily_all).toMatchObject({ state: 'SUCCEEDED', submissions: 1 });
    expect(jobs.daily_last).toMatchObject({ state: 'SUCCEEDED', submissions: 1 });
    // The daily run waits for hour 23 (its marker comes at 00:05 the next day, then clean runs 10 minutes).
    expect(Date.parse(jobs.daily_all?.submittedAt ?? '')).toBeGreaterThanOrEqual(Date.parse('2026-11-23T00:15:00Z'));
    expect(jobs.daily_last?.submittedAt?.slice(0, 16)).toMatch(/^2026-11-23T00:0[5-7]/);
    expect(exactlyOnce).toMatchObject({ runsSubmitted: 26, submittedOnce: 26, submittedMoreThanOnce: [] });
    expect(exactlyOnce.deliveries).toBe(3 * exactlyOnce.markerEvents);
  });

  it('--fail on the hourly feed fails its hours, their hours downstream and both daily runs, and exits unsuccessful', async () => {
    const result = await simulateConfig(config, { fail: ['feed'] });
    expect(result.ok).toBe(false);
    expect(result.report.jobs.feed).toMatchObject({ state: 'FAILED', hoursSucceeded: 0 });
    expect(result.report.jobs.clean?.state).toBe('UPSTREAM_FAILED');
    expect(result.report.jobs.daily_all?.state).toBe('UPSTREAM_FAILED');
    expect(result.report.jobs.daily_last?.state).toBe('UPSTREAM_FAILED');
  });
});
