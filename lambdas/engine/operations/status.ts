import { type Dag, isShadow, type Job, jobOf } from '../../domain/config/dag';
import { addDays, type RunDate } from '../../domain/run-date';
import type { Run } from '../../domain/runs/run';
import { RunState } from '../../domain/runs/states';
import { type Wait, waitOf } from '../../domain/runs/waits';
import type { ClusterRegistry, ClusterWindowRecord } from '../../ports/cluster-registry';
import type { AlertRecord, RunStore } from '../../ports/run-store';
import { type AlertReport, alertReport, type ClusterReport, clusterReport, type JobReport, jobReport } from '../report';

/** A job's run as `rsched status` shows it: the simulate fields plus what it waits on. */
export interface JobStatus extends JobReport {
  /** Upstreams not yet SUCCEEDED, for runs that wait. */
  readonly waitingOn: readonly string[];
  readonly deadlineAt: string | null;
  readonly manual: boolean;
  readonly meta: Readonly<Record<string, unknown>> | null;
  readonly params: Readonly<Record<string, string>> | null;
  /** What it waits on and until when (upstreams, its notBefore, a cluster, its marker, a retry); null when nothing. */
  readonly waitingFor: Wait | null;
  /** The open alert of the current attempt (the latest, if several) and its next step: null once the run SUCCEEDED. */
  readonly alert: { readonly kind: string; readonly next: string | null } | null;
}

/** `rsched status --json`: the same shape as `rsched simulate --json` (date, jobs, clusters, alerts). */
export interface DayStatus {
  readonly date: RunDate;
  readonly jobs: Record<string, JobStatus>;
  readonly clusters: ClusterReport[];
  readonly alerts: AlertReport[];
}

/** Submit calls recorded in the run's history (one SUBMITTED transition per call that succeeded). */
export function submissionsOf(run: Run | undefined): number {
  return run?.history.filter((e) => e.to === RunState.SUBMITTED && e.from !== RunState.SUBMITTED).length ?? 0;
}

export function waitingOn(job: Job, run: Run | undefined, runsByJob: ReadonlyMap<string, Run>): string[] {
  const state = run?.state ?? RunState.PENDING;
  if (state !== RunState.PENDING && state !== RunState.WAITING) return [];
  const done = new Set(run?.doneUpstreams ?? []);
  return job.dependsOn.filter((u) => !done.has(u) && runsByJob.get(u)?.state !== RunState.SUCCEEDED);
}

/**
 * The alert an operator should act on for this run: the latest one about its
 * current attempt (or about the run, for kinds without an attempt such as
 * LATE), while the run has not SUCCEEDED — a success resolves it.
 */
export function openAlert(run: Run | undefined, alerts: readonly AlertRecord[]): AlertRecord | undefined {
  if (run?.state === RunState.SUCCEEDED) return undefined;
  const attempt = run?.attempt ?? 1;
  return alerts.filter((a) => a.attempt === undefined || a.attempt === attempt).at(-1);
}

export async function dayStatus(input: {
  dag: Dag;
  store: RunStore;
  registry?: ClusterRegistry;
  date: RunDate;
  /** For what is still ahead (a notBefore not yet reached, the next cluster window); default the wall clock. */
  now?: Date;
}): Promise<DayStatus> {
  const { dag, store, date } = input;
  const now = input.now ?? new Date();
  // All the queries at once (each cluster's windows too), not one after another.
  const [runs, alerts, windows] = await Promise.all([store.listByDate(date), store.listAlerts(date), clusterWindows(input)]);
  const byJob = new Map(runs.map((r) => [r.job, r]));
  const alertsByJob = new Map<string, AlertRecord[]>();
  for (const alert of alerts) if (alert.job) alertsByJob.set(alert.job, [...(alertsByJob.get(alert.job) ?? []), alert]);
  const jobs: Record<string, JobStatus> = {};
  for (const name of dag.topologicalOrder) {
    const job = jobOf(dag, name);
    const run = byJob.get(name);
    jobs[name] = {
      ...jobReport(run, submissionsOf(run), isShadow(job) ? 'shadow' : 'live'),
      waitingOn: waitingOn(job, run, byJob),
      deadlineAt: run?.deadlineAt ?? null,
      manual: run?.manual ?? false,
      meta: run?.meta ?? null,
      params: run?.params ?? null,
      waitingFor: waitOf(dag, job, run, byJob, now),
      alert: alertSummary(openAlert(run, alertsByJob.get(name) ?? [])),
    };
  }
  const clusters = windows.filter((window) => window.windowEnd > `${date}T00:00:00.000Z`).map(clusterReport);
  clusters.sort((a, b) => a.windowStart.localeCompare(b.windowStart) || a.name.localeCompare(b.name));
  return { date, jobs, clusters, alerts: alerts.map(alertReport) };
}

/** Every cluster's windows that may reach into the date (from the day before), in the DAG's cluster order. */
async function clusterWindows(input: { dag: Dag; date: RunDate; registry?: ClusterRegistry }): Promise<ClusterWindowRecord[]> {
  const { dag, date, registry } = input;
  if (!registry) return [];
  const from = `${addDays(date, -1)}T00:00:00.000Z`;
  const to = `${date}T23:59:59.999Z`;
  return (await Promise.all([...dag.clusters.values()].map((cluster) => registry.listWindows(cluster.name, from, to)))).flat();
}

function alertSummary(alert: AlertRecord | undefined): JobStatus['alert'] {
  return alert ? { kind: alert.kind, next: alert.next ?? null } : null;
}
