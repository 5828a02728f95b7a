import type { Actor, Run } from './run';
import { RunState } from './states';
import { claimGuard, type Transition } from './transitions';

/**
 * SUBMITTING -> WAITING: the target refused the submission because it is busy
 * (Glue's ConcurrentRunsExceededException: not applied). The run waits, still
 * ready, and the sweeper dispatches it again when it is due — within the run's
 * deadline (docs/targets.md, "glue").
 */
export function releaseWhileBusy(claimed: Run, p: { at: string; by: Actor; dueAt: string; deadlineAt: string; why: string }): Transition {
  return {
    key: claimed,
    guard: claimGuard(claimed),
    to: RunState.WAITING,
    set: { dueAt: p.dueAt, deadlineAt: p.deadlineAt },
    remove: ['claimToken', 'claimedAt', 'clusterId', 'clusterName'],
    by: p.by,
    why: p.why,
    at: p.at,
  };
}
