/**
 * The states of a run (job, run date). Binding names from SPEC §4, plus the
 * intermediate states this implementation needs. A job with no run item yet
 * is PENDING.
 *
 *   PENDING ──upstream done──▶ WAITING ──all upstreams done──▶ (dispatch)
 *   (dispatch) ─▶ WAITING_FOR_CLUSTER ─cluster ready─▶ SUBMITTING ─▶ SUBMITTED
 *   SUBMITTING ─outcome of the submit call unknown─▶ SUBMIT_UNCERTAIN ─.done / .failed / maxRuntime─▶ …
 *   SUBMITTED ─.done─▶ SUCCEEDED     SUBMITTED ─.failed / step failed─▶ RETRYING | FAILED
 *   WAITING / WAITING_FOR_CLUSTER ─deadline─▶ TIMED_OUT      SUBMITTED ─maxRuntime─▶ TIMED_OUT
 *   any waiting state ─an upstream FAILED/TIMED_OUT─▶ UPSTREAM_FAILED
 *   shadow jobs: SUBMITTING ─decision recorded─▶ SHADOW_SUBMITTED ─.done / .failed─▶ SUCCEEDED | RETRYING | FAILED
 *   PENDING ─schedule fired or first upstream outcome, on a date the job's calendar excludes─▶ SKIPPED
 */
export const RunState = {
  /** Nothing has happened for this run yet (no item in the store). */
  PENDING: 'PENDING',
  /** At least one upstream SUCCEEDED (or a root was triggered); waiting for the rest. */
  WAITING: 'WAITING',
  /** All upstreams SUCCEEDED; no live cluster serves the job's pool yet. */
  WAITING_FOR_CLUSTER: 'WAITING_FOR_CLUSTER',
  /** Claimed for submission by one handler; the submit call is in progress. */
  SUBMITTING: 'SUBMITTING',
  /** Handed to Data Pipeline / EMR; waiting for the job's marker. */
  SUBMITTED: 'SUBMITTED',
  /**
   * A submit call that may have taken effect failed, and the control plane
   * cannot tell whether it did: never resent automatically (an operator checks
   * and replays with --force); the job's marker still ends the run.
   */
  SUBMIT_UNCERTAIN: 'SUBMIT_UNCERTAIN',
  /**
   * A shadow job's run (docs/shadow.md): everything up to the submit call
   * happened and what would have been sent is recorded on the run; nothing was
   * sent. Only the marker written by the old scheduler's job ends it: it has no
   * timer, so it cannot time out, be parked uncertain, or alert on our account.
   */
  SHADOW_SUBMITTED: 'SHADOW_SUBMITTED',
  /** Failed with retries left; a new attempt is submitted at `retryAt`. */
  RETRYING: 'RETRYING',
  SUCCEEDED: 'SUCCEEDED',
  /** `.failed` marker, failed EMR step, or submission failed for good. */
  FAILED: 'FAILED',
  /** Upstreams not all done within timeoutMinutes, or no marker within maxRuntimeMinutes. */
  TIMED_OUT: 'TIMED_OUT',
  /** A transitive upstream FAILED or TIMED_OUT; this run will not start. */
  UPSTREAM_FAILED: 'UPSTREAM_FAILED',
  /**
   * The job's calendar does not run on the date (docs/calendars.md): never
   * submitted, never timed out, never alerted. Done for downstream runs whose
   * own calendar also excludes the date (they are SKIPPED in turn), not done
   * for any other (validation forbids that edge).
   */
  SKIPPED: 'SKIPPED',
} as const;

export type RunState = (typeof RunState)[keyof typeof RunState];

export const ALL_STATES: readonly RunState[] = Object.values(RunState);

/** States in which a run still waits for upstreams or a cluster and can be failed by its chain. */
export const WAITING_STATES: readonly RunState[] = [RunState.PENDING, RunState.WAITING, RunState.WAITING_FOR_CLUSTER];

/** States from which a run may be claimed for submission. */
export const DISPATCHABLE_STATES: readonly RunState[] = [RunState.WAITING, RunState.WAITING_FOR_CLUSTER, RunState.RETRYING];

/** States that end an attempt. */
export const TERMINAL_STATES: readonly RunState[] = [
  RunState.SUCCEEDED,
  RunState.FAILED,
  RunState.TIMED_OUT,
  RunState.UPSTREAM_FAILED,
  RunState.SKIPPED,
];

/** Terminal states that break the downstream chain. */
export const FAILURE_STATES: readonly RunState[] = [RunState.FAILED, RunState.TIMED_OUT, RunState.UPSTREAM_FAILED];

/** States in which the job itself may be running (or about to). */
export const IN_FLIGHT_STATES: readonly RunState[] = [RunState.SUBMITTING, RunState.SUBMITTED, RunState.SUBMIT_UNCERTAIN];

/** States in which the run's own marker is accepted; an ended run needs a new attempt (replay, mark). */
export const OPEN_STATES: readonly RunState[] = [
  RunState.PENDING,
  RunState.WAITING,
  RunState.WAITING_FOR_CLUSTER,
  RunState.SUBMITTING,
  RunState.SUBMITTED,
  RunState.SUBMIT_UNCERTAIN,
  RunState.SHADOW_SUBMITTED,
  RunState.RETRYING,
];

export function isTerminal(state: RunState): boolean {
  return TERMINAL_STATES.includes(state);
}

export function isFailure(state: RunState): boolean {
  return FAILURE_STATES.includes(state);
}
