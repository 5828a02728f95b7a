import { RunState } from './states';

/**
 * One state for the 24 hourly runs of a day (docs/hourly.md#status), so an
 * hourly job fits the one-state-per-job shape of `status --json` and the
 * grid: a failure of any hour wins (FAILED, then TIMED_OUT, then
 * UPSTREAM_FAILED); SUCCEEDED only when all 24 did; else the state of the
 * latest hour that has not SUCCEEDED (running, waiting); else, when every hour
 * with a run SUCCEEDED but some hours have none yet, WAITING (the day is not
 * complete); PENDING when no hour has a run.
 */
const FAILURE_ORDER: readonly RunState[] = [RunState.FAILED, RunState.TIMED_OUT, RunState.UPSTREAM_FAILED];

export function dayStateOfHours(hourStates: ReadonlyMap<string, RunState>): RunState {
  const states = [...hourStates.values()];
  for (const failure of FAILURE_ORDER) if (states.includes(failure)) return failure;
  if (hourStates.size === 0) return RunState.PENDING;
  const open = [...hourStates.entries()].filter(([, s]) => s !== RunState.SUCCEEDED).sort(([a], [b]) => a.localeCompare(b));
  if (open.length > 0) return (open.at(-1) as [string, RunState])[1];
  return hourStates.size === 24 ? RunState.SUCCEEDED : RunState.WAITING;
}

/** How many of the day's hours SUCCEEDED: the grid shows an hourly job's day as this count. */
export function hoursSucceeded(hourStates: ReadonlyMap<string, RunState>): number {
  return [...hourStates.values()].filter((s) => s === RunState.SUCCEEDED).length;
}
