import { AlertKind, markerConflictText, markerRejectedText } from '../domain/alerts';
import { type Job, jobOf } from '../domain/config/dag';
import { isRedelivery } from '../domain/late-data';
import {
  failureReasonOf,
  MAX_MARKER_BODY_BYTES,
  type MarkerBody,
  type MarkerKey,
  MarkerRejection,
  normaliseSequencer,
  parseMarkerBody,
  parseMarkerKey,
} from '../domain/markers';
import { paramValueProblem } from '../domain/params';
import { periodProblem } from '../domain/period-mapping';
import { addDays, type RunDate, runDateIn } from '../domain/run-date';
import { dayOf } from '../domain/run-hour';
import type { Run } from '../domain/runs/run';
import { OPEN_STATES, RunState } from '../domain/runs/states';
import { noteConflict, succeedByMarker, type TransitionGuard } from '../domain/runs/transitions';
import { addMinutes } from '../ports/clock';
import { raiseAlert, raiseRunAlert } from './alerting';
import type { EngineDeps } from './deps';
import { failAttempt } from './failures';
import { onRedelivery } from './late-data';
import { propagateSuccess } from './outcomes';
import { usesParam } from './upstream-params';

export { normaliseSequencer };

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

async function reject(deps: EngineDeps, event: MarkerEvent, rejection: MarkerRejection, date?: RunDate): Promise<MarkerOutcome> {
  const now = deps.clock.now().toISOString();
  const sequencer = normaliseSequencer(event.sequencer) ?? event.eventTime;
  const first = await deps.store.putRejection({ key: event.key, sequencer, reason: rejection.reason, at: now, eventTime: event.eventTime });
  // Always through raiseAlert, which de-duplicates and re-sends an alert whose first publish failed:
  // a retried event must not find the rejection recorded and the alert never sent.
  await raiseAlert(deps, {
    kind: AlertKind.MARKER_REJECTED,
    date: date ?? runDateIn(new Date(event.eventTime), 'UTC'),
    subject: `${event.key}#${sequencer}`,
    ...markerRejectedText(event.key, rejection.reason),
  });
  deps.log.warn('marker rejected', { key: event.key, reason: rejection.reason, firstTime: first });
  return { kind: 'rejected', reason: rejection.reason };
}

/** Rejects a marker event for a reason found outside it (e.g. it came through the wrong topic). */
export async function rejectMarker(deps: EngineDeps, event: MarkerEvent, reason: string): Promise<MarkerOutcome> {
  const parsed = parseMarkerKey(event.key, (name) => deps.dag.jobs.has(name));
  return reject(deps, event, new MarkerRejection(event.key, reason), parsed instanceof MarkerRejection ? undefined : parsed.date);
}

/**
 * Handles one marker event: validates it, then records the job's outcome and
 * passes it downstream. Nothing in the event is taken on trust
 * (docs/threat-model.md): the bucket must be the marker bucket, the object is
 * always read from it (a record naming an object that is not there is
 * rejected, whatever size it claims), the key must sit under the job's
 * prefix, the run date inside the accepted window, and every param must pass
 * the rules of the jobs that will use it.
 */
