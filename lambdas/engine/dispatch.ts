import { randomUUID } from 'node:crypto';
import { AlertKind, submitUncertainText } from '../domain/alerts';
import { backoffMs } from '../domain/backoff';
import { isShadow, type Job } from '../domain/config/dag';
import { closedGate, describeNotBefore } from '../domain/not-before';
import type { Actor, Run } from '../domain/runs/run';
import { DISPATCHABLE_STATES, RunState } from '../domain/runs/states';
import {
  claim,
  claimGuard,
  holdUntilNotBefore,
  isReady,
  parkUncertain,
  recordSubmission,
  waitForCluster as waitForClusterTransition,
} from '../domain/runs/transitions';
import { render, type TemplateContext, TemplateError } from '../domain/template';
import { addMinutes } from '../ports/clock';
import type { LiveCluster } from '../ports/cluster-directory';
import { type RenderedTarget, type SubmissionRef, SubmitError, type SubmitRequest, type SubmitResult } from '../ports/submitter';
import { raiseRunAlert } from './alerting';
import { isBusy, waitWhileBusy } from './busy-target';
import type { EngineDeps } from './deps';
import { endInFailure } from './outcomes';
import { renderServiceTarget, serviceTargetLabel } from './render-service-target';
import { recordShadow } from './shadow';
import { upstreamParamsOf } from './upstream-params';

export { isReady };

export type DispatchOutcome =
  | 'not-ready'
  /** Ready, but held until the job's notBefore (docs/scheduling.md#time-gates-notbefore). */
  | 'not-before'
  | 'external'
  | 'waiting-for-cluster'
  | 'lost-race'
  | 'submitted'
  /** A shadow job's decision was recorded instead of a submit call (docs/shadow.md). */
  | 'shadow'
  | 'uncertain'
  | 'failed'
  | 'busy';

/**
 * Submits a ready run exactly once per attempt: the run is claimed with a
 * conditional write (WAITING/WAITING_FOR_CLUSTER/RETRYING -> SUBMITTING) and
 * only the claimant calls the control plane.
 */
export async function dispatch(deps: EngineDeps, run: Run, by: Actor, opts: { cluster?: LiveCluster } = {}): Promise<DispatchOutcome> {
  const job = deps.dag.jobs.get(run.job);
  if (!job || !DISPATCHABLE_STATES.includes(run.state)) return 'not-ready';
  if (job.target.type === 'external') return 'external';
  if (!isReady(job, run, deps.dag)) return 'not-ready';
  const now = deps.clock.now();
  if (run.state === RunState.RETRYING && run.retryAt && run.retryAt > now.toISOString()) return 'not-ready';
  // A first start waits for notBefore; an operator's run (manual) and a retry go now.
  const gate = run.state === RunState.WAITING && !run.manual ? closedGate(job, run.date, now) : undefined;
  if (gate) return holdForNotBefore(deps, job, run, gate, by);

  let target = opts.cluster;
  if (job.pool && !target) {
    target = await deps.clusters.liveClusterFor(job.pool, now);
    if (!target) return waitForCluster(deps, job, run, by);
  }

  const claimed = await deps.store.transition(
    claim(run, {
      token: randomUUID(),
      at: now.toISOString(),
      leaseUntil: addMinutes(now, deps.tuning.claimLeaseMinutes).toISOString(),
      cluster: target,
      by,
      why: target ? `all upstreams done; cluster ${target.name} (${target.id})` : 'all upstreams done',
    }),
  );
  if (!claimed.ok) return 'lost-race';
  return submitClaimed(deps, job, claimed.run, by, target);
}

/**
 * Holds a ready run until its gate: due then, when the sweeper dispatches it.
 * A run already due at its gate is left as it is, so duplicate events and
 * sweeps before the gate write nothing.
 */
async function holdForNotBefore(deps: EngineDeps, job: Job, run: Run, gate: Date, by: Actor): Promise<DispatchOutcome> {
  const until = gate.toISOString();
  if (run.dueAt === until) return 'not-before';
  await deps.store.transition(
    holdUntilNotBefore(run, {
      until,
      deadlineAt: addMinutes(gate, job.timeoutMinutes).toISOString(),
      gate: describeNotBefore(job),
      at: deps.clock.now().toISOString(),
      by,
    }),
  );
  return 'not-before';
}

