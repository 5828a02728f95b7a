import { randomUUID } from 'node:crypto';
import { backoffMs } from '../domain/backoff';
import type { Job } from '../domain/config/dag';
import type { Actor, Run } from '../domain/runs/run';
import { DISPATCHABLE_STATES, RunState } from '../domain/runs/states';
import { mergeUpstreamParams, render, type TemplateContext, TemplateError } from '../domain/template';
import { addMinutes } from '../ports/clock';
import type { LiveCluster } from '../ports/cluster-directory';
import { type RenderedTarget, SubmitError, type SubmitRequest, type SubmitResult } from '../ports/submitter';
import type { EngineDeps } from './deps';
import { endInFailure } from './outcomes';

/**
 * The one readiness rule: a run is ready when every upstream of its job is in
 * its done set. Roots are ready as soon as they are triggered.
 */
export function isReady(job: Job, run: Run): boolean {
  const done = new Set(run.doneUpstreams);
  return job.dependsOn.every((upstream) => done.has(upstream));
}

export type DispatchOutcome = 'not-ready' | 'external' | 'waiting-for-cluster' | 'lost-race' | 'submitted' | 'failed';

/**
 * Submits a ready run exactly once per attempt: the run is claimed with a
 * conditional write (WAITING/WAITING_FOR_CLUSTER/RETRYING -> SUBMITTING) and
 * only the claimant calls the control plane.
 */
export async function dispatch(deps: EngineDeps, run: Run, by: Actor, opts: { cluster?: LiveCluster } = {}): Promise<DispatchOutcome> {
  const job = deps.dag.jobs.get(run.job);
  const cluster = opts.cluster;
  if (!job || !DISPATCHABLE_STATES.includes(run.state)) return 'not-ready';
  if (job.target.type === 'external') return 'external';
  // An operator's run (`rsched run`, replay) starts now, whatever its upstreams say.
  if (!run.manual && !isReady(job, run)) return 'not-ready';
  const now = deps.clock.now();
  if (run.state === RunState.RETRYING && run.retryAt && run.retryAt > now.toISOString()) return 'not-ready';

  let target = cluster;
  if (job.pool && !target) {
    target = await deps.clusters.liveClusterFor(job.pool, now);
    if (!target) return waitForCluster(deps, job, run, by);
  }

  const token = randomUUID();
  const claimed = await deps.store.transition({
    key: run,
    guard: { states: [run.state], attempt: run.attempt },
    to: RunState.SUBMITTING,
    set: {
      claimToken: token,
      claimedAt: now.toISOString(),
      dueAt: addMinutes(now, deps.tuning.claimLeaseMinutes).toISOString(),
      clusterId: target?.id,
      clusterName: target?.name,
    },
    remove: ['waitPool', 'retryAt', 'deadlineAt'],
    by,
    why: target ? `all upstreams done; cluster ${target.name} (${target.id})` : 'all upstreams done',
    at: now.toISOString(),
  });
  if (!claimed) return 'lost-race';
  return submitClaimed(deps, job, claimed, by, target);
}

async function waitForCluster(deps: EngineDeps, job: Job, run: Run, by: Actor): Promise<DispatchOutcome> {
  const now = deps.clock.now();
  const deadlineAt = run.deadlineAt ?? addMinutes(now, job.timeoutMinutes).toISOString();
  const recheckAt = addMinutes(now, deps.tuning.clusterRecheckMinutes).toISOString();
  // ISO timestamps compare as strings (Math.min would not do).
  const dueAt = recheckAt < deadlineAt ? recheckAt : deadlineAt;
  const quiet = run.state === RunState.WAITING_FOR_CLUSTER;
  await deps.store.transition({
    key: run,
    guard: { states: [run.state], attempt: run.attempt, ...(run.dueAt ? { dueAt: run.dueAt } : {}) },
    to: RunState.WAITING_FOR_CLUSTER,
    set: { waitPool: job.pool, deadlineAt, dueAt },
    remove: ['retryAt'],
    by,
    why: `no live cluster serves pool ${job.pool}`,
    at: now.toISOString(),
    quiet,
  });
  return 'waiting-for-cluster';
}