export async function onMarker(deps: EngineDeps, event: MarkerEvent): Promise<MarkerOutcome> {
  const parsed = parseMarkerKey(event.key, (name) => deps.dag.jobs.has(name));
  if (parsed instanceof MarkerRejection) return reject(deps, event, parsed);
  const refuse = (reason: string) => reject(deps, event, new MarkerRejection(event.key, reason), parsed.date);
  const trusted = deps.trust?.bucket;
  if (trusted !== undefined && event.bucket !== trusted) return refuse(`bucket "${event.bucket}" is not the marker bucket "${trusted}"`);
  const job = jobOf(deps.dag, parsed.job);
  const prefix = job.markers.prefix;
  if (prefix !== undefined && parsed.prefix !== prefix) {
    return refuse(`markers of ${job.name} are accepted only under "${prefix}", not "${parsed.prefix}"`);
  }
  const period = periodProblem(job, parsed.date);
  if (period) return refuse(period);
  const window = dateWindowProblem(deps, dayOf(parsed.date));
  if (window) return refuse(window);
  if (event.size > MAX_MARKER_BODY_BYTES) return refuse(`body is ${event.size} bytes; the limit is ${MAX_MARKER_BODY_BYTES}`);
  const text = await deps.markers.read(event.bucket, event.key, event.versionId);
  if (text === undefined) return refuse('the object (or this version of it) does not exist in the bucket');
  const body = parseMarkerBody(text);
  if (typeof body === 'string') return refuse(body);
  const params = paramsProblem(deps, job, body);
  if (params) return refuse(params);
  return parsed.status === 'done' ? succeed(deps, job, parsed, body, event) : fail(deps, job, parsed, body, event);
}

/** Run dates far in the past or in the future are refused (default: 400 days back, 1 day ahead, UTC). */
function dateWindowProblem(deps: EngineDeps, date: RunDate): string | undefined {
  const today = runDateIn(deps.clock.now(), 'UTC');
  const earliest = addDays(today, -deps.tuning.markerDaysBack);
  const latest = addDays(today, deps.tuning.markerDaysAhead);
  if (date < earliest) return `run date ${date} is more than ${deps.tuning.markerDaysBack} days before today (${today})`;
  if (date > latest) return `run date ${date} is more than ${deps.tuning.markerDaysAhead} day(s) after today (${today})`;
  return undefined;
}

/** A param that a downstream job of this one would refuse: the marker is refused now, not at that job's submit. */
function paramsProblem(deps: EngineDeps, job: Job, body: MarkerBody): string | undefined {
  for (const childName of job.dependents) {
    const child = jobOf(deps.dag, childName);
    for (const [key, value] of Object.entries(body.params)) {
      if (!usesParam(child, key) && !Object.hasOwn(child.params, key)) continue;
      const problem = paramValueProblem(child.params, key, value);
      if (problem) return `${problem} (required by downstream job ${child.name})`;
    }
  }
  return undefined;
}

/** Which attempt a marker belongs to: by the attempt it names, else (only then) by time. */
function attemptGuard(body: MarkerBody, event: MarkerEvent): Pick<TransitionGuard, 'attempt' | 'eventNotBefore'> {
  return body.attempt !== undefined ? { attempt: body.attempt } : { eventNotBefore: event.eventTime };
}

/**
 * A `.done` and a `.failed` for one attempt: the first to arrive decided the
 * run; the other changes nothing, but is kept in the run's history and raises
 * one MARKER_CONFLICT alert (docs/markers.md). A duplicate delivery of the
 * losing marker finds its sequencer recorded and adds nothing.
 */
async function noteIfConflicting(
  deps: EngineDeps,
  run: Run | undefined,
  marker: MarkerKey,
  body: MarkerBody,
  event: MarkerEvent,
): Promise<void> {
  if (!run || !conflicts(run, marker, body)) return;
  const sequencer = normaliseSequencer(event.sequencer);
  const field = marker.status === 'done' ? 'lastDoneSeq' : 'lastFailedSeq';
  const now = deps.clock.now().toISOString();
  const noted = await deps.store.transition(
    noteConflict(run, {
      at: now,
      by: 'scheduler',
      why: `conflicting marker ${marker.key} ignored: attempt ${run.attempt} already ${run.state} by ${run.markerKey}`,
      ...(sequencer ? { newerMarker: { field, sequencer } } : {}),
    }),
  );
  if (!noted.ok) return;
  await raiseRunAlert(
    deps,
    run,
    AlertKind.MARKER_CONFLICT,
    markerConflictText(run.job, run.date, run.attempt, run.markerKey ?? run.state, marker.key),
  );
}

