import { isDeepStrictEqual } from 'node:util';
import type { OnLateUpstream } from './config/schema';
import type { Run } from './runs/run';
import { RunState, WAITING_STATES } from './runs/states';

/**
 * Late data (docs/markers.md#late-data-onlateupstream): an upstream writes a
 * newer `.done` for a run date it had already SUCCEEDED. What each downstream
 * job does about it is that job's `onLateUpstream`. Pure: the engine reads the
 * runs and carries the actions out.
 */

/** The `.done` event as the run judges it: sequencers already right-padded (domain/markers normaliseSequencer). */
export interface DoneEvent {
  readonly sequencer?: string;
  /** S3's event time: when the object was written. */
  readonly eventTime: string;
  /** The attempt the marker body names, if any. */
  readonly attempt?: number;
  /** The body's params and meta (what the run recorded from the marker that ended it is compared with them). */
  readonly params?: Readonly<Record<string, string>>;
  readonly meta?: Readonly<Record<string, unknown>>;
}

/** What the SUCCEEDED run recorded of its completion. */
export type SucceededRun = Pick<
  Run,
  'state' | 'attempt' | 'lastDoneSeq' | 'lastDoneAt' | 'finishedAt' | 'submissionId' | 'params' | 'meta'
>;

/**
 * A marker WITHOUT a completion identity that repeats the run's completion is
 * only told apart from a re-delivery by time: within this long after the
 * `.done` that ended the run it is the same completion written again (an SDK
 * retry of a PutObject that had taken effect, or the job's own marker beside
 * the scheduler's completion marker, docs/completion.md).
 */
export const SAME_COMPLETION_MINUTES = 15;

/** Why a newer `.done` is the run's own completion written again, not new data. */
export type SameCompletion =
  /** It names the attempt and the service run id (`meta.runId`) that ended the run: exact, no clock. */
  | 'same-submission'
  /** No identity; its params and meta are the run's and it came within SAME_COMPLETION_MINUTES: a retried write. */
  | 'same-write'
  /** No identity, the run was ended by the scheduler's completion marker, within SAME_COMPLETION_MINUTES: the job's own marker. */
  | 'job-beside-service';

/**
 * The service run id a completion marker names (docs/completion.md, "The
 * marker it writes": the scheduler puts the submission id in `meta.runId`).
 */
function completionRunId(meta: Readonly<Record<string, unknown>> | undefined): string | undefined {
  return typeof meta?.runId === 'string' ? meta.runId : undefined;
}

/**
 * Whether a newer `.done` of the run's attempt reports the completion that
 * already ended it. Exact where the marker carries an identity: the
 * scheduler's completion markers name the attempt and the submission
 * (`meta.runId`); a second one for the same submission (the service's event
 * and the sweeper's poll, or a re-sent event racing the first) is the same
 * completion however late it comes. S3's ETag is not used to recognise a
 * retried write: it is not a digest of the body for SSE-KMS objects
 * (Amazon S3 API Reference, "Object": "encrypted by SSE-C or SSE-KMS, have
 * ETags that are not an MD5 digest of their object data"); the body, already
 * read by version, is compared instead.
 */
export function sameCompletion(run: SucceededRun, event: DoneEvent): SameCompletion | undefined {
  const named = completionRunId(event.meta);
  if (named !== undefined && run.submissionId !== undefined && named === run.submissionId && event.attempt === run.attempt) {
    return 'same-submission';
  }
  // Measured from the last .done the run accepted (a re-delivery's own retried write is its own again).
  const since = Date.parse(event.eventTime) - Date.parse(run.lastDoneAt ?? run.finishedAt ?? event.eventTime);
  if (since > SAME_COMPLETION_MINUTES * 60_000) return undefined;
  if (isDeepStrictEqual(event.params ?? {}, run.params ?? {}) && isDeepStrictEqual(event.meta, run.meta)) return 'same-write';
  const endedByService = run.submissionId !== undefined && completionRunId(run.meta) === run.submissionId;
  return endedByService && named === undefined ? 'job-beside-service' : undefined;
}

/**
 * A re-delivery is a `.done` of the same key whose sequencer is newer than the
 * one the SUCCEEDED run recorded and that is not the run's completion written
 * again (sameCompletion). A duplicate (same sequencer) or an older write is
 * not; neither is an event without a sequencer (a reconcile re-drive), one for
 * a run that recorded none (nothing to compare with), nor a marker naming
 * another attempt (a straggler of an older attempt).
 */
export function isRedelivery(run: SucceededRun, event: DoneEvent): boolean {
  if (run.state !== RunState.SUCCEEDED || event.sequencer === undefined || run.lastDoneSeq === undefined) return false;
  if (event.attempt !== undefined && event.attempt !== run.attempt) return false;
  if (event.sequencer <= run.lastDoneSeq) return false;
  return sameCompletion(run, event) === undefined;
}

/** One downstream job of the re-delivered upstream, as it is now. */
export interface LateDependent {
  readonly job: string;
  readonly onLateUpstream: OnLateUpstream;
  /** Its run for the date; undefined when it has none yet (PENDING). */
  readonly run?: Pick<Run, 'state' | 'attempt' | 'attemptStartedAt'>;
  /** Its transitive downstream jobs (a rerun re-runs them too). */
  readonly downstream: readonly string[];
}

export type LateAction =
  | { readonly job: string; readonly action: 'alert'; readonly state: RunState; readonly attempt: number }
  | { readonly job: string; readonly action: 'rerun'; readonly state: RunState; readonly attempt: number };

/**
 * What to do per direct downstream job. A run still waiting (PENDING, WAITING,
 * WAITING_FOR_CLUSTER) needs nothing: it will read the new data when it runs;
 * nor does a run whose attempt started at or after `since`, when the
 * re-delivery was recorded (a rerun of this very re-delivery, or an operator's
 * replay): it is on the new data. That makes the plan safe to carry out again
 * after a crash: what was done drops out of it.
 * A run that started or ended gets its job's setting. A job that lies in the
 * downstream chain of another job being re-run is re-run by that chain, so it
 * gets no action of its own (two replays of one run would refuse each other).
 */
export function planLateData(dependents: readonly LateDependent[], since: string): LateAction[] {
  const onNewData = (d: LateDependent) => d.run !== undefined && d.run.attemptStartedAt >= since;
  const started = dependents.filter((d) => d.run !== undefined && (onNewData(d) || !WAITING_STATES.includes(d.run.state)));
  // A job already re-run still counts for the chain rule: its chain was re-run with it.
  const rerunChains = new Set(started.filter((d) => d.onLateUpstream === 'rerun').flatMap((d) => d.downstream));
  const affected = started.filter((d) => !onNewData(d));
  const actions: LateAction[] = [];
  for (const d of affected) {
    const run = d.run as Pick<Run, 'state' | 'attempt'>;
    if (d.onLateUpstream === 'ignore' || rerunChains.has(d.job)) continue;
    actions.push({ job: d.job, action: d.onLateUpstream, state: run.state, attempt: run.attempt });
  }
  return actions;
}
