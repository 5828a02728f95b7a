import { type Dag, type Job, jobOf } from '../domain/config/dag';
import type { RunDate } from '../domain/run-date';
import type { Run } from '../domain/runs/run';
import { RunState } from '../domain/runs/states';
import { type AlertReport, alertReport, type ClusterReport, clusterReport, type JobReport, jobReport } from '../engine/report';
import type { ClusterWindowRecord } from '../ports/cluster-registry';
import type { AlertRecord } from '../ports/run-store';

export interface SimulationReport {
  readonly date: string;
  readonly jobs: Record<string, JobReport>;
  readonly clusters: ClusterReport[];
  readonly alerts: AlertReport[];
  readonly makespanMinutes: number;
  readonly criticalPathMinutes: number;
}

/** States that make `rsched simulate` exit 1: failed, or still waiting or running when nothing more can happen. */
export const UNSUCCESSFUL_STATES: readonly string[] = [
  RunState.FAILED,
  RunState.TIMED_OUT,
  RunState.UPSTREAM_FAILED,
  RunState.WAITING,
  RunState.WAITING_FOR_CLUSTER,
  RunState.SUBMITTING,
  RunState.SUBMITTED,
  RunState.RETRYING,
];

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

/** From the first submission to the last finish, in minutes. */
export function makespanMinutes(runs: readonly Run[]): number {
  const starts = runs.flatMap((r) => r.history.filter((e) => e.to === RunState.SUBMITTED).map((e) => Date.parse(e.at)));
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
  const jobs: Record<string, JobReport> = {};
  for (const name of input.dag.topologicalOrder) jobs[name] = jobReport(byJob.get(name), input.submissionsOf(name));
  return {
    date: input.date,
    jobs,
    clusters: input.clusters.map(clusterReport).sort((a, b) => a.windowStart.localeCompare(b.windowStart) || a.name.localeCompare(b.name)),
    alerts: input.alerts.map(alertReport),
    makespanMinutes: makespanMinutes(input.runs),
    criticalPathMinutes: criticalPathMinutes(input.dag, input.durationOf),
  };
}

export function isSuccessful(report: Pick<SimulationReport, 'jobs'>): boolean {
  return Object.values(report.jobs).every((j) => !UNSUCCESSFUL_STATES.includes(j.state));
}
