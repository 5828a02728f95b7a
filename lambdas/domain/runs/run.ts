import type { RunDate } from '../run-date';
import type { ShadowDecision } from './shadow';
import type { RunState } from './states';

/** Who or what caused a transition; kept in history for audit. */
export type Actor = 'scheduler' | 'sweeper' | 'registry' | `trigger:${string}` | `operator:${string}`;

/**
 * Why an attempt was started, recorded on the transition that starts it
 * (docs/runs.md#attempts): `manual` is `rsched run` (run now), `replay` a replay
 * (with its downstream runs), `backfill` a backfill's replay, `mark` an
 * operator's marker, `retry` an automatic retry. The first attempt of a day is
 * `schedule` (a root's schedule fired), `upstream` (an upstream succeeded) or
 * `marker` (the job's own marker came first, e.g. an external job's).
 */
export type AttemptCause = 'schedule' | 'upstream' | 'marker' | 'retry' | 'manual' | 'replay' | 'backfill' | 'mark';

/** One transition of a run, kept forever with the run (SPEC §4 guarantee 6). */
export interface HistoryEntry {
  readonly at: string;
  readonly attempt: number;
  readonly from: RunState;
  readonly to: RunState;
  readonly by: Actor;
  /** What happened, e.g. `marker markers/sessions__20261122.done` or `upstream raw_events TIMED_OUT`. */
  readonly why: string;
  /** On the transition that started an attempt on purpose (items written before it was recorded have none). */
  readonly cause?: AttemptCause;
}

/** What the store keeps for a run. Timestamps are ISO-8601 UTC strings. */
export interface Run {
  readonly job: string;
  readonly date: RunDate;
  readonly state: RunState;
  /** 1 for the first attempt; retries, replays and manual runs add one. */
  readonly attempt: number;
  readonly attemptStartedAt: string;
  /**
   * Set when an attempt is started on purpose (retry, replay, manual run):
   * marker events older than this belong to an earlier attempt and change nothing.
   */
  readonly markersFrom?: string;
  /** Upstreams that SUCCEEDED since this attempt started waiting. */
  readonly doneUpstreams: readonly string[];
  /**
   * Per upstream, the lowest attempt of it this run waits for: a replay raises
   * it, so the success or failure of an older attempt changes nothing here.
   * (Upstream params are not copied here: they are read from the upstream runs
   * at render time, so no fan-in can outgrow an item.)
   */
  readonly upstreamFloors: Readonly<Record<string, number>>;
  readonly waitStartedAt?: string;
  /** When waiting for upstreams or a cluster turns into TIMED_OUT. */
  readonly deadlineAt?: string;
  /** When the sweeper must look at this run next (deadline, retry, max runtime, stale claim). */
  readonly dueAt?: string;
  /** Pool whose cluster this run waits for (WAITING_FOR_CLUSTER only). */
  readonly waitPool?: string;
  readonly claimToken?: string;
  readonly claimedAt?: string;
  readonly submittedAt?: string;
  readonly submissionId?: string;
  readonly clusterId?: string;
  readonly clusterName?: string;
  readonly finishedAt?: string;
  readonly reason?: string;
  /** Retries used by the current chain of automatic attempts (replay resets it). */
  readonly retriesUsed: number;
  readonly retryAt?: string;
  /** For FAILED/TIMED_OUT runs: the alert kind, so an interrupted handler can finish the job. */
  readonly failureKind?: 'FAILED' | 'TIMED_OUT' | 'SUBMIT_FAILED';
  /** Set once the outcome has been passed on to every downstream run. */
  readonly propagatedAt?: string;
  /** Params and meta of the marker that finished the run. */
  readonly params?: Readonly<Record<string, string>>;
  readonly meta?: Readonly<Record<string, unknown>>;
  readonly markerKey?: string;
  /** S3 version id of that marker: a re-drive of the same object (reconcile) is recognised. */
  readonly markerVersion?: string;
  /**
   * S3 sequencers of the last accepted `.done` / `.failed` events, right-padded
   * with zeros so they compare as strings (see domain/markers). Kept across
   * attempts: an older attempt's marker, delivered again, stays old.
   */
  readonly lastDoneSeq?: string;
  readonly lastFailedSeq?: string;
  /** S3's event time of the `.done` that lastDoneSeq names (late data: a repeat of it is judged against this). */
  readonly lastDoneAt?: string;
  /**
   * Late data whose actions on the downstream runs are not finished yet
   * (docs/markers.md#late-data-onlateupstream): the re-delivered `.done`'s
   * sequencer, and when it was recorded. The run is due meanwhile, so a handler
   * that dies before acting leaves the sweeper to finish.
   */
  readonly lateSeq?: string;
  readonly lateSince?: string;
  /** True for attempts an operator started (run, replay, backfill). */
  readonly manual?: boolean;
  /**
   * Shadow jobs only (docs/shadow.md): what the current attempt would have
   * submitted, and when. Also in history, as the SHADOW_SUBMITTED entry.
   */
  readonly shadow?: ShadowDecision;
  /** Sweeps that failed on this run in a row (the run is skipped with a backoff, then alerted). */
  readonly sweepFailures?: number;
  readonly history: readonly HistoryEntry[];
}

export interface RunKey {
  readonly job: string;
  readonly date: RunDate;
}

export function runId(key: RunKey): string {
  return `${key.job}@${key.date}`;
}
