import type { Job } from '../../domain/config/dag';
import type { RunDate } from '../../domain/run-date';
import type { Actor, Run } from '../../domain/runs/run';
import { IN_FLIGHT_STATES, RunState } from '../../domain/runs/states';
import type { EngineDeps } from '../deps';
import { OperationRefusedError } from './errors';

/** Fields of an attempt that a new attempt must not inherit. */
const ATTEMPT_FIELDS = [
  'claimToken',
  'claimedAt',
  'submittedAt',
  'submissionId',
  'clusterId',
  'clusterName',
  'finishedAt',
  'reason',
  'retryAt',
  'propagatedAt',
  'params',
  'meta',
  'markerKey',
  'failureKind',
  'waitPool',
  'deadlineAt',
  'waitStartedAt',
  'dueAt',
] as const;

/** Refuses to start over a run that is running, unless forced. */
export function assertNotInFlight(run: Run | undefined, force: boolean): void {
  if (run && IN_FLIGHT_STATES.includes(run.state) && !force) {
    throw new OperationRefusedError(
      `${run.job} ${run.date} is ${run.state} (attempt ${run.attempt}, submitted ${run.submittedAt ?? 'just now'}); wait for it to finish or pass --force`,
    );
  }
}

/**
 * Starts a new attempt on purpose. `manual` attempts are dispatched now,
 * whatever their upstreams say (rsched run, the root of a replay); others wait
 * for the upstreams not listed in `done` (a replay's downstream runs). Markers
 * written before now belong to older attempts and change nothing.
 */
export async function startAttempt(
  deps: EngineDeps,
  job: Job,
  date: RunDate,
  opts: { by: Actor; why: string; manual: boolean; done?: readonly string[]; force?: boolean; current?: Run },
): Promise<Run> {
  const key = { job: job.name, date };
  const now = deps.clock.now().toISOString();
  for (let tries = 0; tries < 3; tries++) {
    const current = tries === 0 && opts.current ? opts.current : await deps.store.get(key);
    assertNotInFlight(current, opts.force ?? false);
    const upstreamParams = current?.upstreamParams ?? {};
    const done = opts.done ?? current?.doneUpstreams ?? [];
    const started = await deps.store.transition({
      key,
      guard: current ? { states: [current.state], attempt: current.attempt } : { states: [RunState.PENDING] },
      to: RunState.WAITING,
      set: {
        attempt: (current?.attempt ?? 0) + 1,
        attemptStartedAt: now,
        markersFrom: now,
        retriesUsed: 0,
        manual: opts.manual,
        doneUpstreams: done,
        ...(opts.manual ? { dueAt: now } : {}),
      },
      removeUpstreamParams: Object.keys(upstreamParams).filter((u) => !done.includes(u)),
      remove: opts.manual ? ATTEMPT_FIELDS.filter((f) => f !== 'dueAt') : ATTEMPT_FIELDS,
      by: opts.by,
      why: opts.why,
      at: now,
    });
    if (started) return started;
  }
  throw new OperationRefusedError(`${job.name} ${date} kept changing while a new attempt was being started; try again`);
}
