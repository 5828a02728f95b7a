import type { AlertKind } from '../domain/alerts';
import type { RunDate } from '../domain/run-date';
import type { Actor, Run, RunKey } from '../domain/runs/run';
import type { RunState } from '../domain/runs/states';

/**
 * Fields a transition may set. `undefined` values are ignored; list a field in
 * `remove` to delete it.
 */
export type RunFields = Partial<Omit<Run, 'job' | 'date' | 'history' | 'doneUpstreams' | 'upstreamParams'>> & {
  readonly doneUpstreams?: readonly string[];
  readonly upstreamParams?: Run['upstreamParams'];
};

export type RemovableField =
  | 'dueAt'
  | 'deadlineAt'
  | 'waitStartedAt'
  | 'waitPool'
  | 'claimToken'
  | 'claimedAt'
  | 'submittedAt'
  | 'submissionId'
  | 'clusterId'
  | 'clusterName'
  | 'finishedAt'
  | 'reason'
  | 'retryAt'
  | 'propagatedAt'
  | 'params'
  | 'meta'
  | 'markerKey'
  | 'manual'
  | 'failureKind';

/**
 * The condition a transition needs, built from named parts. All parts must
 * hold. A run with no item counts as PENDING.
 */
export interface TransitionGuard {
  /** The run must be in one of these states. */
  readonly states: readonly RunState[];
  readonly attempt?: number;
  readonly claimToken?: string;
  /** The S3 event must be newer than the last accepted one of its kind. */
  readonly newerMarker?: { readonly field: 'lastDoneSeq' | 'lastFailedSeq'; readonly sequencer: string };
  /** The event happened no earlier than the current attempt started (older attempts change nothing). */
  readonly eventNotBefore?: string;
  /** Automatic retries used so far must be below this. */
  readonly retriesUsedBelow?: number;
  /** The item's dueAt must still be this value (a sweeper acting on a stale read changes nothing). */
  readonly dueAt?: string;
}

export interface Transition {
  readonly key: RunKey;
  readonly guard: TransitionGuard;
  readonly to: RunState;
  readonly set?: RunFields;
  readonly remove?: readonly RemovableField[];
  /** Upstreams whose stored params are dropped (a reset run forgets them). */
  readonly removeUpstreamParams?: readonly string[];
  readonly by: Actor;
  readonly why: string;
  readonly at: string;
  /** Bookkeeping that is not a transition (e.g. propagation finished): no history entry. */
  readonly quiet?: boolean;
}

export interface UpstreamDone {
  readonly key: RunKey;
  readonly upstream: string;
  readonly params: Readonly<Record<string, string>>;
  readonly at: string;
  /** Used only when this is the first upstream: the wait starts now. */
  readonly deadlineAt: string;
  readonly by: Actor;
}

/** A stored alert (SPEC §6), de-duplicated per run, kind and attempt. */
export interface AlertRecord {
  readonly kind: AlertKind;
  readonly job?: string;
  readonly date: RunDate;
  readonly attempt?: number;
  readonly at: string;
  readonly message: string;
  readonly next?: string;
  /** Distinguishes alerts that have no run (rejected markers, cluster failures). */
  readonly subject?: string;
}

export interface RejectionRecord {
  readonly key: string;
  readonly sequencer: string;
  readonly reason: string;
  readonly at: string;
  readonly eventTime: string;
}

/**
 * Persistence of runs, alerts and rejections. Every state change is one
 * conditional write; losing a race returns `undefined` instead of throwing.
 */
export interface RunStore {
  get(key: RunKey): Promise<Run | undefined>;
  /**
   * Applies the transition if the guard holds; returns the run as written, or
   * undefined when the guard did not hold (someone else got there first).
   */
  transition(t: Transition): Promise<Run | undefined>;
  /**
   * Adds `upstream` to the run's done set (creating the run in WAITING when it
   * has no item). Undefined when the run no longer waits for upstreams or
   * already counted this one.
   */
  addUpstreamDone(u: UpstreamDone): Promise<Run | undefined>;
  listByDate(date: RunDate): Promise<Run[]>;
  listByJob(job: string, from: RunDate, to: RunDate): Promise<Run[]>;
  /** Runs whose dueAt is at or before `at`, oldest first. */
  listDue(at: string, limit: number): Promise<Run[]>;
  /** The earliest dueAt of any run, for schedulers that sleep until then. */
  nextDueAt(): Promise<string | undefined>;
  listWaitingForPool(pool: string): Promise<Run[]>;

  /** Records an alert; false when the same alert was already recorded. */
  putAlert(alert: AlertRecord): Promise<boolean>;
  /** Forgets an alert whose delivery failed, so a retry sends it again. */
  deleteAlert(alert: AlertRecord): Promise<void>;
  listAlerts(date: RunDate): Promise<AlertRecord[]>;
  /** Records a rejected marker; false when this exact event was already rejected. */
  putRejection(r: RejectionRecord): Promise<boolean>;

  /** A named timestamp cursor (e.g. the LATE check's high-water mark). */
  getCursor(name: string): Promise<string | undefined>;
  /** Moves a cursor from `from` (undefined: unset) to `to`; false if it moved meanwhile. */
  moveCursor(name: string, from: string | undefined, to: string): Promise<boolean>;
}
