import { describe, expect, it } from 'vitest';
import { estimateAt, judgePrediction, predictFinish } from '../../lambdas/domain/predicted-late';
import type { RunDate } from '../../lambdas/domain/run-date';
import type { Run } from '../../lambdas/domain/runs/run';
import type { RunState } from '../../lambdas/domain/runs/states';
import { dagFrom } from '../support/dags';

/** Predicted finish from p95 durations along the remaining upstream path (docs/scheduling.md#predicted-late-alerts-predicted_late). */
const DAY = '2026-11-22' as RunDate;
const T = (hhmm: string) => Date.parse(`${DAY}T${hhmm}:00.000Z`);
const iso = (hhmm: string) => new Date(T(hhmm)).toISOString();

function run(job: string, state: RunState, extra: Partial<Run> = {}): Run {
  return {
    job,
    date: DAY,
    state,
    attempt: 1,
    attemptStartedAt: iso('00:00'),
    doneUpstreams: [],
    upstreamFloors: {},
    retriesUsed: 0,
    history: [],
    ...extra,
  };
}

// a -> b -> d, c -> d: p95 a 30, b 60, c 10, d 20 minutes.
const dag = dagFrom({ a: [], b: ['a'], c: [], d: ['b', 'c'] }, { d: { expectedBy: '03:00' } });
const P95: Record<string, number> = { a: 30, b: 60, c: 10, d: 20 };
const predict = (runs: Run[], now: string, extra: Partial<Parameters<typeof predictFinish>[0]> = {}) =>
  predictFinish({
    dag,
    job: 'd',
    runs: new Map(runs.map((r) => [r.job, r])),
    p95Minutes: (name) => P95[name],
    earliestStart: () => undefined,
    now: T(now),
    ...extra,
  });

describe('predicted finish', () => {
  it('adds p95 durations along the path that finishes last, from what is known now', () => {
    // a running since 00:00 (ends 00:30 at p95), c done at 00:15: b 00:30-01:30, d 01:30-01:50.
    const p = predict([run('a', 'SUBMITTED', { submittedAt: iso('00:00') }), run('c', 'SUCCEEDED', { finishedAt: iso('00:15') })], '00:10');
    expect(p && new Date(estimateAt(p.finish, T('00:10'))).toISOString()).toBe(iso('01:50'));
    expect(p?.path).toEqual(['a', 'b', 'd']);
    expect(p && judgePrediction(p, T('03:00'), T('00:10'))).toEqual({ late: false, finishAt: T('01:50'), lateFrom: T('01:40') + 1 });
  });

  it('a job running past its p95 may end any moment: the estimate moves with the clock, and turns late at deadline − the rest', () => {
    const runs = [run('a', 'SUBMITTED', { submittedAt: iso('00:00') }), run('c', 'SUCCEEDED', { finishedAt: iso('00:15') })];
    const p = predict(runs, '01:00');
    expect(p && judgePrediction(p, T('03:00'), T('01:00')).finishAt).toBe(T('02:20'));
    // 80 minutes of b and d are left after a: from 01:40 on, 03:00 cannot be met.
    expect(p && judgePrediction(p, T('03:00'), T('01:40'))).toMatchObject({ late: false });
    expect(p && judgePrediction(p, T('03:00'), T('01:41'))).toMatchObject({ late: true, finishAt: T('03:01') });
  });

  it('counts a gate (notBefore, a root schedule) and a retry time as the earliest start', () => {
    const runs = [run('a', 'SUCCEEDED', { finishedAt: iso('00:30') }), run('c', 'SUCCEEDED', { finishedAt: iso('00:15') })];
    const gated = predict(runs, '00:30', { earliestStart: (job) => (job.name === 'b' ? T('02:00') : undefined) });
    // b cannot start before 02:00: 03:00 + d's 20 minutes = 03:20, late with no clock movement at all.
    expect(gated && judgePrediction(gated, T('03:00'), T('00:30'))).toEqual({ late: true, finishAt: T('03:20') });
    const retrying = predict([...runs, run('b', 'RETRYING', { doneUpstreams: ['a'], retryAt: iso('01:00') })], '00:40');
    expect(retrying && estimateAt(retrying.finish, T('00:40'))).toBe(T('02:20'));
  });

  it('predicts nothing when a job still to run has no p95 (too few samples) or the path already failed', () => {
    expect(predict([], '00:00', { p95Minutes: (name) => (name === 'b' ? undefined : P95[name]) })).toBeUndefined();
    expect(predict([run('a', 'FAILED')], '00:30')).toBeUndefined();
    // A job that already SUCCEEDED needs no p95.
    const done = predict([run('a', 'SUCCEEDED', { finishedAt: iso('00:30') })], '00:30', {
      p95Minutes: (name) => (name === 'a' ? undefined : P95[name]),
    });
    expect(done?.path).toEqual(['b', 'd']);
  });
});
