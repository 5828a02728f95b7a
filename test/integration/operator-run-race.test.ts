import { describe, expect, it } from 'vitest';
import type { RunDate } from '../../lambdas/domain/run-date';
import { RunState } from '../../lambdas/domain/runs/states';
import { dispatch } from '../../lambdas/engine/dispatch';
import { runNow } from '../../lambdas/engine/operations/replay';
import { dagFrom } from '../support/dags';
import { useDynalite } from '../support/dynalite';
import { createHarness } from '../support/harness';

/**
 * `rsched run` starts a new attempt and dispatches it; the sweeper or an event
 * may see that WAITING attempt and claim it in between. The operator's run is
 * then submitted by the winner, exactly once, and reported as submitted.
 */

const emulator = useDynalite();
const DAY = '2026-11-22' as RunDate;
const REVENUE = { payments_export: [], sessions: [], revenue: ['payments_export', 'sessions'] };

describe('an operator run that the scheduler picks up first', () => {
  it('reports the attempt submitted, not a lost race, and submits it once', async () => {
    const h = await createHarness(emulator(), dagFrom(REVENUE));
    // The sweeper (or an event) sees the new WAITING attempt and claims it before the operator's own dispatch.
    const store = h.deps.store;
    let raced = false;
    const racing = {
      ...h.deps,
      store: new Proxy(store, {
        get(target, prop, receiver) {
          if (prop !== 'transition') return Reflect.get(target, prop, receiver);
          return async (t: Parameters<typeof store.transition>[0]) => {
            if (!raced && t.to === RunState.SUBMITTING) {
              raced = true;
              const waiting = await store.get(t.key);
              if (waiting) await dispatch(h.deps, waiting, 'scheduler');
            }
            return store.transition(t);
          };
        },
      }),
    };
    const result = await runNow(racing, { job: 'payments_export', date: DAY, by: 'operator:test' });
    expect(raced).toBe(true);
    expect(result.dispatch).toBe('submitted');
    expect(h.submitter.calls.filter((c) => c.job === 'payments_export')).toHaveLength(1);
  });
});
