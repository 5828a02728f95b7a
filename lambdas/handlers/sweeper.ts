import type { EngineDeps } from '../engine/deps';
import { advanceBackfills } from '../engine/operations/backfill';
import { type SweepReport, sweep } from '../engine/sweep';
import type { BackfillStore } from '../ports/backfill-store';

/** What the sweeper needs of Lambda's context: the time left before the function times out. */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/**
 * Time kept back from the due runs for the backfill step and the log line: a
 * pass that reaches it stops and leaves the rest due for the next minute's
 * invocation, so a flood of due runs never makes the function time out.
 */
export const SWEEP_RESERVE_MS = 30_000;

/**
 * The sweeper Lambda, invoked every minute by EventBridge Scheduler: due runs
 * (timeouts, retries, cluster rechecks, expired claims, LATE) and one step of
 * every running backfill.
 */
export function makeSweeperHandler(deps: EngineDeps, backfills?: BackfillStore) {
  return async (_event?: unknown, context?: RemainingTime): Promise<SweepReport & { backfillDatesStarted: number }> => {
    const shouldStop = context ? () => context.getRemainingTimeInMillis() < SWEEP_RESERVE_MS : undefined;
    const report = await sweep(deps, { shouldStop });
    const backfillDatesStarted = backfills ? await advanceBackfills(deps, backfills) : 0;
    deps.log.info('sweep', { ...report, backfillDatesStarted });
    return { ...report, backfillDatesStarted };
  };
}
