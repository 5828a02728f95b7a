import { whyNotOn } from '../../domain/calendar';
import { type Dag, isShadow, type Job, jobOf } from '../../domain/config/dag';
import { addDays, type RunDate } from '../../domain/run-date';
import { dayOf, hourOf, isHourPeriod } from '../../domain/run-hour';
import { dayStateOfHours, hoursSucceeded } from '../../domain/runs/hours-of-day';
import type { Run } from '../../domain/runs/run';
import { RunState } from '../../domain/runs/states';
import { type Wait, waitOf } from '../../domain/runs/waits';
import type { ClusterRegistry, ClusterWindowRecord } from '../../ports/cluster-registry';
import type { AlertRecord, RunStore } from '../../ports/run-store';
import { listDay } from '../day-runs';
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
  /**
   * Hourly jobs only (docs/hourly.md#status): the runs of the day's UTC hours
   * that exist, by `HH`, and how many SUCCEEDED. The job's own fields then
   * describe the day: `state` rolled up from the hours, `submissions` summed,
   * the rest those of its latest hour.
   */
  readonly granularity?: 'hourly';
  readonly hoursSucceeded?: number;
  readonly hours?: Record<string, JobStatus>;
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
  const [runs, alerts, windows] = await Promise.all([listDay({ store, dag }, date), store.listAlerts(date), clusterWindows(input)]);
  const byJob = new Map(runs.filter((r) => !isHourPeriod(r.date)).map((r) => [r.job, r]));
  const alertsByRun = new Map<string, AlertRecord[]>();
  for (const alert of alerts)
    if (alert.job) alertsByRun.set(`${alert.job} ${alert.date}`, [...(alertsByRun.get(`${alert.job} ${alert.date}`) ?? []), alert]);
  const statusOf = (job: Job, run: Run | undefined, runsByJob: ReadonlyMap<string, Run>, period: string): JobStatus => {
    // A date its calendar excludes shows SKIPPED even with no run item (docs/calendars.md).
    const notOn = whyNotOn(job.calendar, dayOf(period as RunDate));
    return {
      ...jobReport(run, submissionsOf(run), isShadow(job) ? 'shadow' : 'live', notOn),
      waitingOn: !run && notOn ? [] : waitingOn(job, run, runsByJob),
      deadlineAt: run?.deadlineAt ?? null,
      manual: run?.manual ?? false,
      meta: run?.meta ?? null,
      params: run?.params ?? null,
      waitingFor: !run && notOn ? null : waitOf(dag, job, run, runsByJob, now),
      alert: alertSummary(openAlert(run, alertsByRun.get(`${job.name} ${period}`) ?? [])),
    };
  };
  const jobs: Record<string, JobStatus> = {};
  for (const name of dag.topologicalOrder) {
    const job = jobOf(dag, name);
    if (job.granularity === 'hourly') {
      jobs[name] = hourlyStatus(job, runs, byJob, statusOf);
      continue;
    }
    const run = byJob.get(name);
    jobs[name] = statusOf(job, run, byJob, date);
  }
  const clusters = windows.filter((window) => window.windowEnd > `${date}T00:00:00.000Z`).map(clusterReport);
  clusters.sort((a, b) => a.windowStart.localeCompare(b.windowStart) || a.name.localeCompare(b.name));
  return { date, jobs, clusters, alerts: alerts.map(alertReport) };
}

/** An hourly job's day: each hour's status, and the day rolled up from them (docs/hourly.md#status). */
function hourlyStatus(
  job: Job,
  runs: readonly Run[],
  dailyByJob: ReadonlyMap<string, Run>,
  statusOf: (job: Job, run: Run | undefined, runsByJob: ReadonlyMap<string, Run>, period: string) => JobStatus,
): JobStatus {
  const own = runs.filter((r) => r.job === job.name).sort((a, b) => a.date.localeCompare(b.date));
  const hours: Record<string, JobStatus> = {};
  for (const run of own) {
    // The runs an hour's wait is judged against: the day's daily runs and the other jobs' runs of the same hour.
    const sameHour = new Map([...dailyByJob, ...runs.filter((r) => r.date === run.date).map((r): [string, Run] => [r.job, r])]);
    hours[hourOf(run.date) as string] = statusOf(job, run, sameHour, run.date);
  }
  const states = new Map(own.map((r) => [hourOf(r.date) as string, r.state]));
  const latest = own.at(-1);
  const base = statusOf(job, latest, dailyByJob, latest?.date ?? '');
  return {
    ...base,
    state: dayStateOfHours(states),
    submissions: Object.values(hours).reduce((sum, h) => sum + h.submissions, 0),
    // Attempts of all its hours, so that submissions = attempts still reads as exactly once.
    attempts: Object.values(hours).reduce((sum, h) => sum + h.attempts, 0),
    granularity: 'hourly',
    hoursSucceeded: hoursSucceeded(states),
    hours,
  };
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
