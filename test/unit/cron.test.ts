import { describe, expect, it } from 'vitest';
import {
  cronProblem,
  nextInvocation,
  nextOccurrence,
  occurrences,
  previousOccurrence,
  scheduledInvocations,
  skippedInvocations,
  toEventBridgeCron,
} from '../../lambdas/domain/cron';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const between = (expr: string, tz: string, from: string, to: string) => iso(occurrences(expr, tz, new Date(from), new Date(to)));

describe('cron validation', () => {
  it('accepts the five-field crons both cron-parser and EventBridge understand', () => {
    for (const expr of ['0 1 * * *', '*/15 * * * *', '30 1 * * 1-5', '0 6 * * mon,wed', '0 0 1,15 * *', '0 0 L * *', ' 0  1 * * * ']) {
      expect(cronProblem(expr), expr).toBeUndefined();
    }
  });

  it('rejects other field counts, values out of range, both day fields, steps in day-of-week and odd characters', () => {
    expect(cronProblem('0 1 * *')).toMatch(/must have 5 fields .*, got 4$/);
    expect(cronProblem('* * * * * *')).toMatch(/got 6$/);
    expect(cronProblem('@daily')).toMatch(/got 1$/);
    expect(cronProblem('61 * * * *')).toBe('cron "61 * * * *" is invalid: Constraint error, got value 61 expected range 0-59');
    expect(cronProblem('0 24 * * *')).toMatch(/expected range 0-23/);
    expect(cronProblem('0 0 32 * *')).toMatch(/expected range 1-31/);
    expect(cronProblem('0 0 * 13 *')).toMatch(/expected range 1-12/);
    expect(cronProblem('0 0 * * 8')).toMatch(/expected range 0-7/);
    expect(cronProblem('0 0 1 * MON')).toMatch(/restricts both day-of-month and day-of-week/);
    expect(cronProblem('0 0 * * */2')).toMatch(/uses a step in day-of-week/);
    expect(cronProblem('0 0 ? * *')).toMatch(/has characters other than/);
  });
});

describe('occurrences in a time zone', () => {
  it('are [from, to): the start is included, the end is not', () => {
    expect(between('0 1 * * *', 'UTC', '2026-11-22T01:00:00Z', '2026-11-24T01:00:00Z')).toEqual([
      '2026-11-22T01:00:00.000Z',
      '2026-11-23T01:00:00.000Z',
    ]);
  });

  it('keep 01:00 local across the spring change in Europe/Berlin (UTC+1 -> UTC+2 on 29 March 2026)', () => {
    expect(between('0 1 * * *', 'Europe/Berlin', '2026-03-28T00:00Z', '2026-03-31T00:00Z')).toEqual([
      '2026-03-28T00:00:00.000Z',
      '2026-03-29T00:00:00.000Z',
      '2026-03-29T23:00:00.000Z',
      '2026-03-30T23:00:00.000Z',
    ]);
  });

  it('fire a time skipped by the spring change once, an hour later, and a repeated time once, the first time', () => {
    // 02:30 does not exist on 29 March in Berlin: it runs at 03:30 CEST.
    expect(between('30 2 * * *', 'Europe/Berlin', '2026-03-29T00:00Z', '2026-03-30T00:00Z')).toEqual(['2026-03-29T01:30:00.000Z']);
    // 02:30 happens twice on 25 October: it runs at the first, 02:30 CEST.
    expect(between('30 2 * * *', 'Europe/Berlin', '2026-10-25T00:00Z', '2026-10-26T00:00Z')).toEqual(['2026-10-25T00:30:00.000Z']);
  });

  it('fire hourly crons every real hour across the autumn change', () => {
    expect(between('0 * * * *', 'Europe/Berlin', '2026-10-24T23:00Z', '2026-10-25T03:00Z')).toEqual([
      '2026-10-24T23:00:00.000Z',
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T02:00:00.000Z',
    ]);
  });

  it('keep local midnight across both changes in America/Los_Angeles (8 March and 1 November 2026)', () => {
    expect(between('0 0 * * *', 'America/Los_Angeles', '2026-03-07T00:00Z', '2026-03-10T00:00Z')).toEqual([
      '2026-03-07T08:00:00.000Z',
      '2026-03-08T08:00:00.000Z',
      '2026-03-09T07:00:00.000Z',
    ]);
    expect(between('0 0 * * *', 'America/Los_Angeles', '2026-10-31T00:00Z', '2026-11-03T00:00Z')).toEqual([
      '2026-10-31T07:00:00.000Z',
      '2026-11-01T07:00:00.000Z',
      '2026-11-02T08:00:00.000Z',
    ]);
    expect(between('30 2 * * *', 'America/Los_Angeles', '2026-03-08T00:00Z', '2026-03-09T00:00Z')).toEqual(['2026-03-08T10:30:00.000Z']);
    expect(between('30 1 * * *', 'America/Los_Angeles', '2026-11-01T00:00Z', '2026-11-02T00:00Z')).toEqual(['2026-11-01T08:30:00.000Z']);
  });

  it('find the previous (inclusive) and next (exclusive) firing', () => {
    const at = new Date('2026-11-22T01:00:00Z');
    expect(previousOccurrence('0 1 * * *', 'UTC', at).toISOString()).toBe('2026-11-22T01:00:00.000Z');
    expect(nextOccurrence('0 1 * * *', 'UTC', at).toISOString()).toBe('2026-11-23T01:00:00.000Z');
    expect(previousOccurrence('0 1 * * *', 'Europe/Berlin', at).toISOString()).toBe('2026-11-22T00:00:00.000Z');
  });
});

