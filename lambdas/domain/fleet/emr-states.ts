/**
 * EMR cluster states, ranked so that events arriving out of order never move a
 * cluster backwards (EventBridge delivers EMR events best effort, unordered).
 */
const RANK: Record<string, number> = {
  PROVISIONING: 0, // ours: window claimed, RunJobFlow not yet answered
  STARTING: 1,
  BOOTSTRAPPING: 2,
  RUNNING: 3,
  WAITING: 3,
  TERMINATING: 4,
  TERMINATED: 5,
  TERMINATED_WITH_ERRORS: 5,
  FAILED_TO_START: 5, // ours: RunJobFlow refused
};

export const READY_CLUSTER_STATES = ['WAITING', 'RUNNING'] as const;
export const ENDED_CLUSTER_STATES = ['TERMINATED', 'TERMINATED_WITH_ERRORS', 'FAILED_TO_START'] as const;

export function clusterStateRank(state: string): number {
  return RANK[state] ?? 0;
}

export function isReadyState(state: string): boolean {
  return (READY_CLUSTER_STATES as readonly string[]).includes(state);
}

export function isEndedState(state: string): boolean {
  return (ENDED_CLUSTER_STATES as readonly string[]).includes(state);
}

/** Step states that end a run attempt as failed; COMPLETED is not success — the marker is. */
export const FAILED_STEP_STATES = ['FAILED', 'CANCELLED', 'INTERRUPTED'] as const;
