import { describe, expect, it } from 'vitest';
import { occurrences } from '../../lambdas/domain/cron';
import {
  addDays,
  dateRange,
  isValidTimeZone,
  offsetMs,
  parseCompactRunDate,
  parseRunDate,
  type RunDate,
  requireRunDate,
  runDateIn,
  toCompact,
  wallClockInstant,
} from '../../lambdas/domain/run-date';

const d = (text: string) => text as RunDate;

describe('parsing run dates', () => {
  it('accepts real days written YYYY-MM-DD or YYYYMMDD, leap days included', () => {
    expect(parseRunDate('2026-11-22')).toBe('2026-11-22');
    expect(parseRunDate('2028-02-29')).toBe('2028-02-29');
    expect(parseCompactRunDate('20261122')).toBe('2026-11-22');
    expect(parseCompactRunDate('20000229')).toBe('2000-02-29');
  });

  it('rejects impossible days, other formats, and years outside 1970-2999', () => {
    for (const text of [
      '2026-02-29',
      '1900-02-29',
      '2026-04-31',
      '2026-13-01',
      '2026-00-10',
      '2026-1-5',
      '2026/11/22',
      '22-11-2026',
      '1969-12-31',
      '3000-01-01',
      '',
    ]) {
      expect(parseRunDate(text), text).toBeUndefined();
    }
    expect(parseCompactRunDate('2026112')).toBeUndefined();
    expect(parseCompactRunDate('20261131')).toBeUndefined();
  });

  it('says what it expected when a date is required', () => {
    expect(() => requireRunDate('2026-02-30', '--date')).toThrow('--date must be a real day written YYYY-MM-DD, got "2026-02-30"');
  });
});

describe('date arithmetic', () => {
  it('adds days across months, years and leap days, and compacts', () => {
    expect(addDays(d('2026-12-31'), 1)).toBe('2027-01-01');
    expect(addDays(d('2028-02-28'), 1)).toBe('2028-02-29');
    expect(addDays(d('2026-03-01'), -1)).toBe('2026-02-28');
    expect(addDays(d('2026-03-29'), 1)).toBe('2026-03-30');
    expect(toCompact(d('2026-03-07'))).toBe('20260307');
  });

  it('lists an inclusive range, empty when reversed', () => {
    expect(dateRange(d('2026-02-27'), d('2026-03-02'))).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    expect(dateRange(d('2026-03-02'), d('2026-03-01'))).toEqual([]);
  });
});

describe('days and wall clocks in time zones', () => {
  it('gives the calendar day of an instant in a zone', () => {
    const instant = new Date('2026-11-22T05:00:00Z');
    expect(runDateIn(instant, 'UTC')).toBe('2026-11-22');
    expect(runDateIn(instant, 'America/Los_Angeles')).toBe('2026-11-21');
    expect(runDateIn(new Date('2026-11-22T23:30:00Z'), 'Europe/Berlin')).toBe('2026-11-23');
  });

  it('gives the offset from UTC, positive east of Greenwich, DST included', () => {
    expect(offsetMs(new Date('2026-07-01T00:00Z'), 'Europe/Berlin')).toBe(2 * 3_600_000);
    expect(offsetMs(new Date('2026-01-01T00:00Z'), 'Europe/Berlin')).toBe(3_600_000);
    expect(offsetMs(new Date('2026-01-01T00:00Z'), 'America/Los_Angeles')).toBe(-8 * 3_600_000);
    expect(offsetMs(new Date('2026-01-01T00:00Z'), 'Asia/Kathmandu')).toBe(5.75 * 3_600_000);
  });

  it('finds the instant a wall clock shows a time, on ordinary days', () => {
    expect(wallClockInstant(d('2026-11-22'), '06:00', 'UTC').toISOString()).toBe('2026-11-22T06:00:00.000Z');
    expect(wallClockInstant(d('2026-11-22'), '06:00', 'Europe/Berlin').toISOString()).toBe('2026-11-22T05:00:00.000Z');
    expect(wallClockInstant(d('2026-07-01'), '06:00', 'Europe/Berlin').toISOString()).toBe('2026-07-01T04:00:00.000Z');
    expect(wallClockInstant(d('2026-11-22'), '23:30', 'America/Los_Angeles').toISOString()).toBe('2026-11-23T07:30:00.000Z');
  });

  it('resolves DST gaps and repeats the way cron does, east and west of Greenwich', () => {
    // Skipped: 02:30 in Berlin on 29 March and in Los Angeles on 8 March are an hour later.
    expect(wallClockInstant(d('2026-03-29'), '02:30', 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(wallClockInstant(d('2026-03-08'), '02:30', 'America/Los_Angeles').toISOString()).toBe('2026-03-08T10:30:00.000Z');
    // Repeated: the first 02:30 in Berlin on 25 October (CEST), the first 01:30 in Los Angeles on 1 November (PDT).
    expect(wallClockInstant(d('2026-10-25'), '02:30', 'Europe/Berlin').toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(wallClockInstant(d('2026-11-01'), '01:30', 'America/Los_Angeles').toISOString()).toBe('2026-11-01T08:30:00.000Z');
  });

  it('agrees with cron around every DST change of a year, in zones with DST, half hours and big offsets', () => {
    const disagreements: string[] = [];
    for (const tz of ['Europe/Berlin', 'America/Los_Angeles', 'Australia/Sydney', 'America/St_Johns', 'Pacific/Auckland']) {
      // The days whose offset differs from the next day's, and their neighbours.
      const days = new Set<RunDate>();
      for (let date = d('2026-01-01'); date <= '2026-12-31'; date = addDays(date, 1)) {
        const next = addDays(date, 1);
        if (offsetMs(new Date(`${date}T12:00:00Z`), tz) !== offsetMs(new Date(`${next}T12:00:00Z`), tz)) {
          for (const near of [-1, 0, 1, 2]) days.add(addDays(date, near));
        }
      }
      expect(days.size, tz).toBeGreaterThanOrEqual(8);
      for (const date of days) {
        for (const hhmm of ['01:30', '02:30', '03:00']) {
          const wall = wallClockInstant(date, hhmm, tz);
          const [hh, mm] = hhmm.split(':').map(Number);
          const around = [new Date(wall.getTime() - 86_400_000), new Date(wall.getTime() + 86_400_000)] as const;
          const sameDay = occurrences(`${mm} ${hh} * * *`, tz, ...around).filter((f) => runDateIn(f, tz) === date);
          if (sameDay.map((f) => f.toISOString()).join() !== wall.toISOString()) {
            disagreements.push(`${tz} ${date} ${hhmm}: ${wall.toISOString()} vs cron ${sameDay.map((f) => f.toISOString())}`);
          }
        }
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('knows IANA zone names and UTC, and nothing else', () => {
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('Europe/Berlinn')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});
