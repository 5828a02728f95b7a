import { runsOn, whyNotOn } from '../domain/calendar';
import { type Dag, isShadow, type Job, jobOf } from '../domain/config/dag';
import { scheduledInvocations, skippedInvocations } from '../domain/cron';
import { addDays, type RunDate, runDateIn } from '../domain/run-date';
import { hourOf, isHourPeriod } from '../domain/run-hour';
import { dayStateOfHours, hoursSucceeded } from '../domain/runs/hours-of-day';
import type { Run } from '../domain/runs/run';
import { RunState } from '../domain/runs/states';
import { type Wait, waitOf } from '../domain/runs/waits';
import { type AlertReport, alertReport, type ClusterReport, clusterReport, type JobReport, jobReport } from '../engine/report';
import type { ClusterWindowRecord } from '../ports/cluster-registry';
import type { AlertRecord } from '../ports/run-store';

/**
 * A job's outcome in a simulation; `due` is false when it did not have to run
 * that day (see dueJobs); `waitingFor` says what a run left unfinished waits on
 * (which upstream, since when, due when), null for ended runs.
 */
export type SimulatedJobReport = JobReport & {
  readonly due: boolean;
  readonly waitingFor: Wait | null;
  /**
   * Hourly jobs (docs/hourly.md#simulate): the day's hours that have a run, by
   * `HH`, and how many SUCCEEDED. `state` is the day rolled up from them,
   * `submissions` their sum.
   */
  readonly granularity?: 'hourly';
  readonly hoursSucceeded?: number;
  readonly hours?: Record<string, JobReport>;
};

/**
 * What `--duplicates N` and `--shuffle` are checked against: every S3 event
 * was delivered N times, and still each run's attempt reached the simulated
 * control planes once (docs/exactly-once.md).
 */
export interface ExactlyOnceEvidence {
  /** S3 events published to the marker topic (one per marker object written). */
  readonly markerEvents: number;
  /** Deliveries of those events to the scheduler, duplicates included. */
  readonly deliveries: number;
  /** Runs (attempts) of the day with at least one submit call. */
  readonly runsSubmitted: number;
  /** Of those, the ones submitted exactly once. */
  readonly submittedOnce: number;
  /** The ones submitted more than once: each a violation of exactly-once. */
  readonly submittedMoreThanOnce: readonly { readonly job: string; readonly attempt: number; readonly submissions: number }[];
}

export interface SimulationReport {
  readonly date: string;
  readonly jobs: Record<string, SimulatedJobReport>;
  readonly clusters: ClusterReport[];
  readonly alerts: AlertReport[];
  readonly makespanMinutes: number;
  readonly criticalPathMinutes: number;
  readonly exactlyOnce: ExactlyOnceEvidence;
}

/** Submit calls of one day counted per (job, attempt). */
export function exactlyOnceEvidence(
  submissions: readonly { job: string; date: string; attempt: number }[],
  date: RunDate,
  delivery: { markerEvents: number; deliveries: number },
): ExactlyOnceEvidence {
  const perAttempt = new Map<string, { job: string; attempt: number; submissions: number }>();
  for (const s of submissions) {
    // The day's runs and the runs of its hours (an hourly run's date is YYYY-MM-DDTHH, docs/hourly.md).
    if (s.date.slice(0, 10) !== date) continue;
    const key = `${s.job}@${s.date}#${s.attempt}`;
    const job = s.date === date ? s.job : `${s.job}@${s.date.slice(11)}`;
    const entry = perAttempt.get(key) ?? { job, attempt: s.attempt, submissions: 0 };
    entry.submissions++;
    perAttempt.set(key, entry);
  }
  const all = [...perAttempt.values()];
  return {
    ...delivery,
    runsSubmitted: all.length,
    submittedOnce: all.filter((e) => e.submissions === 1).length,
    submittedMoreThanOnce: all.filter((e) => e.submissions > 1).sort((a, b) => a.job.localeCompare(b.job) || a.attempt - b.attempt),
  };
}

/**
 * States a run may end a simulation in and still count as a success (an
 * allow-list: anything else — failed, timed out, or left waiting, submitted or
 * PENDING although it was due — makes `rsched simulate` exit 1).
 */
export const SUCCESSFUL_STATES: readonly string[] = [RunState.SUCCEEDED, RunState.SKIPPED];

/**
 * The jobs that had to run on `date`: an external root (its marker is expected
 * every day), a scheduled root whose schedule invokes it for that date (a time
 * skipped by a DST gap counts: the sweeper catches it up), and a job all of whose
 * upstreams had to run, on a date its calendar runs on. A job not due may stay
 * PENDING (docs/local.md#simulate).
 */
export function dueJobs(dag: Dag, date: RunDate): ReadonlySet<string> {
  const due = new Set<string>();
  for (const name of dag.topologicalOrder) {
    const job = jobOf(dag, name);
    // A date its calendar excludes: it is SKIPPED, or (an external job whose marker never comes) reported so.
    if (!runsOn(job, date)) continue;
    if (job.dependsOn.length > 0) {
      if (job.dependsOn.every((u) => due.has(u))) due.add(name);
    } else if (job.target.type === 'external' || !job.schedule || firesFor(job.schedule, job.timezone, date)) {
      due.add(name);
    }
  }
  return due;
}

