import { RunState } from './states';

/**
 * One state for the 24 hourly runs of a day (docs/hourly.md#status), so an
 * hourly job fits the one-state-per-job shape of `status --json` and the
 * grid: a failure of any hour wins (FAILED, then TIMED_OUT, then
 * UPSTREAM_FAILED); SUCCEEDED only when all 24 did; otherwise the state of the
 * latest hour that has a run (PENDING when none has).
 */
const FAILURE_ORDER: readonly RunState[] = [RunState.FAILED, RunState.TIMED_OUT, RunState.UPSTREAM_FAILED];

export function dayStateOfHours(hourStates: ReadonlyMap<string, RunState>): RunState {
  const states = [...hourStates.values()];
  for (const failure of FAILURE_ORDER) if (states.includes(failure)) return failure;
  if (hourStates.size === 24 && states.every((s) => s === RunState.SUCCEEDED)) return RunState.SUCCEEDED;
  const latest = [...hourStates.keys()].sort().at(-1);
  return latest === undefined ? RunState.PENDING : (hourStates.get(latest) as RunState);
}

/** How many of the day's hours SUCCEEDED: the grid shows an hourly job's day as this count. */
export function hoursSucceeded(hourStates: ReadonlyMap<string, RunState>): number {
  return [...hourStates.values()].filter((s) => s === RunState.SUCCEEDED).length;
}
