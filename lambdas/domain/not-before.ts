import type { Job } from './config/dag';
import { dayTimeInstant } from './late';
import type { RunDate } from './run-date';

/**
 * `notBefore`: the earliest wall-clock time a run may be submitted, even when
 * every upstream is done (docs/scheduling.md#time-gates-notbefore). Same text as
 * `expectedBy`: `"06:00"` on the run date, `"+1d 06:00"` the day after it, in
 * the job's `timezone`.
 */
export function notBeforeInstant(job: Pick<Job, 'notBefore' | 'timezone'>, date: RunDate): Date | undefined {
  return dayTimeInstant(job.notBefore, date, job.timezone);
}

/**
 * The gate still closed at `now` for the run of `date`, if any: what a ready
 * run is held for. Operator runs (`rsched run`, the root of a replay) are not
 * held: "run now" means now.
 */
export function closedGate(job: Pick<Job, 'notBefore' | 'timezone'>, date: RunDate, now: Date): Date | undefined {
  const gate = notBeforeInstant(job, date);
  return gate && now < gate ? gate : undefined;
}

/** "06:00 Europe/Berlin" or "+1d 06:00 UTC": the gate as people wrote it. */
export function describeNotBefore(job: Pick<Job, 'notBefore' | 'timezone'>): string {
  return `${job.notBefore} ${job.timezone}`;
}
