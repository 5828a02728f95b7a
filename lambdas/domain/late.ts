import { runsOn } from './calendar';
import { type Dag, type Job, jobIndexOf, jobOf } from './config/dag';
import { addDays, type RunDate, runDateIn, wallClockInstant } from './run-date';

/** A job's `expectedBy` deadline for one run date. */
export interface LateDeadline {
  readonly job: Job;
  readonly date: RunDate;
  readonly at: Date;
}

/** `expectedBy` text: `HH:MM` on the run date, or `+Nd HH:MM` N days after it (docs/scheduling.md#deadlines-expectedby). */
export const EXPECTED_BY_PATTERN = /^(?:\+([1-7])d )?(([01]\d|2[0-3]):[0-5]\d)$/;

/** The parts of an `expectedBy`: days after the run date, and the wall-clock time on that day. */
export interface ExpectedBy {
  readonly dayOffset: number;
  readonly hhmm: string;
}

/** Parses `HH:MM` or `+Nd HH:MM`; undefined for anything else. */
export function parseExpectedBy(text: string): ExpectedBy | undefined {
  const m = EXPECTED_BY_PATTERN.exec(text);
  if (!m) return undefined;
  return { dayOffset: m[1] ? Number(m[1]) : 0, hhmm: m[2] as string };
}

/**
 * The instant of a day-relative wall-clock time (`expectedBy`, `notBefore`) for
 * the run of `date`: `HH:MM` on that day or `+Nd HH:MM` N days after it, in
 * `timeZone`. A time that does not exist that day (a DST gap) is the instant it
 * would have been without the change; one that happens twice is the first
 * (run-date.ts, wallClockInstant).
 */
export function dayTimeInstant(text: string | undefined, date: RunDate, timeZone: string): Date | undefined {
  const parsed = text ? parseExpectedBy(text) : undefined;
  return parsed ? wallClockInstant(addDays(date, parsed.dayOffset), parsed.hhmm, timeZone) : undefined;
}

/** The deadline of a run: `expectedBy` on the run date (or N days after it), in the job's time zone. */
export function expectedByInstant(job: Pick<Job, 'expectedBy' | 'timezone'>, date: RunDate): Date | undefined {
  return dayTimeInstant(job.expectedBy, date, job.timezone);
}

/**
 * Every expectedBy deadline in (from, to] of a date the job runs on. The days searched are those of the
 * range itself (from the day before `from` to the day after `to`, in the job's
 * zone), so a range in the future — a simulation looking ahead — finds its
 * deadlines too. `maxDays` caps how far before `to` the search goes, so a
 * sweeper that was down for a week does not flood people.
 *
 * ```
 *   deadline days searched:  max(day(from) − 1, day(to) − maxDays) … day(to) + 1
 *   run date of a deadline:  deadline day − the "+Nd" of expectedBy
 * ```
 */
export function lateDeadlinesBetween(dag: Dag, from: Date, to: Date, maxDays = 2): LateDeadline[] {
  const out: LateDeadline[] = [];
  if (to <= from) return out;
  // Only the jobs with a deadline, from the index: a job is read in full when its deadline is in range (config/bundle.ts).
  for (const name of dag.withExpectedBy) {
    const job = jobIndexOf(dag, name);
    const parsed = job.expectedBy ? parseExpectedBy(job.expectedBy) : undefined;
    if (!parsed) continue;
    const last = addDays(runDateIn(to, job.timezone), 1);
    const fromDay = addDays(runDateIn(from, job.timezone), -1);
    const capDay = Number.isFinite(maxDays) ? addDays(runDateIn(to, job.timezone), -maxDays) : fromDay;
    for (let day = fromDay > capDay ? fromDay : capDay; day <= last; day = addDays(day, 1)) {
      const at = wallClockInstant(day, parsed.hhmm, job.timezone);
      const date = addDays(day, -parsed.dayOffset);
      // A date the job's calendar excludes has no deadline: its run is SKIPPED, never LATE (docs/calendars.md).
      if (at > from && at <= to && runsOn(job, date)) out.push({ job: jobOf(dag, job.name), date, at });
    }
  }
  return out.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** The first expectedBy deadline strictly after `after`, if any job has one. */
export function nextLateDeadline(dag: Dag, after: Date): Date | undefined {
  let best: Date | undefined;
  for (const name of dag.withExpectedBy) {
    const job = jobIndexOf(dag, name);
    const parsed = job.expectedBy ? parseExpectedBy(job.expectedBy) : undefined;
    if (!parsed) continue;
    const today = runDateIn(after, job.timezone);
    for (const day of [addDays(today, -1), today, addDays(today, 1)]) {
      const at = wallClockInstant(day, parsed.hhmm, job.timezone);
      if (at > after && (!best || at < best)) best = at;
    }
  }
  return best;
}
