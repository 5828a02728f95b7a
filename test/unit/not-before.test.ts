import { describe, expect, it } from 'vitest';
import { closedGate, notBeforeInstant } from '../../lambdas/domain/not-before';
import type { RunDate } from '../../lambdas/domain/run-date';
import type { Run } from '../../lambdas/domain/runs/run';
import { waitOf } from '../../lambdas/domain/runs/waits';
import { configFile, issuesOf, pipelineJob } from '../support/config-files';
import { dagFrom } from '../support/dags';

/** notBefore: start when every upstream is done and not before a wall-clock time (docs/scheduling.md#time-gates-notbefore). */
const DAY = '2026-11-22' as RunDate;
const gateOf = (notBefore: string, timezone: string, date: string) =>
  notBeforeInstant({ notBefore, timezone }, date as RunDate)?.toISOString();

describe('notBefore instants', () => {
  it('is HH:MM on the run date, or +Nd HH:MM days after it, in the job time zone', () => {
    expect(gateOf('06:00', 'UTC', DAY)).toBe('2026-11-22T06:00:00.000Z');
    expect(gateOf('+1d 06:00', 'UTC', DAY)).toBe('2026-11-23T06:00:00.000Z');
    // 07:00 in Berlin in November (CET, UTC+1) is 06:00 UTC; in July (CEST, UTC+2) 05:00 UTC.
    expect(gateOf('07:00', 'Europe/Berlin', DAY)).toBe('2026-11-22T06:00:00.000Z');
    expect(gateOf('07:00', 'Europe/Berlin', '2026-07-01')).toBe('2026-07-01T05:00:00.000Z');
    expect(notBeforeInstant({ timezone: 'UTC' }, DAY)).toBeUndefined();
  });

  it('in a DST gap opens when the time would have been without the change; a repeated time opens at the first', () => {
    // 2026-03-29 Europe/Berlin: 02:00-02:59 do not exist; 02:30 CET would have been 01:30 UTC (03:30 CEST).
    expect(gateOf('02:30', 'Europe/Berlin', '2026-03-29')).toBe('2026-03-29T01:30:00.000Z');
    // 2026-10-25: 02:30 happens in CEST (00:30 UTC) and again in CET (01:30 UTC).
    expect(gateOf('02:30', 'Europe/Berlin', '2026-10-25')).toBe('2026-10-25T00:30:00.000Z');
  });

  it('is closed only before the gate', () => {
    const job = { notBefore: '06:00', timezone: 'UTC' };
    expect(closedGate(job, DAY, new Date('2026-11-22T05:59:59Z'))?.toISOString()).toBe('2026-11-22T06:00:00.000Z');
    expect(closedGate(job, DAY, new Date('2026-11-22T06:00:00Z'))).toBeUndefined();
  });
});

describe('notBefore in validation', () => {
  it('accepts "HH:MM" and "+Nd HH:MM" and refuses anything else, saying what it must be', () => {
    const ok = issuesOf(
      configFile('jobs.json', { jobs: [pipelineJob('a'), pipelineJob('b', { dependsOn: ['a'], notBefore: '+1d 06:00' })] }),
    );
    expect(ok).toEqual([]);
    expect(issuesOf(configFile('jobs.json', { jobs: [pipelineJob('a', { notBefore: '6am' })] }))).toEqual([
      'jobs.json: job "a": notBefore: must be "HH:MM" (on the run date) or "+Nd HH:MM" (N = 1 to 7 days after it), e.g. "06:00" or "+1d 06:00"',
    ]);
  });

  it('refuses it on an external job and an expectedBy at or before it', () => {
    expect(
      issuesOf(
        configFile('jobs.json', {
          jobs: [
            { name: 'ext', target: { type: 'external' }, notBefore: '06:00' },
            pipelineJob('b', { dependsOn: ['ext'], notBefore: '06:00', expectedBy: '05:30' }),
            pipelineJob('c', { dependsOn: ['ext'], notBefore: '23:00', expectedBy: '+1d 01:00' }),
          ],
        }),
      ),
    ).toEqual([
      'jobs.json: job "ext": notBefore: "06:00" has no effect: an external job is never submitted (its marker comes when the other system writes it); remove notBefore, or put it on the jobs downstream of it',
      'jobs.json: job "b": expectedBy: "05:30" is not after notBefore "06:00": LATE would fire before the run may start; move the deadline later (for the next day write "+1d 05:30")',
    ]);
  });
});

describe('what a held run waits on', () => {
  const dag = dagFrom({ a: [], b: ['a'] }, { b: { notBefore: '06:00' } });
  const held: Run = {
    job: 'b',
    date: DAY,
    state: 'WAITING',
    attempt: 1,
    attemptStartedAt: '2026-11-22T01:00:00.000Z',
    doneUpstreams: ['a'],
    upstreamFloors: {},
    retriesUsed: 0,
    dueAt: '2026-11-22T06:00:00.000Z',
    history: [],
  };

  it('is its notBefore while the gate is closed (status: "waiting for 06:00")', () => {
    expect(waitOf(dag, dag.jobs.get('b') as never, held, new Map(), new Date('2026-11-22T02:00:00Z'))).toEqual({
      kind: 'notBefore',
      notBefore: '06:00 UTC',
      dueAt: '2026-11-22T06:00:00.000Z',
    });
  });

  it('is the upstreams not done yet, with their states, before that', () => {
    const waiting = { ...held, doneUpstreams: [], waitStartedAt: '2026-11-22T00:10:00.000Z', deadlineAt: '2026-11-22T02:10:00.000Z' };
    expect(waitOf(dag, dag.jobs.get('b') as never, waiting, new Map(), new Date('2026-11-22T01:00:00Z'))).toEqual({
      kind: 'upstreams',
      upstreams: { a: 'PENDING' },
      since: '2026-11-22T00:10:00.000Z',
      dueAt: '2026-11-22T02:10:00.000Z',
    });
  });
});

describe('what a run waiting for a cluster waits on', () => {
  it('names the pool and the next window of a cluster serving it', () => {
    const dag = dagFrom(
      { a: [] },
      { a: { target: { type: 'emr-step', pool: 'etl', step: { args: ['spark-submit', 'a.py'] } } } },
      { clusters: [{ name: 'nightly', pools: ['etl'], start: '0 1 * * *', stop: '0 3 * * *' }] },
    );
    const run: Run = {
      job: 'a',
      date: DAY,
      state: 'WAITING_FOR_CLUSTER',
      attempt: 1,
      attemptStartedAt: '2026-11-22T00:00:00.000Z',
      doneUpstreams: [],
      upstreamFloors: {},
      retriesUsed: 0,
      waitPool: 'etl',
      deadlineAt: '2026-11-22T02:00:00.000Z',
      history: [
        {
          at: '2026-11-22T00:00:00.000Z',
          attempt: 1,
          from: 'WAITING',
          to: 'WAITING_FOR_CLUSTER',
          by: 'scheduler',
          why: 'no live cluster serves pool etl',
        },
      ],
    };
    expect(waitOf(dag, dag.jobs.get('a') as never, run, new Map(), new Date('2026-11-22T00:30:00Z'))).toEqual({
      kind: 'cluster',
      pool: 'etl',
      since: '2026-11-22T00:00:00.000Z',
      dueAt: '2026-11-22T02:00:00.000Z',
      nextWindow: { cluster: 'nightly', start: '2026-11-22T01:00:00.000Z' },
    });
  });
});
