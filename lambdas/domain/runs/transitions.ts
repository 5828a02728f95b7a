import type { Dag, Job } from '../config/dag';
import { expectedEntries } from '../period-mapping';
import type { Actor, AttemptCause, Run, RunKey } from './run';
import { describeShadowDecision, type ShadowDecision } from './shadow';
import { DISPATCHABLE_STATES, RunState } from './states';

/**
 * Every state change of a run, in one place: the table of allowed edges, the
 * readiness rule, and one named builder per transition that says which fields
 * it sets and which it clears. The run store accepts only `Transition`s and
 * refuses an edge the table does not have, so a new code path cannot invent a
 * state change (docs/runs.md describes the states and edges for users).
 */

const S = RunState;

/**
 * The edges a run may take. Operator actions (replay, run, mark, backfill)
 * start a new attempt from any state but an in-flight one (unless forced): that
 * is the `reopen` edge into WAITING, listed for every state. A same-state edge
 * is bookkeeping (propagation finished, a due time moved, a conflicting marker
 * noted).
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<RunState, readonly RunState[]>> = {
  [S.PENDING]: [S.WAITING, S.SUCCEEDED, S.FAILED, S.UPSTREAM_FAILED, S.SKIPPED],
  [S.WAITING]: [S.WAITING, S.WAITING_FOR_CLUSTER, S.SUBMITTING, S.SUCCEEDED, S.FAILED, S.TIMED_OUT, S.UPSTREAM_FAILED],
  [S.WAITING_FOR_CLUSTER]: [S.WAITING, S.WAITING_FOR_CLUSTER, S.SUBMITTING, S.SUCCEEDED, S.FAILED, S.TIMED_OUT, S.UPSTREAM_FAILED],
  [S.SUBMITTING]: [S.WAITING, S.SUBMITTED, S.SUBMIT_UNCERTAIN, S.SHADOW_SUBMITTED, S.SUCCEEDED, S.FAILED, S.RETRYING],
  [S.SUBMITTED]: [S.WAITING, S.SUBMITTED, S.SUCCEEDED, S.FAILED, S.RETRYING, S.TIMED_OUT],
  // SUBMITTED: the sweeper found the parked attempt's submission after all (docs/completion.md).
  [S.SUBMIT_UNCERTAIN]: [S.WAITING, S.SUBMITTED, S.SUBMIT_UNCERTAIN, S.SUCCEEDED, S.FAILED, S.RETRYING, S.TIMED_OUT],
  // No TIMED_OUT and no SUBMIT_UNCERTAIN: nothing was sent, so no timer of ours can end it (docs/shadow.md).
  [S.SHADOW_SUBMITTED]: [S.WAITING, S.SUCCEEDED, S.FAILED, S.RETRYING],
  [S.RETRYING]: [S.WAITING, S.RETRYING, S.SUBMITTING, S.WAITING_FOR_CLUSTER, S.SUCCEEDED, S.FAILED],
  [S.SUCCEEDED]: [S.WAITING, S.SUCCEEDED],
  [S.FAILED]: [S.WAITING, S.FAILED],
  [S.TIMED_OUT]: [S.WAITING, S.TIMED_OUT],
  [S.UPSTREAM_FAILED]: [S.WAITING, S.UPSTREAM_FAILED],
  // Only an operator (replay/run/backfill with --force or --include-excluded) runs a skipped date (docs/calendars.md).
  [S.SKIPPED]: [S.WAITING, S.SKIPPED],
};

/** The edges a run takes without an operator: every edge but `reopen` out of an ended or in-flight state. */
export function isAutomaticEdge(from: RunState, to: RunState): boolean {
  if (!ALLOWED_TRANSITIONS[from].includes(to)) return false;
  const reopenOnly = [
    S.SUCCEEDED,
    S.FAILED,
    S.TIMED_OUT,
    S.UPSTREAM_FAILED,
    S.SKIPPED,
    S.SUBMITTED,
    S.SUBMIT_UNCERTAIN,
    S.SHADOW_SUBMITTED,
  ];
  return !(to === S.WAITING && reopenOnly.includes(from as (typeof reopenOnly)[number]));
}

/** An edge the table does not have: a programming error, never a lost race. */
export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
}

export function assertAllowed(t: Transition): void {
  for (const from of t.guard.states) {
    if (!ALLOWED_TRANSITIONS[from].includes(t.to)) {
      throw new IllegalTransitionError(`${t.key.job} ${t.key.date}: ${from} -> ${t.to} is not a run transition (${t.why})`);
    }
  }
}