/**
 * A `.done` for a date the job's calendar skipped (docs/calendars.md): the run
 * stays SKIPPED — its downstream runs were skipped with it — and the marker
 * is kept in its history once (its sequencer guards the note). An operator
 * who means it runs the date with `rsched replay --force`.
 */
async function noteOnSkipped(deps: EngineDeps, run: Run, marker: MarkerKey, event: MarkerEvent): Promise<void> {
  const sequencer = normaliseSequencer(event.sequencer);
  await deps.store.transition(
    noteConflict(run, {
      at: deps.clock.now().toISOString(),
      by: 'scheduler',
      why: `marker ${marker.key} ignored: the run is SKIPPED (${run.reason ?? 'calendar'}); rsched replay ${run.job} --date ${run.date} --force runs it`,
      ...(sequencer ? { newerMarker: { field: 'lastDoneSeq' as const, sequencer } } : {}),
    }),
  );
}

/** The run's current attempt ended by the opposite marker, and this one is not of an older attempt. */
function conflicts(run: Run, marker: MarkerKey, body: MarkerBody): boolean {
  const ended = marker.status === 'done' ? run.state === RunState.FAILED : run.state === RunState.SUCCEEDED;
  const byMarker = run.markerKey?.endsWith(marker.status === 'done' ? '.failed' : '.done') === true;
  const sameAttempt = body.attempt === undefined || body.attempt === run.attempt;
  return ended && byMarker && sameAttempt;
}

async function succeed(deps: EngineDeps, job: Job, marker: MarkerKey, body: MarkerBody, event: MarkerEvent): Promise<MarkerOutcome> {
  const now = deps.clock.now();
  const leaf = job.dependents.length === 0;
  const sequencer = normaliseSequencer(event.sequencer);
  const result = await deps.store.transition(
    succeedByMarker(marker, {
      guard: {
        states: OPEN_STATES,
        ...(sequencer ? { newerMarker: { field: 'lastDoneSeq', sequencer } as const } : {}),
        ...attemptGuard(body, event),
      },
      marker: { key: marker.key, versionId: event.versionId, sequencer, finishedAt: event.eventTime },
      params: body.params,
      meta: body.meta,
      watchUntil: leaf ? undefined : addMinutes(now, deps.tuning.claimLeaseMinutes).toISOString(),
      at: now.toISOString(),
      by: 'scheduler',
    }),
  );
  if (!result.ok) {
    const current = result.current;
    const done = { sequencer, eventTime: event.eventTime, attempt: body.attempt, params: body.params, meta: body.meta };
    if (current && sequencer && isRedelivery(current, done)) {
      await onRedelivery(deps, current, marker, body, { sequencer, versionId: event.versionId, eventTime: event.eventTime });
    } else if (current?.state === RunState.SKIPPED) {
      await noteOnSkipped(deps, current, marker, event);
    } else {
      await noteIfConflicting(deps, current, marker, body, event);
    }
    return { kind: 'ignored', job: marker.job, date: marker.date };
  }
  if (!leaf) await propagateSuccess(deps, result.run, 'scheduler');
  return { kind: 'succeeded', job: marker.job, date: marker.date };
}

async function fail(deps: EngineDeps, job: Job, marker: MarkerKey, body: MarkerBody, event: MarkerEvent): Promise<MarkerOutcome> {
  const outcome = await failAttempt(deps, job, {
    key: marker,
    why: failureReasonOf(body) ?? `the job wrote ${marker.key}`,
    at: event.eventTime,
    by: 'scheduler',
    source: `marker ${marker.key}`,
    ...(body.attempt !== undefined ? { attempt: body.attempt } : {}),
    marker: { key: marker.key, sequencer: normaliseSequencer(event.sequencer), versionId: event.versionId, meta: body.meta },
  });
  // A .failed that changed nothing is rare (a duplicate, or a conflict): only then is the run read again.
  if (outcome === 'ignored') await noteIfConflicting(deps, await deps.store.get(marker), marker, body, event);
  return { kind: outcome, job: marker.job, date: marker.date };
}
