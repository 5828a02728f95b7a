import type { Dag, Job } from './config/dag';
import { addDays, type RunDate, runDateIn, wallClockInstant } from './run-date';

/** A job's `expectedBy` deadline for one run date. */
export interface LateDeadline {
  readonly job: Job;
  readonly date: RunDate;
  readonly at: Date;
}

/** The deadline of a run: `expectedBy` on the run date, in the job's time zone. */
export function expectedByInstant(job: Job, date: RunDate): Date | undefined {
  return job.expectedBy ? wallClockInstant(date, job.expectedBy, job.timezone) : undefined;
}

/**
 * Every expectedBy deadline in (from, to]. Looks back at most `maxDays` run
 * dates so a sweeper that was down for a week does not flood people.
 */
export function lateDeadlinesBetween(dag: Dag, from: Date, to: Date, maxDays = 2): LateDeadline[] {
  const out: LateDeadline[] = [];
  for (const job of dag.jobs.values()) {
    if (!job.expectedBy) continue;
    const last = runDateIn(to, job.timezone);
    for (let i = maxDays; i >= -1; i--) {
      const date = addDays(last, -i);
      const at = expectedByInstant(job, date) as Date;
      if (at > from && at <= to) out.push({ job, date, at });
    }
  }
  return out.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** The first expectedBy deadline strictly after `after`, if any job has one. */
export function nextLateDeadline(dag: Dag, after: Date): Date | undefined {
  let best: Date | undefined;
  for (const job of dag.jobs.values()) {
    if (!job.expectedBy) continue;
    const today = runDateIn(after, job.timezone);
    for (const date of [addDays(today, -1), today, addDays(today, 1)]) {
      const at = expectedByInstant(job, date) as Date;
      if (at > after && (!best || at < best)) best = at;
    }
  }
  return best;
}
