import type { EngineDeps } from '../engine/deps';
import { advanceBackfills } from '../engine/operations/backfill';
import { type SweepReport, sweep } from '../engine/sweep';
import type { BackfillStore } from '../ports/backfill-store';

/**
 * The sweeper Lambda, invoked every minute by EventBridge Scheduler: due runs
 * (timeouts, retries, cluster rechecks, expired claims, LATE) and one step of
 * every running backfill.
 */
export function makeSweeperHandler(deps: EngineDeps, backfills?: BackfillStore) {
  return async (): Promise<SweepReport & { backfillDatesStarted: number }> => {
    const report = await sweep(deps);
    const backfillDatesStarted = backfills ? await advanceBackfills(deps, backfills) : 0;
    deps.log.info('sweep', { ...report, backfillDatesStarted });
    return { ...report, backfillDatesStarted };
  };
}