function firesFor(schedule: string, timeZone: string, date: RunDate): boolean {
  const from = new Date(`${addDays(date, -1)}T00:00:00Z`);
  const to = new Date(`${addDays(date, 2)}T00:00:00Z`);
  return (
    scheduledInvocations(schedule, timeZone, from, to).some((at) => runDateIn(at, timeZone) === date) ||
    skippedInvocations(schedule, timeZone, from, to).some((s) => s.date === date)
  );
}

const MINUTE = 60_000;

/** The longest chain of simulated durations through the DAG (external jobs take no time). */
export function criticalPathMinutes(dag: Dag, durationOf: (job: Job) => number): number {
  const finish = new Map<string, number>();
  let longest = 0;
  for (const name of dag.topologicalOrder) {
    const job = jobOf(dag, name);
    const start = Math.max(0, ...job.dependsOn.map((u) => finish.get(u) ?? 0));
    const end = start + (job.target.type === 'external' ? 0 : durationOf(job));
    finish.set(name, end);
    longest = Math.max(longest, end);
  }
  return longest;
}

/** From the first submission (or shadow decision: docs/shadow.md) to the last finish, in minutes. */
export function makespanMinutes(runs: readonly Run[]): number {
  const started = (to: string) => to === RunState.SUBMITTED || to === RunState.SHADOW_SUBMITTED;
  const starts = runs.flatMap((r) => r.history.filter((e) => started(e.to)).map((e) => Date.parse(e.at)));
  const ends = runs
    .filter((r) => r.finishedAt && (r.state === RunState.SUCCEEDED || r.state === RunState.FAILED))
    .map((r) => Date.parse(r.finishedAt as string));
  if (starts.length === 0 || ends.length === 0) return 0;
  return Math.max(0, Math.round((Math.max(...ends) - Math.min(...starts)) / MINUTE));
}

export function buildReport(input: {
  dag: Dag;
  date: RunDate;
  runs: readonly Run[];
  /** Submit calls for a run: (job, date), or (job, hour) for an hourly job's run. */
  submissionsOf: (job: string, date?: string) => number;
  clusters: readonly ClusterWindowRecord[];
  alerts: readonly AlertRecord[];
  durationOf: (job: Job) => number;
  exactlyOnce: ExactlyOnceEvidence;
  /** When the simulation stopped: what is still ahead of a wait is judged from here. */
  now: Date;
}): SimulationReport {
  const byJob = new Map(input.runs.filter((r) => !isHourPeriod(r.date)).map((r) => [r.job, r]));
  const due = dueJobs(input.dag, input.date);
  const jobs: Record<string, SimulatedJobReport> = {};
  for (const name of input.dag.topologicalOrder) {
    const job = jobOf(input.dag, name);
    const mode = isShadow(job) ? 'shadow' : 'live';
    if (job.granularity === 'hourly') {
      jobs[name] = hourlyReport(input, job, due.has(name), mode);
      continue;
    }
    const run = byJob.get(name);
    const notOn = whyNotOn(job.calendar, input.date);
    jobs[name] = {
      ...jobReport(run, input.submissionsOf(name), mode, notOn),
      due: due.has(name),
      waitingFor: due.has(name) || (run && !notOn) ? waitOf(input.dag, job, run, byJob, input.now) : null,
    };
  }
  return {
    date: input.date,
    jobs,
    clusters: input.clusters.map(clusterReport).sort((a, b) => a.windowStart.localeCompare(b.windowStart) || a.name.localeCompare(b.name)),
    alerts: input.alerts.map(alertReport),
    makespanMinutes: makespanMinutes(input.runs),
    criticalPathMinutes: criticalPathMinutes(input.dag, input.durationOf),
    exactlyOnce: input.exactlyOnce,
  };
}

/**
 * An hourly job's day in a simulation: each hour's run, and the day rolled up
 * (docs/hourly.md#status). Submissions are counted per hour run.
 */
function hourlyReport(input: Parameters<typeof buildReport>[0], job: Job, due: boolean, mode: 'shadow' | 'live'): SimulatedJobReport {
  const own = input.runs.filter((r) => r.job === job.name && isHourPeriod(r.date)).sort((a, b) => a.date.localeCompare(b.date));
  const hours: Record<string, JobReport> = {};
  for (const run of own) hours[hourOf(run.date) as string] = jobReport(run, input.submissionsOf(job.name, run.date), mode);
  const states = new Map(own.map((r) => [r.date as string, r.state]));
  const latest = own.at(-1);
  const dailyByJob = new Map(input.runs.filter((r) => !isHourPeriod(r.date)).map((r) => [r.job, r]));
  return {
    ...jobReport(latest, 0, mode),
    state: dayStateOfHours(states),
    submissions: Object.values(hours).reduce((sum, h) => sum + h.submissions, 0),
    // Attempts of all its hours, so that submissions = attempts still reads as exactly once.
    attempts: Object.values(hours).reduce((sum, h) => sum + h.attempts, 0),
    due,
    waitingFor: latest ? waitOf(input.dag, job, latest, dailyByJob, input.now) : null,
    granularity: 'hourly',
    hoursSucceeded: hoursSucceeded(states),
    hours,
  };
}

/** Every run SUCCEEDED (or was SKIPPED), or was not due that day and never started. */
export function isSuccessful(report: Pick<SimulationReport, 'jobs'>): boolean {
  return Object.values(report.jobs).every((j) => SUCCESSFUL_STATES.includes(j.state) || (!j.due && j.state === RunState.PENDING));
}