// ---------------------------------------------------------------------------
// Readiness: stated once; dispatch, sweep and status all ask here.

/**
 * Done-set entries the run still waits for: an upstream's name, or
 * `<upstream>@HH` for one hour of a daily job's `all` dependency on an hourly
 * job (docs/hourly.md#dependency-mappings). `dag` resolves the upstreams'
 * granularity.
 */
export function missingUpstreams(job: Job, run: Pick<Run, 'doneUpstreams' | 'date'>, dag: Pick<Dag, 'jobs'>): string[] {
  const done = new Set(run.doneUpstreams);
  return expectedEntries(dag, job, run.date).filter((u) => !done.has(u));
}

/** A run is ready when every entry it waits for is in its done set, or an operator started it. */
export function isReady(job: Job, run: Run, dag: Pick<Dag, 'jobs'>): boolean {
  return run.manual === true || missingUpstreams(job, run, dag).length === 0;
}

// ---------------------------------------------------------------------------
// The shape of a transition, as the store applies it.

/** Fields a transition may set; `undefined` values are ignored. */
export type RunFields = Partial<Omit<Run, 'job' | 'date' | 'history' | 'doneUpstreams' | 'upstreamFloors'>> & {
  readonly doneUpstreams?: readonly string[];
  readonly upstreamFloors?: Readonly<Record<string, number>>;
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
  | 'markerVersion'
  | 'manual'
  | 'failureKind'
  | 'upstreamFloors'
  | 'sweepFailures'
  | 'shadow'
  | 'lateSeq'
  | 'lateSince';

/** The condition a transition needs, built from named parts; all must hold. A run with no item is PENDING. */
export interface TransitionGuard {
  readonly states: readonly RunState[];
  readonly attempt?: number;
  readonly claimToken?: string;
  /** The S3 event must be newer than the last accepted one of its key (right-padded sequencers, see markers). */
  readonly newerMarker?: { readonly field: 'lastDoneSeq' | 'lastFailedSeq'; readonly sequencer: string };
  /** Only for markers that do not name their attempt: the event is not older than the attempt. */
  readonly eventNotBefore?: string;
  readonly retriesUsedBelow?: number;
  /** The item's dueAt must still be this value (a sweeper acting on a stale read changes nothing). */
  readonly dueAt?: string;
  /** The parent's attempt must be one this run waits for (a replay raises the floor). */
  readonly upstreamAttempt?: { readonly upstream: string; readonly attempt: number };
  /**
   * The run's lastDoneSeq must still be this one: what a late `.done` was judged
   * against has not changed since (a concurrent write of the same completion may have).
   */
  readonly lastDoneSeq?: string;
  /** Late data pending for this sequencer; `null`: none pending (docs/markers.md#late-data-onlateupstream). */
  readonly lateSeq?: string | null;
}

export interface Transition {
  readonly key: RunKey;
  readonly guard: TransitionGuard;
  readonly to: RunState;
  readonly set?: RunFields;
  readonly remove?: readonly RemovableField[];
  readonly by: Actor;
  readonly why: string;
  readonly at: string;
  /** Bookkeeping that is not a transition (propagation finished, due time moved): no history entry. */
  readonly quiet?: boolean;
  /** Why the attempt this transition starts was started; kept in its history entry. */
  readonly cause?: AttemptCause;
}

/** An upstream succeeded: add it to the run's done set (creating the run in WAITING). */
export interface UpstreamDone {
  readonly key: RunKey;
  readonly upstream: string;
  /** The attempt of the upstream that succeeded: a run waiting for a newer attempt ignores it. */
  readonly upstreamAttempt: number;
  readonly at: string;
  /** Used only when this is the first upstream: the wait starts now. */
  readonly deadlineAt: string;
  readonly by: Actor;
}

/** What the store says of a transition: applied (the run as written), or lost (the run as it is). */
export type TransitionResult = { readonly ok: true; readonly run: Run } | { readonly ok: false; readonly current: Run | undefined };

// ---------------------------------------------------------------------------
// Named transitions. Each is pure: it builds the write, the store applies it.

/** Fields that mean nothing once a run has ended. */
export const CLEARED_AT_END: readonly RemovableField[] = ['waitPool', 'claimToken', 'claimedAt', 'retryAt', 'deadlineAt'];

/** Fields of an attempt that a new attempt must not inherit. */
export const ATTEMPT_FIELDS: readonly RemovableField[] = [
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
  'sweepFailures',
  'shadow',
];

interface Stamp {
  readonly at: string;
  readonly by: Actor;
}

/** WAITING/WAITING_FOR_CLUSTER/RETRYING -> SUBMITTING: only the claimant calls the control plane. */
export function claim(
  run: Run,
  p: Stamp & { token: string; leaseUntil: string; cluster?: { id: string; name: string }; why: string },
): Transition {
  return {
    key: run,
    guard: { states: [run.state], attempt: run.attempt },
    to: S.SUBMITTING,
    set: { claimToken: p.token, claimedAt: p.at, dueAt: p.leaseUntil, clusterId: p.cluster?.id, clusterName: p.cluster?.name },
    remove: ['waitPool', 'retryAt', 'deadlineAt'],
    by: p.by,
    why: p.why,
    at: p.at,
  };
}

/** The guard of every write the claimant makes after its claim. */
export function claimGuard(run: Run): TransitionGuard {
  return { states: [S.SUBMITTING], attempt: run.attempt, claimToken: run.claimToken };
}

/** SUBMITTING -> SUBMITTED: the control plane took it. */
export function recordSubmission(
  claimed: Run,
  p: Stamp & { submissionId: string; clusterId?: string; maxRuntimeDueAt?: string; why: string; submittedAt?: string },
): Transition {
  return {
    key: claimed,
    guard: claimGuard(claimed),
    to: S.SUBMITTED,
    set: {
      submittedAt: p.submittedAt ?? p.at,
      submissionId: p.submissionId,
      clusterId: p.clusterId,
      ...(p.maxRuntimeDueAt ? { dueAt: p.maxRuntimeDueAt } : {}),
    },
    remove: p.maxRuntimeDueAt ? ['claimToken'] : ['claimToken', 'dueAt'],
    by: p.by,
    why: p.why,
    at: p.at,
  };
}

/**
 * SUBMITTING -> SHADOW_SUBMITTED: a shadow job's claimant records what it would
 * have sent instead of sending it (docs/shadow.md). The claim makes it one
 * decision per attempt. No due time: only the old scheduler's marker ends it.
 */
export function recordShadowDecision(claimed: Run, p: Stamp & { decision: ShadowDecision }): Transition {
  return {
    key: claimed,
    guard: claimGuard(claimed),
    to: S.SHADOW_SUBMITTED,
    set: { shadow: p.decision },
    remove: ['claimToken', 'dueAt'],
    by: p.by,
    why: describeShadowDecision(p.decision),
    at: p.at,
  };
}

/**
 * SUBMITTING -> SUBMIT_UNCERTAIN: a call that may have taken effect failed, and
 * the control plane cannot say whether it did. Never resent by the scheduler;
 * the job's marker still ends it, and the due time ends the wait.
 */
export function parkUncertain(claimed: Run, p: Stamp & { reason: string; dueAt: string }): Transition {
  return {
    key: claimed,
    guard: claimGuard(claimed),
    to: S.SUBMIT_UNCERTAIN,
    set: { reason: p.reason, dueAt: p.dueAt, submittedAt: claimed.claimedAt ?? p.at },
    remove: ['claimToken'],
    by: p.by,
    why: 'submission outcome unknown; not resent',
    at: p.at,
  };
}

/**
 * SUBMIT_UNCERTAIN -> SUBMITTED: the target found the parked attempt's
 * submission after all (docs/completion.md, "Runs parked SUBMIT_UNCERTAIN"),
 * so it is recorded like any submission and can be polled. The due time
 * (maxRuntimeMinutes from the claim) stays.
 */
export function recordFoundSubmission(parked: Run, p: Stamp & { submissionId: string; clusterId?: string }): Transition {
  return {
    key: parked,
    guard: { states: [S.SUBMIT_UNCERTAIN], attempt: parked.attempt, ...(parked.dueAt ? { dueAt: parked.dueAt } : {}) },
    to: S.SUBMITTED,
    set: { submissionId: p.submissionId, clusterId: p.clusterId },
    remove: ['reason'],
    by: p.by,
    why: `the uncertain submission was found: ${p.submissionId}`,
    at: p.at,
  };
}

/** SUBMITTING -> WAITING: the claimant died and the control plane shows no submission. */
export function releaseClaim(claimed: Run, p: Stamp & { dueAt: string }): Transition {
  return {
    key: claimed,
    guard: claimGuard(claimed),
    to: S.WAITING,
    set: { dueAt: p.dueAt },
    remove: ['claimToken', 'claimedAt', 'clusterId', 'clusterName'],
    by: p.by,
    why: 'claim expired and nothing was submitted; dispatching again',
    at: p.at,
  };
}

/** No live cluster serves the job's pool: wait for one (within the run's deadline). */
export function waitForCluster(run: Run, p: Stamp & { pool: string; deadlineAt: string; dueAt: string }): Transition {
  return {
    key: run,
    guard: { states: [run.state], attempt: run.attempt, ...(run.dueAt ? { dueAt: run.dueAt } : {}) },
    to: S.WAITING_FOR_CLUSTER,
    set: { waitPool: p.pool, deadlineAt: p.deadlineAt, dueAt: p.dueAt },
    remove: ['retryAt'],
    by: p.by,
    why: `no live cluster serves pool ${p.pool}`,
    at: p.at,
    quiet: run.state === S.WAITING_FOR_CLUSTER,
  };
}

/** The start of the history entry of a run held for its notBefore (timelines and status recognise it by it). */
export const NOT_BEFORE_WHY = 'all upstreams done; held until notBefore';

/**
 * Every upstream is done but the job's `notBefore` has not come
 * (docs/scheduling.md#time-gates-notbefore): the run stays WAITING, due at the
 * gate, where the sweeper dispatches it (the claim makes that once). Its
 * deadline moves to the gate plus timeoutMinutes: from then on it waits only
 * for a cluster, if it needs one. Guarded by the due time it replaces, so of
 * two handlers that hold it at once only one writes (one history entry).
 */
export function holdUntilNotBefore(run: Run, p: Stamp & { until: string; deadlineAt: string; gate: string }): Transition {
  return {
    key: run,
    guard: { states: [S.WAITING], attempt: run.attempt, ...(run.dueAt ? { dueAt: run.dueAt } : {}) },
    to: S.WAITING,
    set: { dueAt: p.until, deadlineAt: p.deadlineAt },
    by: p.by,
    why: `${NOT_BEFORE_WHY} ${p.gate}`,
    at: p.at,
  };
}

/** Moves the run's due time (a sweep that could not act, a wait that has nothing to do yet). */
export function moveDue(run: Run, p: Stamp & { dueAt?: string; why: string; sweepFailures?: number }): Transition {
  return {
    key: run,
    guard: { states: [run.state], attempt: run.attempt, ...(run.dueAt ? { dueAt: run.dueAt } : {}) },
    to: run.state,
    set: { ...(p.dueAt ? { dueAt: p.dueAt } : {}), ...(p.sweepFailures !== undefined ? { sweepFailures: p.sweepFailures } : {}) },
    remove: p.dueAt ? [] : ['dueAt'],
    by: p.by,
    why: p.why,
    at: p.at,
    quiet: true,
  };
}

/** The outcome reached every downstream run: the sweeper stops watching. */
export function markPropagated(run: Run, p: Stamp): Transition {
  return {
    key: run,
    // Not while late data is pending: the run stays due until that is finished too (finishLateData).
    guard: { states: [run.state], attempt: run.attempt, lateSeq: null },
    to: run.state,
    set: { propagatedAt: p.at },
    remove: ['dueAt'],
    by: p.by,
    why: 'outcome propagated',
    at: p.at,
    quiet: true,
  };
}

/** A marker the run cannot take (the attempt already ended the other way): kept in history, state unchanged. */
export function noteConflict(run: Run, p: Stamp & { why: string; newerMarker?: TransitionGuard['newerMarker'] }): Transition {
  const seq = p.newerMarker;
  return {
    key: run,
    guard: { states: [run.state], attempt: run.attempt, ...(seq ? { newerMarker: seq } : {}) },
    to: run.state,
    set: seq ? { [seq.field]: seq.sequencer } : {},
    by: p.by,
    why: p.why,
    at: p.at,
  };
}

/**
 * An upstream ended in failure: this waiting run will not start. `entry` is
 * the done-set entry the parent's run stands for here (its name, or
 * `<job>@HH` for one hour of an hourly upstream, docs/hourly.md): its floor
 * decides whether this run still waits for that attempt.
 */
export function upstreamFailed(
  key: RunKey,
  parent: Pick<Run, 'job' | 'state' | 'attempt' | 'date'>,
  p: Stamp,
  entry = parent.job,
): Transition {
  const why = `upstream ${parent.job}${parent.date === key.date ? '' : ` ${parent.date}`} ${parent.state}`;
  return {
    key,
    guard: {
      states: [S.PENDING, S.WAITING, S.WAITING_FOR_CLUSTER],
      upstreamAttempt: { upstream: entry, attempt: parent.attempt },
    },
    to: S.UPSTREAM_FAILED,
    set: { reason: why, finishedAt: p.at },
    remove: [...CLEARED_AT_END, 'dueAt'],
    by: p.by,
    why,
    at: p.at,
  };
}

/**
 * A new attempt on purpose (replay, run, mark, backfill): WAITING with a done
 * set rebuilt by the caller from the upstream runs as they are now, and floors
 * that make the upstreams' older attempts count for nothing.
 */
export function reopen(
  current: Run | undefined,
  key: RunKey,
  p: Stamp & {
    why: string;
    manual: boolean;
    done: readonly string[];
    floors: Readonly<Record<string, number>>;
    deadlineAt?: string;
    cause?: AttemptCause;
  },
): Transition {
  const waits = !p.manual && p.deadlineAt !== undefined;
  return {
    key,
    guard: current ? { states: [current.state], attempt: current.attempt } : { states: [S.PENDING] },
    to: S.WAITING,
    set: {
      attempt: (current?.attempt ?? 0) + 1,
      attemptStartedAt: p.at,
      markersFrom: p.at,
      retriesUsed: 0,
      manual: p.manual,
      doneUpstreams: p.done,
      upstreamFloors: p.floors,
      ...(p.manual ? { dueAt: p.at } : {}),
      ...(waits ? { waitStartedAt: p.at, deadlineAt: p.deadlineAt, dueAt: p.deadlineAt } : {}),
    },
    remove: ATTEMPT_FIELDS.filter((f) => !(p.manual && f === 'dueAt') && !(waits && ['waitStartedAt', 'deadlineAt', 'dueAt'].includes(f))),
    by: p.by,
    why: p.why,
    at: p.at,
    ...(p.cause ? { cause: p.cause } : {}),
  };
}

/**
 * The job's calendar does not run on the run's date (docs/calendars.md): the
 * run is created SKIPPED, once — only a run with no item yet can take this
 * write, so a duplicate trigger or a second upstream outcome changes nothing.
 * Until the skip is passed down, the sweeper watches (dueAt).
 */
export function skip(key: RunKey, p: Stamp & { why: string; watchUntil?: string }): Transition {
  return {
    key,
    guard: { states: [S.PENDING] },
    to: S.SKIPPED,
    set: { reason: p.why, ...(p.watchUntil ? { dueAt: p.watchUntil } : { propagatedAt: p.at }) },
    by: p.by,
    why: p.why,
    at: p.at,
  };
}

/** A root's schedule fired: the run is created WAITING (once, however often the schedule fires). */
export function startRoot(key: RunKey, p: Stamp & { deadlineAt: string; why?: string }): Transition {
  return {
    key,
    guard: { states: [S.PENDING] },
    to: S.WAITING,
    set: { attempt: 1, attemptStartedAt: p.at, waitStartedAt: p.at, deadlineAt: p.deadlineAt, dueAt: p.deadlineAt, retriesUsed: 0 },
    by: p.by,
    why: p.why ?? 'scheduled start',
    at: p.at,
  };
}

/** The job's `.done` marker: SUCCEEDED; until the success is passed on, the sweeper watches (dueAt). */
export function succeedByMarker(
  key: RunKey,
  p: Stamp & {
    guard: TransitionGuard;
    marker: { key: string; versionId?: string; sequencer?: string; finishedAt: string };
    params: Readonly<Record<string, string>>;
    meta?: Readonly<Record<string, unknown>>;
    /** Leaves have nothing to pass on; others are watched until propagation ends. */
    watchUntil?: string;
  },
): Transition {
  return {
    key,
    guard: p.guard,
    to: S.SUCCEEDED,
    set: {
      finishedAt: p.marker.finishedAt,
      params: p.params,
      meta: p.meta,
      markerKey: p.marker.key,
      markerVersion: p.marker.versionId,
      lastDoneSeq: p.marker.sequencer,
      lastDoneAt: p.marker.finishedAt,
      ...(p.watchUntil ? { dueAt: p.watchUntil } : { propagatedAt: p.at }),
    },
    remove: [...CLEARED_AT_END, 'reason', 'failureKind', ...(p.watchUntil ? [] : (['dueAt'] as const))],
    by: p.by,
    why: `marker ${p.marker.key}`,
    at: p.at,
  };
}

/**
 * A newer `.done` of a SUCCEEDED run (late data, docs/markers.md#late-data-onlateupstream):
 * the run stays SUCCEEDED and takes the new marker's sequencer, version,
 * params and meta. Only one delivery of that marker can make this write; it
 * alone acts on the downstream runs. With `dueAt` (the run has downstream
 * jobs) the actions are recorded as pending (lateSeq), due then: a handler
 * that dies before finishing them leaves them to the sweeper.
 */
export function recordRedelivery(
  run: Run,
  p: Stamp & {
    marker: { key: string; versionId?: string; sequencer: string; writtenAt: string };
    params: Readonly<Record<string, string>>;
    meta?: Readonly<Record<string, unknown>>;
    dueAt?: string;
  },
): Transition {
  const pending = p.dueAt ? { lateSeq: p.marker.sequencer, lateSince: p.at, dueAt: p.dueAt } : {};
  return {
    key: run,
    guard: {
      states: [S.SUCCEEDED],
      attempt: run.attempt,
      newerMarker: { field: 'lastDoneSeq', sequencer: p.marker.sequencer },
      // Judged against this very .done: if another newer one was recorded meanwhile, judge again.
      ...(run.lastDoneSeq ? { lastDoneSeq: run.lastDoneSeq } : {}),
    },
    to: S.SUCCEEDED,
    set: {
      lastDoneSeq: p.marker.sequencer,
      lastDoneAt: p.marker.writtenAt,
      markerVersion: p.marker.versionId,
      params: p.params,
      meta: p.meta,
      ...pending,
    },
    by: p.by,
    why: `newer marker ${p.marker.key}: the data was re-delivered after success`,
    at: p.at,
  };
}

/**
 * The late-data actions of this re-delivery are done: pending cleared, and the
 * run no longer due unless its success has not been passed on yet.
 */
export function finishLateData(run: Run, p: Stamp & { sequencer: string }): Transition {
  return {
    key: run,
    guard: { states: [S.SUCCEEDED], attempt: run.attempt, lateSeq: p.sequencer },
    to: S.SUCCEEDED,
    remove: ['lateSeq', 'lateSince', ...(run.propagatedAt === undefined ? [] : (['dueAt'] as const))],
    by: p.by,
    why: 'late data acted on',
    at: p.at,
    quiet: true,
  };
}

/** A failed attempt with retries left: RETRYING, a new attempt submitted at `retryAt`. */
export function retry(
  current: Run,
  p: Stamp & {
    guard: Omit<TransitionGuard, 'states' | 'attempt'>;
    retryAt: string;
    retries: number;
    why: string;
    source: string;
    set?: RunFields;
  },
): Transition {
  return {
    key: current,
    guard: { ...p.guard, states: [current.state], attempt: current.attempt },
    to: S.RETRYING,
    set: {
      ...p.set,
      attempt: current.attempt + 1,
      attemptStartedAt: p.at,
      markersFrom: p.at,
      retriesUsed: current.retriesUsed + 1,
      retryAt: p.retryAt,
      dueAt: p.retryAt,
      reason: `attempt ${current.attempt} failed: ${p.why}; retry ${current.retriesUsed + 1} of ${p.retries} at ${p.retryAt}`,
    },
    remove: ['claimToken', 'claimedAt', 'submissionId', 'submittedAt', 'clusterId', 'clusterName', 'finishedAt', 'shadow'],
    by: p.by,
    why: p.source,
    at: p.at,
    cause: 'retry',
  };
}

/** FAILED or TIMED_OUT: the alert and the downstream chain follow; the sweeper watches until they are done. */
export function endInFailure(
  key: RunKey,
  p: Stamp & {
    guard: TransitionGuard;
    to: typeof S.FAILED | typeof S.TIMED_OUT;
    kind: NonNullable<Run['failureKind']>;
    reason: string;
    why: string;
    finishedAt: string;
    watchUntil: string;
    set?: RunFields;
  },
): Transition {
  return {
    key,
    guard: p.guard,
    to: p.to,
    set: { ...p.set, reason: p.reason, failureKind: p.kind, finishedAt: p.finishedAt, dueAt: p.watchUntil },
    remove: CLEARED_AT_END,
    by: p.by,
    why: p.why,
    at: p.at,
  };
}

export { DISPATCHABLE_STATES };
