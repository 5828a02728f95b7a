import type { Job } from '../domain/config/dag';
import type { Actor, RunKey } from '../domain/runs/run';
import { OPEN_STATES, RunState } from '../domain/runs/states';
import { retry, type TransitionGuard } from '../domain/runs/transitions';
import { addMinutes } from '../ports/clock';
import type { EngineDeps } from './deps';
import { dispatch } from './dispatch';
import { endInFailure } from './outcomes';

/** A job attempt reported failed: by a `.failed` marker or a failed EMR step. */
export interface AttemptFailure {
  readonly key: RunKey;
  readonly why: string;
  /** When it failed (the event's time). */
  readonly at: string;
  readonly by: Actor;
  /** For the history entry, e.g. `marker x__20261122.failed` or `step s-123 FAILED`. */
  readonly source: string;
  /** Known for EMR steps (from the step name) and markers that name it: events of other attempts change nothing. */
  readonly attempt?: number;
  readonly marker?: {
    readonly key: string;
    readonly sequencer?: string;
    readonly versionId?: string;
    readonly meta?: Readonly<Record<string, unknown>>;
  };
}

/** States in which a job can be reported failed; ended runs need a new attempt first. */
const FAILABLE_STATES = OPEN_STATES.filter((s) => s !== RunState.RETRYING);

/**
 * States whose attempt a failure may retry. A shadow run retries as a live one
 * would (a new shadow decision at `retryAt`, nothing sent: docs/shadow.md).
 */
const RETRYABLE_STATES: readonly RunState[] = [
  RunState.SUBMITTING,
  RunState.SUBMITTED,
  RunState.SUBMIT_UNCERTAIN,
  RunState.SHADOW_SUBMITTED,
];

/**
 * Records a failed attempt: a new attempt after `retryDelayMinutes` while
 * retries remain (SPEC §4.4), otherwise FAILED with an alert and the downstream
 * chain failed.
 */
export async function failAttempt(deps: EngineDeps, job: Job, f: AttemptFailure): Promise<'retrying' | 'failed' | 'ignored'> {
  const now = deps.clock.now();
  const guard: Omit<TransitionGuard, 'states'> = {
    // An event that names its attempt is judged by it; only a marker that does not is judged by time.
    ...(f.attempt !== undefined ? { attempt: f.attempt } : f.marker ? { eventNotBefore: f.at } : {}),
    ...(f.marker?.sequencer ? { newerMarker: { field: 'lastFailedSeq', sequencer: f.marker.sequencer } as const } : {}),
  };
  const markerFields = f.marker
    ? { lastFailedSeq: f.marker.sequencer, meta: f.marker.meta, markerKey: f.marker.key, markerVersion: f.marker.versionId }
    : {};
  const current = await deps.store.get(f.key);
  const canRetry =
    current !== undefined &&
    job.target.type !== 'external' &&
    RETRYABLE_STATES.includes(current.state) &&
    (f.attempt === undefined || f.attempt === current.attempt) &&
    current.retriesUsed < job.retries;
  if (current && canRetry) {
    const retryAt = addMinutes(now, job.retryDelayMinutes).toISOString();
    const retrying = await deps.store.transition(
      retry(current, {
        guard,
        retryAt,
        retries: job.retries,
        why: f.why,
        source: f.source,
        set: markerFields,
        at: now.toISOString(),
        by: f.by,
      }),
    );
    if (!retrying.ok) return 'ignored';
    if (job.retryDelayMinutes === 0) await dispatch(deps, retrying.run, f.by);
    return 'retrying';
  }
  const failed = await endInFailure(deps, {
    key: f.key,
    guard: { ...guard, states: FAILABLE_STATES },
    to: RunState.FAILED,
    kind: 'FAILED',
    reason: f.why,
    by: f.by,
    why: f.source,
    finishedAt: f.at,
    set: markerFields,
  });
  return failed ? 'failed' : 'ignored';
}
