import { describe, expect, it } from 'vitest';
import { expectedByInstant, lateDeadlinesBetween, nextLateDeadline } from '../../lambdas/domain/late';
import type { RunDate } from '../../lambdas/domain/run-date';
import { dagFrom } from '../support/dags';

/** expectedBy deadlines (SPEC §2): wall-clock times on the run date, in the job's time zone. */
const dag = dagFrom(
  { a: [], b: ['a'], c: [] },
  { b: { expectedBy: '06:00' }, c: { expectedBy: '23:30', timezone: 'America/Los_Angeles' } },
);
const job = (name: string) => dag.jobs.get(name) as NonNullable<ReturnType<typeof dag.jobs.get>>;
const list = (from: string, to: string) =>
  lateDeadlinesBetween(dag, new Date(from), new Date(to)).map((l) => `${l.job.name} ${l.date} ${l.at.toISOString()}`);

describe('late deadlines', () => {
  it('are expectedBy on the run date in the job time zone, and absent without expectedBy', () => {
    expect(expectedByInstant(job('b'), '2026-11-22' as RunDate)?.toISOString()).toBe('2026-11-22T06:00:00.000Z');
    // 23:30 in Los Angeles on 22 November is 07:30 UTC on the 23rd.
    expect(expectedByInstant(job('c'), '2026-11-22' as RunDate)?.toISOString()).toBe('2026-11-23T07:30:00.000Z');
    expect(expectedByInstant(job('a'), '2026-11-22' as RunDate)).toBeUndefined();
  });

  it('are listed in (from, to], in time order', () => {
    expect(list('2026-11-22T05:00Z', '2026-11-23T08:00Z')).toEqual([
      'b 2026-11-22 2026-11-22T06:00:00.000Z',
      'c 2026-11-21 2026-11-22T07:30:00.000Z',
      'b 2026-11-23 2026-11-23T06:00:00.000Z',
      'c 2026-11-22 2026-11-23T07:30:00.000Z',
    ]);
    expect(list('2026-11-22T06:00Z', '2026-11-22T07:30Z')).toEqual(['c 2026-11-21 2026-11-22T07:30:00.000Z']);
    expect(list('2026-11-22T06:01Z', '2026-11-22T07:29Z')).toEqual([]);
  });

  it('look back at most two run dates after a long outage', () => {
    expect(list('2026-11-01T00:00Z', '2026-11-23T05:00Z')).toEqual([
      'b 2026-11-21 2026-11-21T06:00:00.000Z',
      'c 2026-11-20 2026-11-21T07:30:00.000Z',
      'b 2026-11-22 2026-11-22T06:00:00.000Z',
      'c 2026-11-21 2026-11-22T07:30:00.000Z',
    ]);
  });

  it('give the next deadline strictly after an instant', () => {
    expect(nextLateDeadline(dag, new Date('2026-11-22T06:00Z'))?.toISOString()).toBe('2026-11-22T07:30:00.000Z');
    expect(nextLateDeadline(dag, new Date('2026-11-22T05:59Z'))?.toISOString()).toBe('2026-11-22T06:00:00.000Z');
    expect(nextLateDeadline(dagFrom({ a: [] }), new Date('2026-11-22T05:59Z'))).toBeUndefined();
  });
});

describe('next-day deadlines ("+1d HH:MM")', () => {
  const nextDay = dagFrom({ n: [] }, { n: { expectedBy: '+1d 06:00', schedule: '0 23 * * *' } });
  it('fall on the day after the run date, and are found for the right run date', () => {
    expect(expectedByInstant(nextDay.jobs.get('n') as never, '2026-11-22' as RunDate)?.toISOString()).toBe('2026-11-23T06:00:00.000Z');
    const found = lateDeadlinesBetween(nextDay, new Date('2026-11-23T05:00Z'), new Date('2026-11-23T07:00Z'));
    expect(found.map((l) => `${l.date} ${l.at.toISOString()}`)).toEqual(['2026-11-22 2026-11-23T06:00:00.000Z']);
  });
});

describe('a range ahead of its end date (simulate looks forward)', () => {
  it('finds the deadlines of the first day of a three-day range when the look-back is uncapped', () => {
    const from = new Date('2026-11-22T00:00Z');
    const to = new Date('2026-11-25T00:00Z');
    // The default cap counts back from `to`: the 22nd was out of reach (issue 12 item 5).
    expect(lateDeadlinesBetween(dag, from, to).some((l) => l.date === '2026-11-22' && l.job.name === 'b')).toBe(false);
    expect(lateDeadlinesBetween(dag, from, to, Number.POSITIVE_INFINITY)[0]).toMatchObject({ date: '2026-11-22' });
  });
});
