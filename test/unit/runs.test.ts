import { describe, expect, it } from 'vitest';
import { backoffMs } from '../../lambdas/domain/backoff';
import type { Run } from '../../lambdas/domain/runs/run';
import {
  ALL_STATES,
  DISPATCHABLE_STATES,
  isFailure,
  isTerminal,
  OPEN_STATES,
  RunState,
  WAITING_STATES,
} from '../../lambdas/domain/runs/states';
import {
  ALLOWED_TRANSITIONS,
  ATTEMPT_FIELDS,
  assertAllowed,
  isAutomaticEdge,
  recordShadowDecision,
} from '../../lambdas/domain/runs/transitions';
import { isReady } from '../../lambdas/engine/dispatch';
import { dagFrom } from '../support/dags';
import { waitingRun } from '../support/runs';

const run = (job: string, doneUpstreams: string[]): Run => waitingRun(job, doneUpstreams);

describe('run states', () => {
  it('use the binding names of SPEC §4, plus the intermediate ones', () => {
    expect(ALL_STATES).toEqual(
      expect.arrayContaining(['PENDING', 'WAITING', 'SUBMITTED', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'UPSTREAM_FAILED']),
    );
    // SKIPPED: a date the job's calendar excludes (docs/calendars.md); terminal, not a failure.
    expect(ALL_STATES.filter(isTerminal).sort()).toEqual(['FAILED', 'SKIPPED', 'SUCCEEDED', 'TIMED_OUT', 'UPSTREAM_FAILED']);
    expect(ALL_STATES.filter(isFailure).sort()).toEqual(['FAILED', 'TIMED_OUT', 'UPSTREAM_FAILED']);
    expect(WAITING_STATES.some(isTerminal) || DISPATCHABLE_STATES.some(isTerminal)).toBe(false);
  });
});

describe('the readiness rule', () => {
  const dag = dagFrom({ a: [], b: [], c: ['a', 'b'], d: ['c'], e: ['a', 'b', 'c', 'd'] });
  const ready = (job: string, done: string[]) => isReady(dag.jobs.get(job) as never, run(job, done), dag);

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

describe('the shadow decision state (docs/shadow.md)', () => {
  it('is reached only from a claim, and left only by a marker, a retry or an operator', () => {
    const into = ALL_STATES.filter((s) => ALLOWED_TRANSITIONS[s].includes(RunState.SHADOW_SUBMITTED));
    expect(into).toEqual([RunState.SUBMITTING]);
    expect([...ALLOWED_TRANSITIONS[RunState.SHADOW_SUBMITTED]].sort()).toEqual(['FAILED', 'RETRYING', 'SUCCEEDED', 'WAITING']);
  });

  it('has no edge a timer of ours could take: no TIMED_OUT, no SUBMIT_UNCERTAIN, no real SUBMITTED', () => {
    for (const to of [RunState.TIMED_OUT, RunState.SUBMIT_UNCERTAIN, RunState.SUBMITTED, RunState.SHADOW_SUBMITTED]) {
      expect(ALLOWED_TRANSITIONS[RunState.SHADOW_SUBMITTED]).not.toContain(to);
    }
    expect(isAutomaticEdge(RunState.SHADOW_SUBMITTED, RunState.WAITING)).toBe(false);
    expect(OPEN_STATES).toContain(RunState.SHADOW_SUBMITTED);
    expect(isTerminal(RunState.SHADOW_SUBMITTED)).toBe(false);
  });

  it('records the decision from a claim, clears the claim and the due time, and describes the request in history', () => {
    const claimed: Run = { ...run('c', []), state: RunState.SUBMITTING, claimToken: 't', claimedAt: '2026-11-22T01:00:00.000Z' };
    const decision = {
      at: '2026-11-22T01:00:00.000Z',
      attempt: 1,
      request: { target: { type: 'datapipeline', pipeline: 'p', parameters: { d: '2026-11-22' } } },
    };
    const t = recordShadowDecision(claimed, { decision, at: '2026-11-22T01:00:01.000Z', by: 'scheduler' });
    expect(t.guard).toEqual({ states: [RunState.SUBMITTING], attempt: 1, claimToken: 't' });
    expect(t.to).toBe(RunState.SHADOW_SUBMITTED);
    expect(t.set).toEqual({ shadow: decision });
    expect(t.remove).toEqual(['claimToken', 'dueAt']);
    expect(t.why).toBe(
      'shadow: would have submitted {"type":"datapipeline","pipeline":"p","parameters":{"d":"2026-11-22"}}; nothing was sent',
    );
    expect(() => assertAllowed(t)).not.toThrow();
  });

  it('is cleared by a new attempt', () => {
    expect(ATTEMPT_FIELDS).toContain('shadow');
  });
});
