import { type Dag, isShadow, type Job, jobOf } from '../../domain/config/dag';
import { addDays, type RunDate } from '../../domain/run-date';
import type { Run } from '../../domain/runs/run';
import { RunState } from '../../domain/runs/states';
import type { ClusterRegistry } from '../../ports/cluster-registry';
import type { RunStore } from '../../ports/run-store';
import { type AlertReport, alertReport, type ClusterReport, clusterReport, type JobReport, jobReport } from '../report';

/** A job's run as `rsched status` shows it: the simulate fields plus what it waits on. */
export interface JobStatus extends JobReport {
  /** Upstreams not yet SUCCEEDED, for runs that wait. */
  readonly waitingOn: readonly string[];
  readonly deadlineAt: string | null;
  readonly manual: boolean;
  readonly meta: Readonly<Record<string, unknown>> | null;
  readonly params: Readonly<Record<string, string>> | null;
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

export async function dayStatus(input: { dag: Dag; store: RunStore; registry?: ClusterRegistry; date: RunDate }): Promise<DayStatus> {
  const { dag, store, date } = input;
  const runs = await store.listByDate(date);
  const byJob = new Map(runs.map((r) => [r.job, r]));
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
    };
  }
  const clusters: ClusterReport[] = [];
  if (input.registry) {
    const from = `${addDays(date, -1)}T00:00:00.000Z`;
    const to = `${date}T23:59:59.999Z`;
    for (const cluster of dag.clusters.values()) {
      for (const window of await input.registry.listWindows(cluster.name, from, to)) {
        if (window.windowEnd > `${date}T00:00:00.000Z`) clusters.push(clusterReport(window));
      }
    }
  }
  clusters.sort((a, b) => a.windowStart.localeCompare(b.windowStart) || a.name.localeCompare(b.name));
  return { date, jobs, clusters, alerts: (await store.listAlerts(date)).map(alertReport) };
}
