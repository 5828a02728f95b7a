import type { RunDate } from '../../lambdas/domain/run-date';
import { createBackfill } from '../../lambdas/engine/operations/backfill';
import type { SimulationSession } from '../../lambdas/local/simulate';
import type { Backfill } from '../../lambdas/ports/backfill-store';

/** A stored backfill of `job`'s failed runs over from…to, one date at a time (as `rsched backfill --reprocess failed --parallel 1`). */
export function startBackfill(session: SimulationSession, job: string, from: RunDate, to: RunDate): Promise<Backfill> {
  const ops = session.runtime.ops();
  return createBackfill(ops.deps, ops.backfills, {
    job,
    from,
    to,
    downstream: false,
    reprocess: 'failed',
    parallel: 1,
    by: 'operator:test',
  });
}
