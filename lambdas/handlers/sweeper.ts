import type { EngineDeps } from '../engine/deps';
import { type SweepReport, sweep } from '../engine/sweep';

/** The sweeper Lambda, invoked every minute by EventBridge Scheduler. */
export function makeSweeperHandler(deps: EngineDeps) {
  return async (): Promise<SweepReport> => {
    const report = await sweep(deps);
    deps.log.info('sweep', { ...report });
    return report;
  };
}
