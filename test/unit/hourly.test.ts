import { describe, expect, it } from 'vitest';
import { executionName } from '../../lambdas/adapters/aws/stepfunctions-submitter';
import { validateConfig } from '../../lambdas/domain/config/validate';
import { downstreamLinks, expectedEntries, periodProblem, upstreamLinks, waitDeadline } from '../../lambdas/domain/period-mapping';
import type { RunDate } from '../../lambdas/domain/run-date';
import { compactPeriod, dayOf, hourIn, hourRange, hoursOf, parseRunHour, parseRunPeriod, periodEnd } from '../../lambdas/domain/run-hour';
import { dayStateOfHours, hoursSucceeded } from '../../lambdas/domain/runs/hours-of-day';
import type { Run } from '../../lambdas/domain/runs/run';
import { isReady, missingUpstreams } from '../../lambdas/domain/runs/transitions';
import { render, TemplateError } from '../../lambdas/domain/template';
import { parseSubmissionName, submissionName } from '../../lambdas/ports/submitter';
import { dagFrom } from '../support/dags';
import { waitingRun } from '../support/runs';

/** Hourly runs and the mapping between hourly and daily jobs (docs/hourly.md). */

const D = '2026-11-22' as RunDate;
const H = (hh: string) => `2026-11-22T${hh}` as RunDate;
const HOURLY = { granularity: 'hourly' } as const;
const run = (job: string, doneUpstreams: string[], date: RunDate): Run => waitingRun(job, doneUpstreams, date);

// raw (hourly) -> agg (hourly, same hour) ; raw -> daily_all (all 24) ; raw -> daily_last (hour 23)
// dim (daily) -> enrich (hourly: each hour of the day waits for the day)
const dag = dagFrom(
  { raw: [], agg: ['raw'], daily_all: ['raw'], daily_last: ['raw'], dim: [], enrich: ['dim', 'raw'] },
  {
    raw: HOURLY,
    agg: HOURLY,
    enrich: HOURLY,
    daily_last: { hourlyDependency: { raw: 'last' } },
  },
);
const job = (name: string) => dag.jobs.get(name) as never;

