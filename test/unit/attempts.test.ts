import { describe, expect, it } from 'vitest';
import { attemptsOf } from '../../lambdas/domain/runs/attempts';
import type { HistoryEntry } from '../../lambdas/domain/runs/run';

/** Why each attempt of a run started (docs/runs.md#attempts): recorded, or read from older items' reasons. */
const entry = (attempt: number, e: Partial<HistoryEntry>): HistoryEntry => ({
  at: `2026-11-22T0${attempt}:00:00.000Z`,
  attempt,
  from: 'PENDING',
  to: 'WAITING',
  by: 'scheduler',
  why: '',
  ...e,
});

describe('attempt causes', () => {
  it('are the recorded ones, with who started each attempt', () => {
    const history = [
      entry(1, { by: 'trigger:a', why: 'scheduled start' }),
      entry(1, { from: 'WAITING', to: 'SUBMITTED', why: 'submitted df-1' }),
      entry(2, { from: 'SUBMITTED', to: 'RETRYING', why: '.failed marker', cause: 'retry' }),
      entry(3, { from: 'FAILED', by: 'operator:alice', why: 'manual run', cause: 'manual' }),
      entry(4, { from: 'SUCCEEDED', by: 'operator:bf-1', why: 'backfill bf-1', cause: 'backfill' }),
    ];
    expect(attemptsOf({ history }).map((a) => `${a.attempt} ${a.cause} ${a.by}`)).toEqual([
      '1 schedule trigger:a',
      '2 retry scheduler',
      '3 manual operator:alice',
      '4 backfill operator:bf-1',
    ]);
  });

  it('are read from the reason on items stored before causes were recorded', () => {
    const history = [
      entry(1, { why: 'upstream a succeeded' }),
      entry(2, { from: 'SUCCEEDED', by: 'operator:bob', why: 'replay' }),
      entry(3, { from: 'SUCCEEDED', by: 'operator:bob', why: 'manual run' }),
      entry(4, { from: 'FAILED', by: 'operator:bob', why: 'rsched mark (FAILED before)' }),
      entry(5, { from: 'SUCCEEDED', by: 'operator:bf-2', why: 'backfill bf-2 of a --downstream: waits for a' }),
    ];
    expect(attemptsOf({ history }).map((a) => a.cause)).toEqual(['upstream', 'replay', 'manual', 'mark', 'backfill']);
  });
});
