import { runsOn } from '../domain/calendar';
import type { Job } from '../domain/config/dag';
import { type RunDate, runDateIn } from '../domain/run-date';
import { hourIn } from '../domain/run-hour';
import type { Actor } from '../domain/runs/run';
import { RunState } from '../domain/runs/states';
import { startRoot as startRootTransition } from '../domain/runs/transitions';
import { addMinutes } from '../ports/clock';
import type { EngineDeps } from './deps';
import { type DispatchOutcome, dispatch } from './dispatch';
import { skipRun } from './skips';

export type TriggerOutcome = DispatchOutcome | 'already-started' | 'not-a-root' | 'skipped';

/**
 * Starts the run of a root job for the day its schedule fired on (in the job's
 * time zone), or for an hourly job the UTC hour it fired in (docs/hourly.md). Creating the run is a conditional write, so a schedule that fires
 * twice, or a retried invocation, starts it once.
 */
export async function onTrigger(deps: EngineDeps, jobName: string, scheduledTime: Date, by: Actor): Promise<TriggerOutcome> {
  const job = deps.dag.jobs.get(jobName);
  if (!job || job.dependsOn.length > 0 || job.target.type === 'external') return 'not-a-root';
  const period = job.granularity === 'hourly' ? hourIn(scheduledTime) : runDateIn(scheduledTime, job.timezone);
  return startRoot(deps, job, period, by);
}

/** Starts a root's run for `date`; `why` goes into its history (a catch-up says why it is late). */
export async function startRoot(deps: EngineDeps, job: Job, date: RunDate, by: Actor, why = 'scheduled start'): Promise<TriggerOutcome> {
  // A date its calendar excludes is recorded SKIPPED instead of started (docs/calendars.md); once, however often it fires.
  if (!runsOn(job, date)) {
    const run = await skipRun(deps, job, date, by);
    return run?.state === RunState.SKIPPED ? 'skipped' : 'already-started';
  }
  const now = deps.clock.now();
  const deadlineAt = addMinutes(now, job.timeoutMinutes).toISOString();
  const key = { job: job.name, date };
  const created = await deps.store.transition(startRootTransition(key, { deadlineAt, at: now.toISOString(), by, why }));
  if (created.ok) return dispatch(deps, created.run, by);
  // Started before; if the handler that started it died before dispatching, finish its work.
  if (created.current?.state === RunState.WAITING) return dispatch(deps, created.current, by);
  return 'already-started';
}
