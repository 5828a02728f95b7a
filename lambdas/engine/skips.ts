import { runsOn, whyNotOn } from '../domain/calendar';
import { type Job, jobOf } from '../domain/config/dag';
import { downstreamLinks } from '../domain/period-mapping';
import type { RunDate } from '../domain/run-date';
import type { Actor, Run } from '../domain/runs/run';
import { RunState } from '../domain/runs/states';
import { markPropagated as propagatedTransition, skip } from '../domain/runs/transitions';
import { addMinutes } from '../ports/clock';
import type { EngineDeps } from './deps';

/**
 * Runs on dates a job's calendar does not run on (docs/calendars.md). The run
 * is written SKIPPED with one conditional write (only a run with no item can
 * take it), so duplicate, shuffled or concurrent deliveries record it once.
 * Nothing is submitted, no timer is set, no alert is raised. The skip then
 * reaches the downstream runs whose own calendar excludes the date too.
 */

/**
 * Records the run of `job` on `date` as SKIPPED and passes the skip down.
 * Returns the run as it is afterwards (undefined only if the store has none).
 */
export async function skipRun(deps: EngineDeps, job: Job, date: RunDate, by: Actor): Promise<Run | undefined> {
  const now = deps.clock.now();
  const leaf = job.dependents.length === 0;
  const result = await deps.store.transition(
    skip(
      { job: job.name, date },
      {
        at: now.toISOString(),
        by,
        why: whyNotOn(job.calendar, date) ?? `${date} is not a run date of ${job.name}`,
        ...(leaf ? {} : { watchUntil: addMinutes(now, deps.tuning.claimLeaseMinutes).toISOString() }),
      },
    ),
  );
  const run = result.ok ? result.run : result.current;
  // Skipped before by a handler that may have died before passing it down: finish its work (idempotent).
  if (run?.state === RunState.SKIPPED && !run.propagatedAt) await propagateSkip(deps, run, by);
  return run;
}

/**
 * Passes a SKIPPED run on to its direct downstream runs. A child that does
 * not run on the date either is SKIPPED in turn (and passes it on); a child
 * that does run on it does not count the skip as done — validation refuses
 * such an edge (checks/calendars.ts), so it only happens with a config
 * changed under running dates, and that run waits, then times out, as for
 * any upstream that never came.
 */
export async function propagateSkip(deps: EngineDeps, run: Run, by: Actor): Promise<void> {
  // The same links as a success (docs/hourly.md#dependency-mappings): a skipped hour reaches the day of a
  // daily child, never a run keyed by the hour; the 24 hours of an `all` dependency reach it once.
  const reached = new Set<string>();
  for (const link of downstreamLinks(deps.dag, jobOf(deps.dag, run.job), run.date)) {
    const child = jobOf(deps.dag, link.job);
    const id = `${link.job} ${link.date}`;
    if (reached.has(id) || runsOn(child, link.date)) continue;
    reached.add(id);
    await skipRun(deps, child, link.date, by);
  }
  if (!run.propagatedAt) {
    await deps.store.transition(propagatedTransition(run, { at: deps.clock.now().toISOString(), by }));
  }
}
