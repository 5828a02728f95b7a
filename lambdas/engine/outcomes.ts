import { AlertKind, type AlertText, failedText, submitFailedText, type TimeoutCause, timedOutText } from '../domain/alerts';
import { runsOn } from '../domain/calendar';
import { jobOf } from '../domain/config/dag';
import { downstreamLinks, upstreamLinks, waitDeadline } from '../domain/period-mapping';
import type { Actor, Run, RunKey } from '../domain/runs/run';
import { FAILURE_STATES, RunState } from '../domain/runs/states';
import {
  endInFailure as endInFailureTransition,
  markPropagated as propagatedTransition,
  type RunFields,
  type TransitionGuard,
  upstreamFailed,
} from '../domain/runs/transitions';
import { addMinutes } from '../ports/clock';
import { raiseRunAlert } from './alerting';
import type { EngineDeps } from './deps';
import { dispatch } from './dispatch';
import { skipRun } from './skips';

/**
 * What happens after a run ends: success is passed to each downstream run,
 * failure breaks the downstream chain. Until that is done the run keeps a
 * `dueAt`, so a handler that dies midway is finished by the sweeper.
 */

export type FailureKind = NonNullable<Run['failureKind']>;

function failureText(kind: FailureKind, run: Run, reason: string, cause?: TimeoutCause): AlertText {
  switch (kind) {
    case 'TIMED_OUT':
      return timedOutText(run.job, run.date, reason, cause);
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
  readonly set?: RunFields;
  /** For TIMED_OUT: what the run waited for, so the alert's next step fits. */
  readonly cause?: TimeoutCause;
}

/** Ends a run in FAILED or TIMED_OUT, alerts, and fails its downstream chain. Undefined if the guard lost. */
export async function endInFailure(deps: EngineDeps, end: EndInFailure): Promise<Run | undefined> {
  const now = deps.clock.now();
  const result = await deps.store.transition(
    endInFailureTransition(end.key, {
      guard: end.guard,
      to: end.to,
      kind: end.kind,
      reason: end.reason,
      why: end.why,
      finishedAt: end.finishedAt ?? now.toISOString(),
      watchUntil: addMinutes(now, deps.tuning.claimLeaseMinutes).toISOString(),
      set: end.set,
      at: now.toISOString(),
      by: end.by,
    }),
  );
  if (!result.ok) return undefined;
  await finishFailure(deps, result.run, end.by, end.cause);
  return result.run;
}

/** The part of a failure after the state change: alert, chain, bookkeeping. Idempotent. */
export async function finishFailure(deps: EngineDeps, run: Run, by: Actor, cause?: TimeoutCause): Promise<void> {
  const kind: FailureKind = run.failureKind ?? (run.state === RunState.TIMED_OUT ? 'TIMED_OUT' : 'FAILED');
  await raiseRunAlert(deps, run, AlertKind[kind], failureText(kind, run, run.reason ?? 'no reason recorded', cause));
  await failDownstream(deps, run, by);
  await markPropagated(deps, run);
}

/**
 * Marks every transitive downstream run that still waits as UPSTREAM_FAILED.
 * Each write names the parent and its attempt: a run that a replay reopened to
 * wait for a newer attempt of that parent is left alone. Runs already running
 * or finished keep their state and stop the walk.
 */
export async function failDownstream(deps: EngineDeps, failed: Run, by: Actor): Promise<number> {
  const now = deps.clock.now().toISOString();
  const visited = new Set<string>();
  const queue: Run[] = [failed];
  let count = 0;
  while (queue.length > 0) {
    const parent = queue.shift() as Run;
    // The downstream runs of the parent's period (docs/hourly.md#dependency-mappings): a failed hour
    // fails that hour downstream and the day of a daily job waiting for it; a failed day, its 24 hours.
    for (const link of downstreamLinks(deps.dag, jobOf(deps.dag, parent.job), parent.date)) {
      const id = `${link.job} ${link.date}`;
      if (visited.has(id)) continue;
      visited.add(id);
      // A child that does not run on the date is SKIPPED, not failed: it would not have run anyway (docs/calendars.md).
      // Unless an operator started it that day (replay --force): then it waits like any run, and fails like one.
      const child = jobOf(deps.dag, link.job);
      if (!runsOn(child, link.date)) {
        const skipped = await skipRun(deps, child, link.date, by);
        if (skipped?.state !== RunState.WAITING) continue;
      }
      const result = await deps.store.transition(upstreamFailed({ job: link.job, date: link.date }, parent, { at: now, by }, link.entry));
      if (result.ok) {
        count++;
        queue.push(result.run);
      } else if (result.current && FAILURE_STATES.includes(result.current.state)) {
        // Already failed by another path (or by an earlier, interrupted walk): its children may not be.
        queue.push(result.current);
      }
    }
  }
  return count;
}

/** Passes a success to every direct downstream run and dispatches the ones now ready. */
export async function propagateSuccess(deps: EngineDeps, run: Run, by: Actor): Promise<void> {
  const now = deps.clock.now();
  for (const link of downstreamLinks(deps.dag, jobOf(deps.dag, run.job), run.date)) {
    const child = jobOf(deps.dag, link.job);
    if (!runsOn(child, link.date)) {
      // Its calendar excludes the date: the first upstream outcome to reach it records it SKIPPED (docs/calendars.md).
      // An operator's attempt on that date (replay --force --downstream) waits for this success like any run.
      const skipped = await skipRun(deps, child, link.date, by);
      if (skipped?.state !== RunState.WAITING) continue;
    }
    const key = { job: link.job, date: link.date };
    const result = await deps.store.addUpstreamDone({
      key,
      upstream: link.entry,
      upstreamAttempt: run.attempt,
      at: now.toISOString(),
      deadlineAt: waitDeadline(deps.dag, child, link.date, now).toISOString(),
      by,
    });
    // Lost: counted before (a retried handler: it may still need its dispatch), waiting for a newer
    // attempt of this upstream, or no longer waiting. Only the first may still need a dispatch.
    const waiting = result.ok
      ? result.run
      : result.current?.state === RunState.WAITING && result.current.doneUpstreams.includes(link.entry)
        ? result.current
        : undefined;
    if (waiting) await dispatch(deps, waiting, by);
  }
  await markPropagated(deps, run);
}

/** Records that the outcome reached every downstream run, and stops the sweeper's watch. */
export async function markPropagated(deps: EngineDeps, run: Run): Promise<void> {
  if (run.propagatedAt) return;
  await deps.store.transition(propagatedTransition(run, { at: deps.clock.now().toISOString(), by: 'scheduler' }));
}

/**
 * Upstreams missing from a waiting run's done set that in fact SUCCEEDED (at
 * an attempt the run waits for): an event lost, or a done set left behind by
 * an earlier attempt. Adds them, as their own propagation would have.
 * Returns the run as it is afterwards.
 */
export async function repairDoneSet(deps: EngineDeps, run: Run, by: Actor): Promise<Run> {
  const job = jobOf(deps.dag, run.job);
  const done = new Set(run.doneUpstreams);
  const missing = upstreamLinks(deps.dag, job, run.date).filter((l) => !done.has(l.entry));
  if (missing.length === 0 || run.state !== RunState.WAITING) return run;
  let current = run;
  const now = deps.clock.now();
  const upstreams = await deps.store.getMany(missing.map((l) => ({ job: l.upstream, date: l.date })));
  for (const link of missing) {
    const upstream = upstreams.find((u) => u.job === link.upstream && u.date === link.date);
    if (upstream?.state !== RunState.SUCCEEDED || upstream.attempt < (run.upstreamFloors[link.entry] ?? 0)) continue;
    const result = await deps.store.addUpstreamDone({
      key: run,
      upstream: link.entry,
      upstreamAttempt: upstream.attempt,
      at: now.toISOString(),
      deadlineAt: waitDeadline(deps.dag, job, run.date, now).toISOString(),
      by,
    });
    if (result.ok) current = result.run;
    else if (result.current) current = result.current;
  }
  return current;
}
