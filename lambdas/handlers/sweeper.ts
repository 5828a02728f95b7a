import type { EngineDeps } from '../engine/deps';
import { advanceBackfills } from '../engine/operations/backfill';
import { catchUpSkippedRoots } from '../engine/operations/reconcile';
import { DurationEstimates } from '../engine/predicted-late';
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
 * (timeouts, retries, cluster rechecks, expired claims, LATE), one step of
 * every running backfill, and the catch-up of root runs whose schedule time
 * fell in a DST gap (skipped by EventBridge Scheduler; looked at over the last two days).
 */
export function makeSweeperHandler(
  deps: EngineDeps,
  backfills?: BackfillStore,
  // Kept for the container's life: p95 durations are read a few times a day, not every minute (engine/predicted-late.ts).
  estimates = new DurationEstimates(deps.store),
) {
  return async (_event?: unknown, context?: RemainingTime): Promise<SweepReport & { backfillDatesStarted: number; caughtUp: number }> => {
    const shouldStop = context ? () => context.getRemainingTimeInMillis() < SWEEP_RESERVE_MS : undefined;
    const report = await sweep(deps, { shouldStop, estimates });
    const backfillDatesStarted = backfills ? await advanceBackfills(deps, backfills) : 0;
    const now = deps.clock.now();
    const caughtUp = (await catchUpSkippedRoots(deps, new Date(now.getTime() - 2 * 86_400_000), now, { by: 'sweeper' })).length;
    deps.log.info('sweep', { ...report, backfillDatesStarted, caughtUp });
    return { ...report, backfillDatesStarted, caughtUp };
  };
}