function renderTarget(job: Job, ctx: TemplateContext): RenderedTarget {
  const t = job.target;
  switch (t.type) {
    case 'datapipeline':
      return {
        type: 'datapipeline',
        pipeline: render(t.pipeline, ctx),
        parameters: Object.fromEntries(Object.entries(t.parameters ?? {}).map(([k, v]) => [k, render(v, ctx)])),
      };
    case 'emr-step':
      return {
        type: 'emr-step',
        args: t.step.args.map((a) => render(a, ctx)),
        jar: render(t.step.jar ?? 'command-runner.jar', ctx),
        mainClass: t.step.mainClass,
        actionOnFailure: t.step.actionOnFailure ?? 'CONTINUE',
      };
    case 'external':
      throw new TemplateError('external jobs are never submitted');
  }
}

/** Renders and submits a run this handler has claimed, with backoff; records SUBMITTED or ends the run. */
export async function submitClaimed(
  deps: EngineDeps,
  job: Job,
  run: Run,
  by: Actor,
  cluster: LiveCluster | undefined,
): Promise<DispatchOutcome> {
  const claimGuard = { states: [RunState.SUBMITTING], attempt: run.attempt, claimToken: run.claimToken };
  let request: SubmitRequest;
  try {
    const ctx: TemplateContext = {
      job: run.job,
      date: run.date,
      attempt: run.attempt,
      cluster: cluster && { id: cluster.id, name: cluster.name, masterIp: cluster.masterIp },
      params: mergeUpstreamParams(run.upstreamParams),
    };
    request = { job: run.job, date: run.date, attempt: run.attempt, target: renderTarget(job, ctx), cluster };
  } catch (err) {
    await endInFailure(deps, {
      key: run,
      guard: claimGuard,
      to: RunState.FAILED,
      kind: 'SUBMIT_FAILED',
      reason: (err as Error).message,
      by,
      why: 'template could not be rendered',
    });
    return 'failed';
  }

  let lastError: unknown;
  for (let attempt = 0; attempt < deps.tuning.submitTries; attempt++) {
    if (attempt > 0) await deps.clock.sleep(backoffMs(attempt - 1, deps.tuning.submitBackoffBaseMs, deps.tuning.submitBackoffCapMs));
    let result: SubmitResult;
    try {
      result = await deps.submitter.submit(request);
    } catch (err) {
      lastError = err;
      deps.log.warn('submit failed', { job: run.job, date: run.date, attempt: run.attempt, try: attempt + 1, error: String(err) });
      if (err instanceof SubmitError && !err.retryable) break;
      continue;
    }
    // Outside the retry loop's catch: the run IS submitted now, so a failure to record it must
    // not submit again. It fails the handler instead; the sweeper finds the submission once
    // the claim lease expires (recoverClaim).
    const now = deps.clock.now();
    await deps.store.transition({
      key: run,
      guard: claimGuard,
      to: RunState.SUBMITTED,
      set: {
        submittedAt: now.toISOString(),
        submissionId: result.submissionId,
        clusterId: result.clusterId ?? cluster?.id,
        ...(job.maxRuntimeMinutes ? { dueAt: addMinutes(now, job.maxRuntimeMinutes).toISOString() } : {}),
      },
      remove: job.maxRuntimeMinutes ? ['claimToken'] : ['claimToken', 'dueAt'],
      by,
      why: cluster ? `submitted ${result.submissionId} to cluster ${cluster.name} (${cluster.id})` : `submitted ${result.submissionId}`,
      at: now.toISOString(),
    });
    // A lost guard here means the job's marker already arrived: nothing to undo.
    return 'submitted';
  }
  const message = lastError instanceof Error ? lastError.message : String(lastError);
  await endInFailure(deps, {
    key: run,
    guard: claimGuard,
    to: RunState.FAILED,
    kind: 'SUBMIT_FAILED',
    reason: `submit failed: ${message}`,
    by,
    why: 'submission failed',
  });
  return 'failed';
}
