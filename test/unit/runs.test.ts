import { describe, expect, it } from 'vitest';
import { backoffMs } from '../../lambdas/domain/backoff';
import type { RunDate } from '../../lambdas/domain/run-date';
import type { Run } from '../../lambdas/domain/runs/run';
import { ALL_STATES, DISPATCHABLE_STATES, isFailure, isTerminal, RunState, WAITING_STATES } from '../../lambdas/domain/runs/states';
import { isReady } from '../../lambdas/engine/dispatch';
import { dagFrom } from '../support/dags';

const run = (job: string, doneUpstreams: string[]): Run => ({
  job,
  date: '2026-11-22' as RunDate,
  state: RunState.WAITING,
  attempt: 1,
  attemptStartedAt: '2026-11-22T00:00:00.000Z',
  doneUpstreams,
  upstreamFloors: {},
  retriesUsed: 0,
  history: [],
});

describe('run states', () => {
  it('use the binding names of SPEC §4, plus the intermediate ones', () => {
    expect(ALL_STATES).toEqual(
      expect.arrayContaining(['PENDING', 'WAITING', 'SUBMITTED', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'UPSTREAM_FAILED']),
    );
    expect(ALL_STATES.filter(isTerminal).sort()).toEqual(['FAILED', 'SUCCEEDED', 'TIMED_OUT', 'UPSTREAM_FAILED']);
    expect(ALL_STATES.filter(isFailure).sort()).toEqual(['FAILED', 'TIMED_OUT', 'UPSTREAM_FAILED']);
    expect(WAITING_STATES.some(isTerminal) || DISPATCHABLE_STATES.some(isTerminal)).toBe(false);
  });
});

describe('the readiness rule', () => {
  const dag = dagFrom({ a: [], b: [], c: ['a', 'b'], d: ['c'], e: ['a', 'b', 'c', 'd'] });
  const ready = (job: string, done: string[]) => isReady(dag.jobs.get(job) as never, run(job, done));

  it('holds for a root at once, and for a job once every upstream is done', () => {
    expect(ready('a', [])).toBe(true);
    expect(ready('c', ['a'])).toBe(false);
    expect(ready('c', ['b', 'a'])).toBe(true);
    expect(ready('d', ['c'])).toBe(true);
    expect(ready('e', ['a', 'b', 'c'])).toBe(false);
    expect(ready('e', ['d', 'c', 'b', 'a'])).toBe(true);
  });

  it('ignores names that are not upstreams of the job', () => {
    expect(ready('c', ['a', 'd'])).toBe(false);
    expect(ready('c', ['a', 'b', 'x'])).toBe(true);
  });
});

describe('backoff', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([0, 1, 2, 3, 4, 5].map((i) => backoffMs(i, 500, 8_000))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
  });
});
