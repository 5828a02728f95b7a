import { describe, expect, it } from 'vitest';
import { type Calendar, dateRunWithout, runsOn, weekdayOf, whyNotOn } from '../../../lambdas/domain/calendar';
import { loadDag } from '../../../lambdas/domain/config/validate';
import { configFile, issuesOf, pipelineJob } from '../../support/config-files';

const tradingDays: Calendar = {
  name: 'trading-days',
  weekdays: ['MON', 'TUE', 'WED', 'THU', 'FRI'],
  exclude: ['2026-12-25'],
  include: ['2026-12-19'],
};

/** docs/calendars.md: a date runs when included, or when its weekday is listed and it is not excluded. */
describe('runsOn', () => {
  it('reads the weekday in UTC of the date itself', () => {
    expect(weekdayOf('2026-11-22')).toBe('SUN');
    expect(weekdayOf('2026-11-23')).toBe('MON');
    // An hourly run key is read by its date.
    expect(weekdayOf('2026-11-22T23')).toBe('SUN');
  });

  it('runs on listed weekdays, not on excluded dates, and on included dates whatever their weekday', () => {
    const job = { calendar: tradingDays };
    expect(runsOn(job, '2026-11-23')).toBe(true); // Monday
    expect(runsOn(job, '2026-11-22')).toBe(false); // Sunday
    expect(runsOn(job, '2026-12-25')).toBe(false); // a Friday, excluded
    expect(runsOn(job, '2026-12-19')).toBe(true); // a Saturday, included
    expect(runsOn({}, '2026-11-22')).toBe(true); // no calendar: every day
  });

  it('says why a date is not a run date', () => {
    expect(whyNotOn(tradingDays, '2026-11-22')).toBe('2026-11-22 is a SUN, not a weekday of calendar trading-days');
    expect(whyNotOn(tradingDays, '2026-12-25')).toBe('2026-12-25 is excluded by calendar trading-days');
    expect(whyNotOn(tradingDays, '2026-11-23')).toBeUndefined();
  });

  it('finds a date the child runs on and the parent does not, or none when the child runs only on parent dates', () => {
    const everyDay: Calendar = { name: 'all', weekdays: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'], exclude: [], include: [] };
    expect(dateRunWithout(tradingDays, everyDay)).toBeUndefined();
    expect(dateRunWithout(tradingDays, tradingDays)).toBeUndefined();
    expect(dateRunWithout(undefined, undefined)).toBeUndefined();
    // A job without calendar runs on Sundays, which trading-days never does.
    expect(dateRunWithout(undefined, tradingDays)).toBe('2026-01-10');
    expect(weekdayOf('2026-01-10')).toBe('SAT');
    expect(dateRunWithout(everyDay, tradingDays)).toBe('2026-01-10');
    // The parent's holiday, where the child has none: found among the listed dates.
    const noHoliday = { ...tradingDays, name: 'no-holiday', exclude: [] };
    expect(dateRunWithout(noHoliday, tradingDays)).toBe('2026-12-25');
    // The child's extra Saturday.
    expect(dateRunWithout({ ...tradingDays, include: ['2026-12-19', '2027-01-02'] }, tradingDays)).toBe('2027-01-02');
  });
});

const calendars = {
  'trading-days': { weekdays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], exclude: ['2026-12-25', '2027-01-01'] },
};

describe('calendar validation', () => {
  it('resolves the calendar onto each job that names it, weekdays in week order and dates sorted', () => {
    const dag = loadDag([
      configFile('jobs.json', {
        calendars: { days: { weekdays: ['FRI', 'MON'], exclude: ['2027-01-01', '2026-12-25'] } },
        jobs: [pipelineJob('a', { calendar: 'days' }), pipelineJob('b')],
      }),
    ]);
    expect(dag.jobs.get('a')?.calendar).toEqual({
      name: 'days',
      weekdays: ['MON', 'FRI'],
      exclude: ['2026-12-25', '2027-01-01'],
      include: [],
    });
    expect(dag.jobs.get('b')?.calendar).toBeUndefined();
  });

  it('reports an unknown calendar name, a bad weekday and a bad date, each with where it is', () => {
    const issues = issuesOf(
      configFile('cal.json', { calendars: { 'trading-days': { weekdays: ['MON', 'MONDAY'], exclude: ['2026-02-30', '20261225'] } } }),
      configFile('jobs.json', { jobs: [pipelineJob('a', { calendar: 'trading-day' })] }),
    );
    expect(issues).toEqual([
      expect.stringMatching(/^cal\.json: calendar "trading-days": weekdays\[1\]: .*"MON"/),
      'cal.json: calendar "trading-days": exclude[0]: must be a real day written YYYY-MM-DD, e.g. "2026-12-25"',
      'cal.json: calendar "trading-days": exclude[1]: must be a real day written YYYY-MM-DD, e.g. "2026-12-25"',
      'jobs.json: job "a": calendar: unknown calendar "trading-day" (did you mean "trading-days"?): define it under the top-level "calendars"',
    ]);
  });

  it('reports duplicate weekdays and dates, a date both included and excluded, and a name defined in two files', () => {
    const issues = issuesOf(
      configFile('a.json', {
        calendars: { days: { weekdays: ['MON', 'MON'], exclude: ['2026-12-25', '2026-12-25'], include: ['2026-12-25'] } },
      }),
      configFile('b.json', { calendars: { days: {} } }),
    );
    expect(issues).toEqual([
      'a.json: calendar "days": weekdays[1]: "MON" is listed twice',
      'a.json: calendar "days": exclude[1]: 2026-12-25 is listed twice',
      'a.json: calendar "days": include[0]: 2026-12-25 is both included and excluded: say once whether jobs run on it (remove it from one list)',
      'b.json: calendar "days": duplicate calendar name (first defined in a.json)',
    ]);
  });

  it('reports a job that runs on a date its upstream never runs on, naming both jobs and an example date', () => {
    const issues = issuesOf(
      configFile('jobs.json', {
        calendars: { ...calendars, 'every-day-but-xmas': { exclude: ['2026-12-25'] } },
        jobs: [
          pipelineJob('feed', { calendar: 'trading-days' }),
          pipelineJob('report', { dependsOn: ['feed'] }),
          pipelineJob('digest', { dependsOn: ['feed'], calendar: 'every-day-but-xmas' }),
          pipelineJob('export', { dependsOn: ['feed'], calendar: 'trading-days' }),
        ],
      }),
    );
    expect(issues).toEqual([
      'jobs.json: job "report": dependsOn: it has no calendar, so it runs on dates its upstream "feed" (calendar trading-days) never runs on, e.g. 2026-01-10 (SAT): that run would wait for a SKIPPED upstream and time out; give "report" the calendar "trading-days" or one that runs only on its dates',
      'jobs.json: job "digest": calendar: its calendar every-day-but-xmas runs on dates its upstream "feed" (calendar trading-days) never runs on, e.g. 2026-01-10 (SAT): that run would wait for a SKIPPED upstream and time out; give "digest" the calendar "trading-days" or one that runs only on its dates',
    ]);
  });

  it('accepts a downstream calendar narrower than its upstream (upstream every day, downstream trading days)', () => {
    expect(
      issuesOf(
        configFile('jobs.json', {
          calendars,
          jobs: [pipelineJob('daily'), pipelineJob('export', { dependsOn: ['daily'], calendar: 'trading-days' })],
        }),
      ),
    ).toEqual([]);
  });
});