describe('hourly periods', () => {
  it('parse YYYY-MM-DDTHH as a UTC hour of a real day, and nothing else', () => {
    expect(parseRunHour('2026-11-22T05')).toBe('2026-11-22T05');
    expect(parseRunHour('2026-11-22T24')).toBeUndefined();
    expect(parseRunHour('2026-11-31T05')).toBeUndefined();
    expect(parseRunHour('2026-11-22T5')).toBeUndefined();
    expect(parseRunPeriod('2026-11-22')).toBe('2026-11-22');
    expect(parseRunPeriod('2026-11-22T23')).toBe('2026-11-22T23');
  });

  it('have a day, 24 of them per day (UTC: no 23- or 25-hour days), and an end', () => {
    expect(dayOf(H('05'))).toBe(D);
    // 2026-03-29 is a 23-hour day in Europe/Berlin; in UTC it has 24 hours like any other.
    expect(hoursOf('2026-03-29' as RunDate)).toHaveLength(24);
    expect(hourIn(new Date('2026-11-22T05:59:59.999Z'))).toBe(H('05'));
    expect(periodEnd(H('23')).toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(periodEnd(D).toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(compactPeriod(H('05'))).toBe('2026112205');
    expect(hourRange(H('22'), '2026-11-23T01' as RunDate)).toEqual([H('22'), H('23'), '2026-11-23T00', '2026-11-23T01']);
  });
});

describe('the dependency mapping', () => {
  it('hourly <- hourly: the same hour', () => {
    expect(upstreamLinks(dag, job('agg'), H('05'))).toEqual([{ upstream: 'raw', date: H('05'), entry: 'raw' }]);
    expect(downstreamLinks(dag, job('raw'), H('05')).filter((l) => l.job === 'agg')).toEqual([{ job: 'agg', date: H('05'), entry: 'raw' }]);
  });

  it('daily <- hourly "all" (the default): the 24 hours of the day, one done-set entry per hour', () => {
    const links = upstreamLinks(dag, job('daily_all'), D);
    expect(links).toHaveLength(24);
    expect(links[0]).toEqual({ upstream: 'raw', date: H('00'), entry: 'raw@00' });
    expect(links[23]).toEqual({ upstream: 'raw', date: H('23'), entry: 'raw@23' });
    expect(downstreamLinks(dag, job('raw'), H('07')).filter((l) => l.job === 'daily_all')).toEqual([
      { job: 'daily_all', date: D, entry: 'raw@07' },
    ]);
  });

  it('daily <- hourly "last": hour 23 only; the other hours reach nothing', () => {
    expect(upstreamLinks(dag, job('daily_last'), D)).toEqual([{ upstream: 'raw', date: H('23'), entry: 'raw' }]);
    expect(downstreamLinks(dag, job('raw'), H('22')).filter((l) => l.job === 'daily_last')).toEqual([]);
    expect(downstreamLinks(dag, job('raw'), H('23')).filter((l) => l.job === 'daily_last')).toEqual([
      { job: 'daily_last', date: D, entry: 'raw' },
    ]);
  });

  it('hourly <- daily: every hour of day D waits for run D', () => {
    expect(upstreamLinks(dag, job('enrich'), H('05'))).toEqual([
      { upstream: 'dim', date: D, entry: 'dim' },
      { upstream: 'raw', date: H('05'), entry: 'raw' },
    ]);
    const reached = downstreamLinks(dag, job('dim'), D);
    expect(reached).toHaveLength(24);
    expect(reached.map((l) => l.date)).toEqual(hoursOf(D));
  });

  it('daily <- daily is unchanged', () => {
    const plain = dagFrom({ a: [], b: ['a'] });
    expect(upstreamLinks(plain, plain.jobs.get('b') as never, D)).toEqual([{ upstream: 'a', date: D, entry: 'a' }]);
  });
});

describe('readiness of a daily run over 24 hours', () => {
  const all = (hours: number) => Array.from({ length: hours }, (_, h) => `raw@${String(h).padStart(2, '0')}`);

  it('waits until every hour is in the done set, in any order', () => {
    expect(isReady(job('daily_all'), run('daily_all', all(23), D), dag)).toBe(false);
    expect(missingUpstreams(job('daily_all'), run('daily_all', all(23), D), dag)).toEqual(['raw@23']);
    expect(isReady(job('daily_all'), run('daily_all', [...all(24)].reverse(), D), dag)).toBe(true);
    // The bare name is not the 24 hours.
    expect(isReady(job('daily_all'), run('daily_all', ['raw'], D), dag)).toBe(false);
    expect(isReady(job('daily_last'), run('daily_last', ['raw'], D), dag)).toBe(true);
    expect(expectedEntries(dag, job('enrich'), H('03'))).toEqual(['dim', 'raw']);
  });

  it("starts the wait's timeout when the day's last hour has ended, not at the first hour", () => {
    const first = new Date('2026-11-22T01:05:00Z');
    expect(waitDeadline(dag, job('daily_all'), D, first).toISOString()).toBe('2026-11-23T02:00:00.000Z');
    expect(waitDeadline(dag, job('agg'), H('01'), first).toISOString()).toBe('2026-11-22T03:05:00.000Z');
  });
});

describe('hourly markers, templates and validation', () => {
  it('refuse a marker whose period does not fit its job', () => {
    expect(periodProblem(job('raw'), D)).toBe('raw is an hourly job: its markers name an hour, raw__YYYYMMDDHH, not a day');
    expect(periodProblem(job('dim'), H('05'))).toContain('dim is a daily job: its markers name a day');
    expect(periodProblem(job('raw'), H('05'))).toBeUndefined();
  });

  it('render {{hour}} for an hourly run and keep {{date}} the day', () => {
    const ctx = { job: 'raw', date: H('05'), attempt: 1, params: {} };
    expect(render('{{date}} {{hour}} {{yyyymmdd}} {{dd}}', ctx)).toBe('2026-11-22 05 20261122 22');
    expect(() => render('{{hour}}', { ...ctx, date: D })).toThrow(TemplateError);
  });

  it('report every misuse at validation, each naming the job and field', () => {
    const jobs = [
      { name: 'raw', granularity: 'hourly', timezone: 'Europe/Berlin', expectedBy: '06:00', target: { type: 'external' } },
      { name: 'agg', granularity: 'hourly', dependsOn: ['raw'], hourlyDependency: { raw: 'last' }, target: { type: 'external' } },
      { name: 'dim', target: { type: 'datapipeline', pipeline: 'p', parameters: { h: '{{hour}}' } } },
      { name: 'day', dependsOn: ['dim'], hourlyDependency: { dim: 'all', raw: 'last' }, target: { type: 'external' } },
    ];
    const result = validateConfig([{ path: 'h.json', text: JSON.stringify({ jobs }) }]);
    const errors = result.issues.filter((i) => i.severity === 'error');
    expect(errors.map((i) => `${i.entity?.name} ${i.field}: ${i.message}`).sort()).toEqual([
      'agg hourlyDependency.raw: hourlyDependency is for daily jobs; an hourly job waits for the same hour of an hourly upstream',
      'day hourlyDependency.dim: upstream "dim" is daily; hourlyDependency applies only to hourly upstreams',
      'day hourlyDependency.raw: "raw" is not in dependsOn',
      'dim target.parameters.h: {{hour}} is only for hourly jobs ("granularity": "hourly"); a daily run has no hour',
      'raw expectedBy: expectedBy is a time of a run date and is not supported for hourly jobs; put it on a daily job downstream',
      'raw timezone: hourly jobs run on UTC hours; "Europe/Berlin" is not supported for them (remove timezone or set "UTC")',
    ]);
  });

  it('give an hourly root an hourly schedule by default, read in UTC', () => {
    expect(dag.jobs.get('raw')?.schedule).toBe('0 * * * *');
    expect(dag.jobs.get('dim')?.schedule).toBe('0 0 * * *');
    expect(dag.jobs.get('daily_all')?.hourlyDependency).toEqual({ raw: 'all' });
    expect(dag.jobs.get('daily_last')?.hourlyDependency).toEqual({ raw: 'last' });
  });
});

describe('names that carry the run date', () => {
  it("an hourly run's EMR step name parses back to its hour (the completion handler finds the run by it)", () => {
    expect(parseSubmissionName(submissionName('mb', H('05'), 2))).toEqual({ job: 'mb', date: H('05'), attempt: 2 });
    expect(parseSubmissionName(submissionName('mb', D, 1))).toEqual({ job: 'mb', date: D, attempt: 1 });
  });

  it("a Step Functions execution name of an hour differs from the day's and keeps to [a-z0-9_-]", () => {
    expect(executionName('mb', H('05'), 1)).toBe('rsched-mb-2026112205-1');
    expect(executionName('mb', D, 1)).toBe('rsched-mb-20261122-1');
  });
});

describe("an hourly job's day, rolled up", () => {
  const day = (entries: [string, string][]) => dayStateOfHours(new Map(entries) as never);
  const all = (state: string) => HOURS.map((hh): [string, string] => [hh, state]);
  const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));

  it('is a failure if any hour failed, SUCCEEDED only with 24 hours, else the open hour or WAITING', () => {
    expect(day([])).toBe('PENDING');
    expect(day(all('SUCCEEDED'))).toBe('SUCCEEDED');
    expect(day(all('SUCCEEDED').slice(0, 23))).toBe('WAITING');
    expect(day([...all('SUCCEEDED').slice(0, 5), ['05', 'SUBMITTED']])).toBe('SUBMITTED');
    expect(day([...all('SUCCEEDED').slice(0, 5), ['05', 'UPSTREAM_FAILED'], ['06', 'TIMED_OUT']])).toBe('TIMED_OUT');
    expect(hoursSucceeded(new Map(all('SUCCEEDED').slice(0, 7)) as never)).toBe(7);
  });
});