async function waitForCluster(deps: EngineDeps, job: Job, run: Run, by: Actor): Promise<DispatchOutcome> {
  const now = deps.clock.now();
  const deadlineAt = run.deadlineAt ?? addMinutes(now, job.timeoutMinutes).toISOString();
  const recheckAt = addMinutes(now, deps.tuning.clusterRecheckMinutes).toISOString();
  // ISO timestamps compare as strings (Math.min would not do).
  const dueAt = recheckAt < deadlineAt ? recheckAt : deadlineAt;
  await deps.store.transition(waitForClusterTransition(run, { pool: job.pool as string, deadlineAt, dueAt, at: now.toISOString(), by }));
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
    default:
      return renderServiceTarget(t, ctx);
  }
}

/** What the submit call's target is, for people: "Data Pipeline df-…", "EMR cluster j-…". */
function targetLabel(request: SubmitRequest): string {
  const t = request.target;
  return serviceTargetLabel(t) ?? (t.type === 'datapipeline' ? `Data Pipeline ${t.pipeline}` : `EMR cluster ${request.cluster?.id ?? '?'}`);
}

/**
 * What one submit call ended in. A call that may have taken effect (5xx,
 * timeout, lost connection) is never simply sent again: the control plane is
 * asked first, and only a proven "not there" allows a resend.
 */
type SubmitStep =
  | { readonly kind: 'submitted'; readonly result: SubmitResult }
  | { readonly kind: 'retry'; readonly error: unknown }
  | { readonly kind: 'give-up'; readonly error: unknown }
  | { readonly kind: 'uncertain'; readonly error: unknown };

async function submitOnce(deps: EngineDeps, run: Run, request: SubmitRequest): Promise<SubmitStep> {
  try {
    return { kind: 'submitted', result: await deps.submitter.submit(request) };
  } catch (err) {
    if (!(err instanceof SubmitError)) return { kind: 'uncertain', error: err };
    if (!err.maybeApplied) return err.retryable ? { kind: 'retry', error: err } : { kind: 'give-up', error: err };
    const found = await lookUpSubmission(deps, {
      job: run.job,
      date: run.date,
      attempt: run.attempt,
      type: request.target.type,
      clusterId: request.cluster?.id,
      target: request.target,
      since: run.claimedAt,
    });
    if (found === 'unknown') return { kind: 'uncertain', error: err };
    if (found) return { kind: 'submitted', result: found };
    return err.retryable ? { kind: 'retry', error: err } : { kind: 'give-up', error: err };
  }
}

/**
 * Asks the control plane for an attempt's submission, with the same backoff as
 * submits (a lookup that failed once is not yet a reason to park a run);
 * 'unknown' when it cannot say after every try.
 */
export async function lookUpSubmission(deps: EngineDeps, ref: SubmissionRef): Promise<SubmitResult | undefined | 'unknown'> {
  for (let i = 0; i < deps.tuning.submitTries; i++) {
    if (i > 0) await deps.clock.sleep(backoffMs(i - 1, deps.tuning.submitBackoffBaseMs, deps.tuning.submitBackoffCapMs));
    try {
      return await deps.submitter.findSubmission(ref);
    } catch (err) {
      deps.log.warn('submission lookup failed', { job: ref.job, date: ref.date, attempt: ref.attempt, error: String(err) });
    }
  }
  return 'unknown';
}

/** The submit call of a run's attempt, every template rendered (throws TemplateError). */
export async function renderRequest(deps: EngineDeps, job: Job, run: Run, cluster: LiveCluster | undefined): Promise<SubmitRequest> {
  const ctx: TemplateContext = {
    job: run.job,
    date: run.date,
    attempt: run.attempt,
    cluster: cluster && { id: cluster.id, name: cluster.name, masterIp: cluster.masterIp },
    params: await upstreamParamsOf(deps, job, run),
    paramRules: job.params,
  };
  return { job: run.job, date: run.date, attempt: run.attempt, target: renderTarget(job, ctx), cluster };
}

