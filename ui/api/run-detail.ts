import { isShadow, type Job, jobOf } from '../../lambdas/domain/config/dag';
import { addDays, type RunDate } from '../../lambdas/domain/run-date';
import { type AttemptSpan, attemptSpans } from '../../lambdas/domain/runs/attempt-spans';
import type { HistoryEntry, Run } from '../../lambdas/domain/runs/run';
import { IN_FLIGHT_STATES, RunState } from '../../lambdas/domain/runs/states';
import { TemplateError } from '../../lambdas/domain/template';
import { renderRequest } from '../../lambdas/engine/dispatch';
import { waitingOn } from '../../lambdas/engine/operations/status';
import { type ShadowReport, shadowReport } from '../../lambdas/engine/report';
import type { LiveCluster } from '../../lambdas/ports/cluster-directory';
import type { SubmitRequest } from '../../lambdas/ports/submitter';
import type { OpsContext } from '../../lambdas/runtime/aws-deps';
import { type AlertView, judgeAlerts } from './alerts';

/**
 * What the submission of the run's current attempt is: what a shadow job
 * recorded, the request rendered from the templates now (upstream params as
 * they are now: a replay would send this), or why there is none.
 */
export type SubmissionView =
  | { readonly kind: 'shadow'; readonly request: unknown }
  | { readonly kind: 'rendered'; readonly request: SubmitRequest }
  | { readonly kind: 'none'; readonly why: string };

/** Everything the UI's run panel shows of one run (docs/ui.md, "Run detail"). */
export interface RunDetail {
  readonly job: string;
  readonly date: RunDate;
  readonly target: string;
  readonly state: string;
  readonly attempt: number;
  readonly manual: boolean;
  readonly reason: string | null;
  readonly cluster: string | null;
  readonly submissionId: string | null;
  readonly markerKey: string | null;
  readonly params: Readonly<Record<string, string>> | null;
  readonly meta: Readonly<Record<string, unknown>> | null;
  /** The current attempt is running on its target: replay, run and mark need force. */
  readonly inFlight: boolean;
  /** Upstreams not yet SUCCEEDED, for a run that waits. */
  readonly waitingOn: readonly string[];
  /** Shadow jobs only (docs/shadow.md): when we would have submitted, next to the old scheduler's marker. */
  readonly shadow: ShadowReport | null;
  readonly attempts: readonly AttemptSpan[];
  /** Every transition of every attempt, oldest first: when, from, to, by whom, why. */
  readonly transitions: readonly HistoryEntry[];
  readonly submission: SubmissionView;
  readonly alerts: readonly AlertView[];
}

/** The cluster the run was sent to, as templates see it (its master's IP from the registry). */
async function clusterOf(ops: OpsContext, run: Run): Promise<LiveCluster | undefined> {
  if (!run.clusterName || !run.clusterId) return undefined;
  const windows = await ops.registry.listWindows(
    run.clusterName,
    `${addDays(run.date, -1)}T00:00:00.000Z`,
    `${addDays(run.date, 2)}T00:00:00.000Z`,
  );
  const window = windows.find((w) => w.clusterId === run.clusterId);
  return {
    name: run.clusterName,
    id: run.clusterId,
    masterIp: window?.masterIp,
    pools: window?.pools ?? [],
    windowStart: window?.windowStart ?? '',
    windowEnd: window?.windowEnd ?? '',
  };
}

async function submissionOf(ops: OpsContext, job: Job, run: Run | undefined): Promise<SubmissionView> {
  if (job.target.type === 'external') return { kind: 'none', why: 'external job: never submitted; its marker comes from outside' };
  if (run?.shadow) return { kind: 'shadow', request: run.shadow.request };
  if (!run) return { kind: 'none', why: 'no run yet: rendered when its upstreams are done' };
  try {
    return { kind: 'rendered', request: await renderRequest(ops.deps, job, run, await clusterOf(ops, run)) };
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    return { kind: 'none', why: `cannot be rendered yet: ${err.message}` };
  }
}

export async function runDetail(ops: OpsContext, name: string, date: RunDate): Promise<RunDetail> {
  const job = jobOf(ops.deps.dag, name);
  const [run, upstreams, alerts] = await Promise.all([
    ops.deps.store.get({ job: name, date }),
    ops.deps.store.getMany(job.dependsOn.map((u) => ({ job: u, date }))),
    ops.deps.store.listAlerts(date),
  ]);
  return {
    job: name,
    date,
    target: job.target.type,
    state: run?.state ?? RunState.PENDING,
    attempt: run?.attempt ?? 0,
    manual: run?.manual ?? false,
    reason: run?.reason ?? null,
    cluster: run?.clusterName ?? null,
    submissionId: run?.submissionId ?? null,
    markerKey: run?.markerKey ?? null,
    params: run?.params ?? null,
    meta: run?.meta ?? null,
    inFlight: run !== undefined && IN_FLIGHT_STATES.includes(run.state),
    waitingOn: waitingOn(job, run, new Map(upstreams.map((u) => [u.job, u]))),
    shadow: isShadow(job) ? shadowReport(run) : null,
    attempts: run ? attemptSpans(run) : [],
    transitions: run?.history ?? [],
    submission: await submissionOf(ops, job, run),
    alerts: judgeAlerts(
      alerts.filter((a) => a.job === name),
      run ? [run] : [],
    ),
  };
}
