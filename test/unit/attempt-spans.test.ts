import { describe, expect, it } from 'vitest';
import { attemptSpans } from '../../lambdas/domain/runs/attempt-spans';
import type { HistoryEntry } from '../../lambdas/domain/runs/run';
import type { RunState } from '../../lambdas/domain/runs/states';

const at = (hhmm: string) => `2026-11-22T${hhmm}:00.000Z`;
const entry = (time: string, attempt: number, from: RunState, to: RunState, by: HistoryEntry['by'], why: string): HistoryEntry => ({
  at: at(time),
  attempt,
  from,
  to,
  by,
  why,
});

describe('attempt spans read back from a run’s history', () => {
  it('splits the history by attempt: who started each, when it was submitted and when it ended', () => {
    const history = [
      entry('00:20', 1, 'PENDING', 'WAITING', 'scheduler', 'upstream raw_events succeeded'),
      entry('00:35', 1, 'WAITING', 'WAITING_FOR_CLUSTER', 'scheduler', 'no cluster for pool etl'),
      entry('00:40', 1, 'WAITING_FOR_CLUSTER', 'SUBMITTING', 'registry', 'all upstreams done; cluster night'),
      entry('00:40', 1, 'SUBMITTING', 'SUBMITTED', 'registry', 'submitted s-1'),
      entry('01:05', 1, 'SUBMITTED', 'FAILED', 'scheduler', 'marker sessions__20261122.failed'),
      entry('09:00', 2, 'FAILED', 'WAITING', 'operator:alice', 'replay'),
      entry('09:00', 2, 'WAITING', 'SUBMITTING', 'operator:alice', 'all upstreams done'),
      entry('09:01', 2, 'SUBMITTING', 'SUBMITTED', 'operator:alice', 'submitted s-2'),
    ];
    expect(attemptSpans({ history })).toEqual([
      {
        attempt: 1,
        startedAt: at('00:20'),
        startedBy: 'scheduler',
        why: 'upstream raw_events succeeded',
        submittedAt: at('00:40'),
        endedAt: at('01:05'),
        state: 'FAILED',
      },
      {
        attempt: 2,
        startedAt: at('09:00'),
        startedBy: 'operator:alice',
        why: 'replay',
        submittedAt: at('09:01'),
        endedAt: null,
        state: 'SUBMITTED',
      },
    ]);
  });

  it('ends an attempt that a retry replaced where the retry begins, as FAILED', () => {
    const history = [
      entry('00:00', 1, 'PENDING', 'WAITING', 'trigger:schedule', 'schedule'),
      entry('00:00', 1, 'WAITING', 'SUBMITTING', 'scheduler', 'all upstreams done'),
      entry('00:01', 1, 'SUBMITTING', 'SUBMITTED', 'scheduler', 'submitted s-1'),
      entry('00:30', 2, 'SUBMITTED', 'RETRYING', 'scheduler', 'marker a__20261122.failed'),
      entry('00:40', 2, 'RETRYING', 'SUBMITTING', 'sweeper', 'retry due'),
      entry('00:40', 2, 'SUBMITTING', 'SUBMITTED', 'sweeper', 'submitted s-2'),
      entry('01:00', 2, 'SUBMITTED', 'SUCCEEDED', 'scheduler', 'marker a__20261122.done'),
    ];
    expect(attemptSpans({ history }).map((a) => [a.attempt, a.submittedAt, a.endedAt, a.state])).toEqual([
      [1, at('00:01'), at('00:30'), 'FAILED'],
      [2, at('00:40'), at('01:00'), 'SUCCEEDED'],
    ]);
  });

  it('has no submission for an attempt that ended waiting, and none at all for a run without history', () => {
    const history = [
      entry('00:00', 1, 'PENDING', 'WAITING', 'trigger:a', 'schedule'),
      entry('03:00', 1, 'WAITING', 'TIMED_OUT', 'sweeper', 'upstreams not done'),
    ];
    expect(attemptSpans({ history })[0]).toMatchObject({ submittedAt: null, endedAt: at('03:00'), state: 'TIMED_OUT' });
    expect(attemptSpans({ history: [] })).toEqual([]);
  });
});