/** Renders and submits a run this handler has claimed; records SUBMITTED, parks it, or ends it. */
export async function submitClaimed(
  deps: EngineDeps,
  job: Job,
  run: Run,
  by: Actor,
  cluster: LiveCluster | undefined,
): Promise<DispatchOutcome> {
  let request: SubmitRequest;
  try {
    request = await renderRequest(deps, job, run, cluster);
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    await endInFailure(deps, {
      key: run,
      guard: claimGuard(run),
      to: RunState.FAILED,
      kind: 'SUBMIT_FAILED',
      reason: err.message,
      by,
      why: 'template could not be rendered',
    });
    return 'failed';
  }
  // Shadow mode: the same claim and the same rendered request, but recorded instead of sent (docs/shadow.md).
  if (isShadow(job)) return recordShadow(deps, run, by, request);

  let step: SubmitStep = { kind: 'retry', error: undefined };
  // A busy target is not tried again within this handler: the run waits for it (busy-target.ts).
  for (let i = 0; i < deps.tuning.submitTries && step.kind === 'retry' && !isBusy(step.error); i++) {
    if (i > 0) await deps.clock.sleep(backoffMs(i - 1, deps.tuning.submitBackoffBaseMs, deps.tuning.submitBackoffCapMs));
    step = await submitOnce(deps, run, request);
    if (step.kind !== 'submitted')
      deps.log.warn('submit failed', {
        job: run.job,
        date: run.date,
        attempt: run.attempt,
        try: i + 1,
        outcome: step.kind,
        error: String(step.error),
      });
  }

  if (step.kind === 'submitted') {
    // The run IS submitted now, so a failure to record it must not submit again. It fails the
    // handler instead; the sweeper finds the submission once the claim lease expires (recoverClaim).
    const now = deps.clock.now();
    const result = step.result;
    await deps.store.transition(
      recordSubmission(run, {
        submissionId: result.submissionId,
        clusterId: result.clusterId ?? cluster?.id,
        maxRuntimeDueAt: job.maxRuntimeMinutes ? addMinutes(now, job.maxRuntimeMinutes).toISOString() : undefined,
        at: now.toISOString(),
        by,
        why: cluster ? `submitted ${result.submissionId} to cluster ${cluster.name} (${cluster.id})` : `submitted ${result.submissionId}`,
      }),
    );
    // A lost guard here means the job's marker already arrived: nothing to undo.
    return 'submitted';
  }
  const message = step.error instanceof Error ? step.error.message : String(step.error);
  // A busy target (docs/targets.md, "glue") is a wait, not a failure: for timeoutMinutes from the attempt's start.
  if (step.kind === 'retry' && isBusy(step.error) && (await waitWhileBusy(deps, job, run, by, message))) return 'busy';
  if (step.kind === 'uncertain') {
    await parkAsUncertain(deps, job, run, by, message, targetLabel(request));
    return 'uncertain';
  }
  await endInFailure(deps, {
    key: run,
    guard: claimGuard(run),
    to: RunState.FAILED,
    kind: 'SUBMIT_FAILED',
    reason: `submit failed: ${message}`,
    by,
    why: 'submission failed',
  });
  return 'failed';
}

/**
 * Parks a claimed run whose submission may or may not have happened: never
 * resent; its marker still ends it, and without one it times out at
 * maxRuntimeMinutes (or timeoutMinutes) like any wait, so nothing stalls.
 */
export async function parkAsUncertain(deps: EngineDeps, job: Job, run: Run, by: Actor, why: string, target: string): Promise<void> {
  const now = deps.clock.now();
  const parked = await deps.store.transition(
    parkUncertain(run, {
      reason: `submit outcome unknown: ${why}`,
      dueAt: addMinutes(now, job.maxRuntimeMinutes ?? job.timeoutMinutes).toISOString(),
      at: now.toISOString(),
      by,
    }),
  );
  if (!parked.ok) return;
  await raiseRunAlert(deps, run, AlertKind.SUBMIT_UNCERTAIN, submitUncertainText(run.job, run.date, why, target));
}
