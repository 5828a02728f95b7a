import type { AlertRecord } from '../domain/alerts';
import type { RunDate } from '../domain/run-date';
import type { Run, RunKey } from '../domain/runs/run';
import type { Transition, TransitionResult, UpstreamDone } from '../domain/runs/transitions';

export type { AlertRecord } from '../domain/alerts';
export type {
  RemovableField,
  RunFields,
  Transition,
  TransitionGuard,
  TransitionResult,
  UpstreamDone,
} from '../domain/runs/transitions';

export interface RejectionRecord {
  readonly key: string;
  readonly sequencer: string;
  readonly reason: string;
  readonly at: string;
  readonly eventTime: string;
}

/** Where a write stands after a conditional put of an alert: first recorded now, recorded but not yet sent, or sent. */
export type AlertStatus = 'new' | 'unsent' | 'sent';

/** One page of due runs and where the next page starts. */
export interface DuePage {
  readonly runs: Run[];
  readonly next?: string;
}

/**
 * Persistence of runs, alerts and rejections. Every state change is one
 * conditional write. A write that fails its condition is judged by reading the
 * winner: if the item shows this very write (an SDK retry of a write that took
 * effect but whose answer was lost), it is reported applied.
 */
export interface RunStore {
  get(key: RunKey): Promise<Run | undefined>;
  /** The runs of these keys that exist (one round trip for up to 100 keys). */
  getMany(keys: readonly RunKey[]): Promise<Run[]>;
  /**
   * Applies the transition if the guard holds: `{ok: true, run}` as written;
   * `{ok: false, current}` when someone else got there first.
   */
  transition(t: Transition): Promise<TransitionResult>;
  /**
   * Adds `upstream` to the run's done set (creating the run in WAITING when it
   * has no item). Lost when the run no longer waits for upstreams, waits for a
   * newer attempt of this upstream, or already counted it.
   */
  addUpstreamDone(u: UpstreamDone): Promise<TransitionResult>;
  listByDate(date: RunDate): Promise<Run[]>;
  listByJob(job: string, from: RunDate, to: RunDate): Promise<Run[]>;
  /** Runs whose dueAt is at or before `at`, oldest first, a page at a time (`after`: the previous page's `next`). */
  listDue(at: string, limit: number, after?: string): Promise<DuePage>;
  /** The earliest dueAt of any run, for schedulers that sleep until then. */
  nextDueAt(): Promise<string | undefined>;
  listWaitingForPool(pool: string): Promise<Run[]>;
  /**
   * The runs whose current attempt recorded this submission id (step id, job
   * run id, execution ARN): the completion handler's way from a service event
   * to its run (docs/completion.md). The index behind it is eventually
   * consistent: callers read each run again and judge it as it is.
   */
  findBySubmission(submissionId: string): Promise<RunKey[]>;

  /** Records an alert once per (run or subject, kind, attempt; and subject when it has both) and says whether it still has to be sent. */
  putAlert(alert: AlertRecord): Promise<AlertStatus>;
  /** Records that the alert was published: a retried handler does not send it again. */
  markAlertSent(alert: AlertRecord, at: string): Promise<void>;
  listAlerts(date: RunDate): Promise<AlertRecord[]>;
  /** Records a rejected marker; false when this exact event was already rejected. */
  putRejection(r: RejectionRecord): Promise<boolean>;

  /** A named cursor: a string moved only by conditional write (the LATE check's high-water mark, a late-data rerun slot). */
  getCursor(name: string): Promise<string | undefined>;
  /** Moves a cursor from `from` (undefined: unset) to `to`; false if it moved meanwhile. */
  moveCursor(name: string, from: string | undefined, to: string): Promise<boolean>;
}
