import { describe, expect, it } from 'vitest';
import { measureExampleDay } from '../../bench/completion-cost';
import { useDynalite } from '../support/dynalite';

/**
 * The bench's "DynamoDB requests per completion" section (bench/completion-cost.ts)
 * drives a day of the example DAG through the engine; it must keep working as
 * the example grows (hourly jobs, calendars), or the bench stops at its table.
 */

const emulator = useDynalite();

describe('requests per completion on the example DAG', () => {
  it('completes every run of the day once, each hour of an hourly job apart, and counts no fewer requests than the minimum', async () => {
    const day = await measureExampleDay(emulator());
    const row = (job: string) => day.completions.find((c) => c.job === job);

    // 24 hourly completions, each writing its own run twice (its end, then the propagation record) and the rollup's done set once.
    expect(row('minibatch_sessions')).toMatchObject({ events: 24, touched: 24, own: 48, dispatched: 1 });
    expect(row('minibatch_daily_rollup')).toMatchObject({ events: 1, touched: 0 });
    // 2026-11-22 is a Sunday: evening_report is SKIPPED by its calendar and gets no marker.
    expect(row('evening_report')).toBeUndefined();
    expect(day.events).toBe(day.completions.reduce((n, c) => n + c.events, 0));
    expect(day.requests).toBeGreaterThanOrEqual(day.protocolMinimum);
    expect(day.protocolMinimum).toBeGreaterThan(day.minimum);
  });
});