describe('EventBridge Scheduler form', () => {
  it('puts ? in day-of-week when it is *, and in day-of-month otherwise, with a year field', () => {
    expect(toEventBridgeCron('0 1 * * *')).toBe('cron(0 1 * * ? *)');
    expect(toEventBridgeCron('0 6 1 * *')).toBe('cron(0 6 1 * ? *)');
    expect(toEventBridgeCron('*/15 * * * *')).toBe('cron(*/15 * * * ? *)');
    expect(toEventBridgeCron('0 6 * * 1-5')).toBe('cron(0 6 ? * MON,TUE,WED,THU,FRI *)');
    // 5-7 is Friday to Sunday in cron; as a list it cannot wrap in EventBridge's SUN=1 numbering.
    expect(toEventBridgeCron('0 6 * * 5-7')).toBe('cron(0 6 ? * SUN,FRI,SAT *)');
  });

  it('names days of the week, so cron 0/7 (Sunday) is EventBridge SUN (its 1), never 0', () => {
    expect(toEventBridgeCron('0 6 * * 0')).toBe('cron(0 6 ? * SUN *)');
    expect(toEventBridgeCron('0 6 * * 7')).toBe('cron(0 6 ? * SUN *)');
    expect(toEventBridgeCron('0 6 * * 0,6')).toBe('cron(0 6 ? * SUN,SAT *)');
    expect(toEventBridgeCron('0 6 * * mon,wed')).toBe('cron(0 6 ? * MON,WED *)');
  });

  it('refuses an invalid cron with the validation message', () => {
    expect(() => toEventBridgeCron('0 0 1 * MON')).toThrow(/restricts both day-of-month and day-of-week/);
  });
});

/**
 * EventBridge Scheduler around DST (User Guide, "Schedule types in EventBridge Scheduler",
 * daylight saving time section; re:Post knowledge center "eventbridge-scheduler-adjust-dst"):
 * a time in the spring-forward gap is skipped, a time in the repeated hour runs once.
 */
describe('EventBridge Scheduler invocations around DST', () => {
  it('skips 02:30 Europe/Berlin on 2026-03-29 (it does not exist) instead of moving it to 03:30', () => {
    expect(iso(scheduledInvocations('30 2 * * *', 'Europe/Berlin', new Date('2026-03-28T00:00Z'), new Date('2026-03-31T00:00Z')))).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
    expect(skippedInvocations('30 2 * * *', 'Europe/Berlin', new Date('2026-03-28T00:00Z'), new Date('2026-03-31T00:00Z'))).toEqual([
      { date: '2026-03-29', time: '02:30', shiftedTo: new Date('2026-03-29T01:30:00.000Z') },
    ]);
    expect(nextInvocation('30 2 * * *', 'Europe/Berlin', new Date('2026-03-28T02:00Z')).toISOString()).toBe('2026-03-30T00:30:00.000Z');
  });

  it('runs a time of the repeated hour once on 2026-10-25 (the first time it is shown)', () => {
    expect(iso(scheduledInvocations('30 2 * * *', 'Europe/Berlin', new Date('2026-10-24T12:00Z'), new Date('2026-10-26T00:00Z')))).toEqual([
      '2026-10-25T00:30:00.000Z',
    ]);
  });
});
