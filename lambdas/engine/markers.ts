import { AlertKind, markerRejectedText } from '../domain/alerts';
import type { Job } from '../domain/config/dag';
import {
  failureReasonOf,
  MAX_MARKER_BODY_BYTES,
  type MarkerBody,
  type MarkerKey,
  MarkerRejection,
  parseMarkerBody,
  parseMarkerKey,
} from '../domain/markers';
import { type RunDate, runDateIn } from '../domain/run-date';
import { RunState } from '../domain/runs/states';
import { addMinutes } from '../ports/clock';
import { raiseAlert } from './alerting';
import type { EngineDeps } from './deps';
import { failAttempt } from './failures';
import { CLEARED_AT_END, propagateSuccess } from './outcomes';

/** One S3 object-created event for the marker bucket, normalised (key decoded). */
export interface MarkerEvent {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly eventTime: string;
  /**
   * S3's per-key ordering token (hex). Absent for completions re-driven by
   * `reconcile` from a bucket listing: the run's state guards them instead.
   */
  readonly sequencer?: string;
  readonly versionId?: string;
}

export type MarkerOutcome =
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'succeeded' | 'failed' | 'retrying'; readonly job: string; readonly date: string }
  /** A duplicate, an event of an older attempt, or a marker for a run that already ended. */
  | { readonly kind: 'ignored'; readonly job: string; readonly date: string };

/** Markers are accepted while the run has not ended; an ended run needs a new attempt (replay, mark). */
const OPEN_STATES = [
  RunState.PENDING,
  RunState.WAITING,
  RunState.WAITING_FOR_CLUSTER,
  RunState.SUBMITTING,
  RunState.SUBMITTED,
  RunState.RETRYING,
];

/** Sequencers are hex of varying length; padded they compare as strings. */
export function normaliseSequencer(sequencer: string): string;
export function normaliseSequencer(sequencer: string | undefined): string | undefined;
export function normaliseSequencer(sequencer: string | undefined): string | undefined {
  return sequencer?.toUpperCase().padStart(32, '0');
}

async function reject(deps: EngineDeps, event: MarkerEvent, rejection: MarkerRejection, date?: RunDate): Promise<MarkerOutcome> {
  const now = deps.clock.now().toISOString();
  const sequencer = normaliseSequencer(event.sequencer) ?? event.eventTime;
  const first = await deps.store.putRejection({ key: event.key, sequencer, reason: rejection.reason, at: now, eventTime: event.eventTime });
  if (first) {
    await raiseAlert(deps, {
      kind: AlertKind.MARKER_REJECTED,
      date: date ?? runDateIn(new Date(event.eventTime), 'UTC'),
      subject: `${event.key}#${sequencer}`,
      ...markerRejectedText(event.key, rejection.reason),
    });
  }
  deps.log.warn('marker rejected', { key: event.key, reason: rejection.reason, firstTime: first });
  return { kind: 'rejected', reason: rejection.reason };
}

/** Handles one marker event: validates it, then records the job's outcome and passes it downstream. */
export async function onMarker(deps: EngineDeps, event: MarkerEvent): Promise<MarkerOutcome> {
  const parsed = parseMarkerKey(event.key, (name) => deps.dag.jobs.has(name));
  if (parsed instanceof MarkerRejection) return reject(deps, event, parsed);
  let body: MarkerBody = { params: {} };
  if (event.size > MAX_MARKER_BODY_BYTES) {
    return reject(
      deps,
      event,
      new MarkerRejection(event.key, `body is ${event.size} bytes; the limit is ${MAX_MARKER_BODY_BYTES}`),
      parsed.date,
    );
  }
  if (event.size > 0) {
    const text = await deps.markers.read(event.bucket, event.key, event.versionId);
    if (text === undefined) {
      return reject(deps, event, new MarkerRejection(event.key, 'the object (or this version of it) no longer exists'), parsed.date);
    }
    const result = parseMarkerBody(text);
    if (typeof result === 'string') return reject(deps, event, new MarkerRejection(event.key, result), parsed.date);
    body = result;
  }
  const job = deps.dag.jobs.get(parsed.job) as Job;
  return parsed.status === 'done' ? succeed(deps, job, parsed, body, event) : fail(deps, job, parsed, body, event);
}

async function succeed(deps: EngineDeps, job: Job, marker: MarkerKey, body: MarkerBody, event: MarkerEvent): Promise<MarkerOutcome> {
  const now = deps.clock.now();
  const leaf = job.dependents.length === 0;
  const sequencer = normaliseSequencer(event.sequencer);
  const run = await deps.store.transition({
    key: marker,
    guard: {
      states: OPEN_STATES,
      ...(sequencer ? { newerMarker: { field: 'lastDoneSeq', sequencer } as const } : {}),
      eventNotBefore: event.eventTime,
    },
    to: RunState.SUCCEEDED,
    set: {
      finishedAt: event.eventTime,
      params: body.params,
      meta: body.meta,
      markerKey: marker.key,
      lastDoneSeq: sequencer,
      // Until every downstream run has heard of it, the sweeper keeps an eye on it.
      ...(leaf ? { propagatedAt: now.toISOString() } : { dueAt: addMinutes(now, deps.tuning.claimLeaseMinutes).toISOString() }),
    },
    remove: [...CLEARED_AT_END, 'reason', 'failureKind', ...(leaf ? (['dueAt'] as const) : [])],
    by: 'scheduler',
    why: `marker ${marker.key}`,
    at: now.toISOString(),
  });
  if (!run) return { kind: 'ignored', job: marker.job, date: marker.date };
  if (!leaf) await propagateSuccess(deps, run, 'scheduler');
  return { kind: 'succeeded', job: marker.job, date: marker.date };
}

async function fail(deps: EngineDeps, job: Job, marker: MarkerKey, body: MarkerBody, event: MarkerEvent): Promise<MarkerOutcome> {
  const outcome = await failAttempt(deps, job, {
    key: marker,
    why: failureReasonOf(body) ?? `the job wrote ${marker.key}`,
    at: event.eventTime,
    by: 'scheduler',
    source: `marker ${marker.key}`,
    marker: { key: marker.key, sequencer: normaliseSequencer(event.sequencer), meta: body.meta },
  });
  return { kind: outcome, job: marker.job, date: marker.date };
}
