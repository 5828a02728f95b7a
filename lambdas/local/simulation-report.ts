import { type Dag, isShadow, type Job, jobOf } from '../domain/config/dag';
import { scheduledInvocations, skippedInvocations } from '../domain/cron';
import { addDays, type RunDate, runDateIn } from '../domain/run-date';
import type { Run } from '../domain/runs/run';
import { RunState } from '../domain/runs/states';
import { type AlertReport, alertReport, type ClusterReport, clusterReport, type JobReport, jobReport } from '../engine/report';
import type { ClusterWindowRecord } from '../ports/cluster-registry';
import type { AlertRecord } from '../ports/run-store';

/** A job's outcome in a simulation; `due` is false when it did not have to run that day (see dueJobs). */
export type SimulatedJobReport = JobReport & { readonly due: boolean };

export interface SimulationReport {
  readonly date: string;
  readonly jobs: Record<string, SimulatedJobReport>;
  readonly clusters: ClusterReport[];
  readonly alerts: AlertReport[];
  readonly makespanMinutes: number;
  readonly criticalPathMinutes: number;
}

/**
 * States a run may end a simulation in and still count as a success (an
 * allow-list: anything else — failed, timed out, or left waiting, submitted or
 * PENDING although it was due — makes `rsched simulate` exit 1).
 */
export const SUCCESSFUL_STATES: readonly string[] = [RunState.SUCCEEDED, 'SKIPPED'];

/**
 * The jobs that had to run on `date`: an external root (its marker is expected
 * every day), a scheduled root whose schedule invokes it for that date (a time
 * skipped by a DST gap counts: the sweeper catches it up), and a job all of whose
 * upstreams had to run. A job not due may stay PENDING (docs/local.md#simulate).
 */
export function dueJobs(dag: Dag, date: RunDate): ReadonlySet<string> {
  const due = new Set<string>();
  for (const name of dag.topologicalOrder) {
    const job = jobOf(dag, name);
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
  submissionsOf: (job: string) => number;
  clusters: readonly ClusterWindowRecord[];
  alerts: readonly AlertRecord[];
  durationOf: (job: Job) => number;
}): SimulationReport {
  const byJob = new Map(input.runs.map((r) => [r.job, r]));
  const due = dueJobs(input.dag, input.date);
  const jobs: Record<string, SimulatedJobReport> = {};
  for (const name of input.dag.topologicalOrder) {
    const mode = isShadow(jobOf(input.dag, name)) ? 'shadow' : 'live';
    jobs[name] = { ...jobReport(byJob.get(name), input.submissionsOf(name), mode), due: due.has(name) };
  }
  return {
    date: input.date,
    jobs,
    clusters: input.clusters.map(clusterReport).sort((a, b) => a.windowStart.localeCompare(b.windowStart) || a.name.localeCompare(b.name)),
    alerts: input.alerts.map(alertReport),
    makespanMinutes: makespanMinutes(input.runs),
    criticalPathMinutes: criticalPathMinutes(input.dag, input.durationOf),
  };
}

/** Every run SUCCEEDED (or was SKIPPED), or was not due that day and never started. */
export function isSuccessful(report: Pick<SimulationReport, 'jobs'>): boolean {
  return Object.values(report.jobs).every((j) => SUCCESSFUL_STATES.includes(j.state) || (!j.due && j.state === RunState.PENDING));
}
