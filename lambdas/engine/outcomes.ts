import { AlertKind, type AlertText, failedText, submitFailedText, timedOutText } from '../domain/alerts';
import type { Job } from '../domain/config/dag';
import type { Actor, Run, RunKey } from '../domain/runs/run';
import { FAILURE_STATES, RunState } from '../domain/runs/states';
import { addMinutes } from '../ports/clock';
import type { RemovableField, TransitionGuard } from '../ports/run-store';
import { raiseAlert } from './alerting';
import type { EngineDeps } from './deps';
import { dispatch } from './dispatch';

/**
 * What happens after a run ends: success is passed to each downstream run,
 * failure breaks the downstream chain. Until that is done the run keeps a
 * `dueAt`, so a handler that dies midway is finished by the sweeper.
 */

/** Fields that mean nothing once a run has ended. */
export const CLEARED_AT_END: readonly RemovableField[] = ['waitPool', 'claimToken', 'claimedAt', 'retryAt', 'deadlineAt'];

export type FailureKind = NonNullable<Run['failureKind']>;

function failureText(kind: FailureKind, run: Run, reason: string): AlertText {
  switch (kind) {
    case 'TIMED_OUT':
      return timedOutText(run.job, run.date, reason);
    case 'SUBMIT_FAILED':
      return submitFailedText(run.job, run.date, reason);
    case 'FAILED':
      return failedText(run.job, run.date, reason, run.attempt);
  }
}

export interface EndInFailure {
  readonly key: RunKey;
  readonly guard: TransitionGuard;
  readonly to: typeof RunState.FAILED | typeof RunState.TIMED_OUT;
  readonly kind: FailureKind;
  readonly reason: string;
  readonly by: Actor;
  readonly why: string;
  readonly finishedAt?: string;
  readonly set?: Partial<Run>;
}

/** Ends a run in FAILED or TIMED_OUT, alerts, and fails its downstream chain. Undefined if the guard lost. */
export async function endInFailure(deps: EngineDeps, end: EndInFailure): Promise<Run | undefined> {
  const now = deps.clock.now();
  const run = await deps.store.transition({
    key: end.key,
    guard: end.guard,
    to: end.to,
    set: {
      ...end.set,
      reason: end.reason,
      failureKind: end.kind,
      finishedAt: end.finishedAt ?? now.toISOString(),
      dueAt: addMinutes(now, deps.tuning.claimLeaseMinutes).toISOString(),
    },
    remove: CLEARED_AT_END,
    by: end.by,
    why: end.why,
    at: now.toISOString(),
  });
  if (!run) return undefined;
  await finishFailure(deps, run, end.by);
  return run;
}

/** The part of a failure after the state change: alert, chain, bookkeeping. Idempotent. */
export async function finishFailure(deps: EngineDeps, run: Run, by: Actor): Promise<void> {
  const kind: FailureKind = run.failureKind ?? (run.state === RunState.TIMED_OUT ? 'TIMED_OUT' : 'FAILED');
  await raiseAlert(deps, {
    kind: AlertKind[kind],
    job: run.job,
    date: run.date,
    attempt: run.attempt,
    ...failureText(kind, run, run.reason ?? 'no reason recorded'),
  });
  await failDownstream(deps, run, by);
  await markPropagated(deps, run);
}

/**
 * Marks every transitive downstream run that still waits as UPSTREAM_FAILED.
 * Runs already running or finished keep their state and stop the walk.
 */
export async function failDownstream(deps: EngineDeps, failed: Run, by: Actor): Promise<number> {
  const now = deps.clock.now().toISOString();
  const visited = new Set<string>();
  const queue = [...(deps.dag.jobs.get(failed.job)?.dependents ?? [])];
  let count = 0;
  while (queue.length > 0) {
    const name = queue.shift() as string;
    if (visited.has(name)) continue;
    visited.add(name);
    const key = { job: name, date: failed.date };
    const changed = await deps.store.transition({
      key,
      guard: { states: [RunState.PENDING, RunState.WAITING, RunState.WAITING_FOR_CLUSTER] },
      to: RunState.UPSTREAM_FAILED,
      set: { reason: `upstream ${failed.job} ${failed.state}`, finishedAt: now },
      remove: [...CLEARED_AT_END, 'dueAt'],
      by,
      why: `upstream ${failed.job} ${failed.state}`,
      at: now,
    });
    let descend = changed !== undefined;
    if (changed) count++;
    else {
      // Already failed by another path (or by an earlier, interrupted walk): its children may not be.
      const current = await deps.store.get(key);
      descend = current !== undefined && FAILURE_STATES.includes(current.state);
    }
    if (descend) queue.push(...((deps.dag.jobs.get(name) as Job).dependents ?? []));
  }
  return count;
}

/** Passes a success to every direct downstream run and dispatches the ones now ready. */
export async function propagateSuccess(deps: EngineDeps, run: Run, by: Actor): Promise<void> {
  const now = deps.clock.now();
  const job = deps.dag.jobs.get(run.job) as Job;
  for (const childName of job.dependents) {
    const child = deps.dag.jobs.get(childName) as Job;
    const key = { job: childName, date: run.date };
    let updated = await deps.store.addUpstreamDone({
      key,
      upstream: run.job,
      params: run.params ?? {},
      at: now.toISOString(),
      deadlineAt: addMinutes(now, child.timeoutMinutes).toISOString(),
      by,
    });
    if (!updated) {
      // Counted before (a retried handler) or no longer waiting: only the former may still need a dispatch.
      const current = await deps.store.get(key);
      updated = current?.state === RunState.WAITING ? current : undefined;
    }
    if (updated) await dispatch(deps, updated, by);
  }
  await markPropagated(deps, run);
}

/** Records that the outcome reached every downstream run, and stops the sweeper's watch. */
export async function markPropagated(deps: EngineDeps, run: Run): Promise<void> {
  if (run.propagatedAt) return;
  const now = deps.clock.now().toISOString();
  await deps.store.transition({
    key: run,
    guard: { states: [run.state], attempt: run.attempt },
    to: run.state,
    set: { propagatedAt: now },
    remove: ['dueAt'],
    by: 'scheduler',
    why: 'outcome propagated',
    at: now,
    quiet: true,
  });
}
