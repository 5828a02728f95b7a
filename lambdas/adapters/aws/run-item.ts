import type { Actor, AttemptCause, HistoryEntry, Run } from '../../domain/runs/run';
import { asShadowDecision } from '../../domain/runs/shadow';
import { ALL_STATES, RunState } from '../../domain/runs/states';

/**
 * The run item as stored, decoded field by field: an item that does not hold
 * what a Run needs is an error naming the item and the field, not a Run with
 * `undefined` where the engine expects a value.
 */

/** Top-level attributes `f#<upstream>`: the lowest attempt of that upstream the run waits for. */
export const FLOOR_PREFIX = 'f#';

export interface StoredHistoryEntry {
  readonly at: string;
  readonly to: RunState;
  readonly by: HistoryEntry['by'];
  readonly why: string;
  readonly attempt?: number;
  /** Only on entries that started an attempt on purpose; older items have none. */
  readonly cause?: AttemptCause;
}

export class CorruptRunItemError extends Error {
  override readonly name = 'CorruptRunItemError';
}

const STRING_FIELDS = [
  'attemptStartedAt',
  'markersFrom',
  'waitStartedAt',
  'deadlineAt',
  'dueAt',
  'waitPool',
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
  'markerKey',
  'markerVersion',
  'lastDoneSeq',
  'lastFailedSeq',
  'lastDoneAt',
  'lateSeq',
  'lateSince',
] as const;

const FAILURE_KINDS = ['FAILED', 'TIMED_OUT', 'SUBMIT_FAILED'] as const;

function isState(value: unknown): value is RunState {
  return typeof value === 'string' && (ALL_STATES as readonly string[]).includes(value);
}

/** The stored history omits `from` (derivable) and sometimes `attempt` (carried forward). */
function expandHistory(stored: readonly StoredHistoryEntry[], where: string): HistoryEntry[] {
  let from: RunState = RunState.PENDING;
  let attempt = 1;
  return stored.map((e, i) => {
    if (!isState(e?.to) || typeof e.at !== 'string') throw new CorruptRunItemError(`${where}: history[${i}] is not a transition`);
    attempt = typeof e.attempt === 'number' ? e.attempt : attempt;
    const entry: HistoryEntry = {
      at: e.at,
      attempt,
      from,
      to: e.to,
      by: e.by as Actor,
      why: String(e.why ?? ''),
      ...(typeof e.cause === 'string' ? { cause: e.cause } : {}),
    };
    from = e.to;
    return entry;
  });
}

export function decodeRun(item: Record<string, unknown>): Run {
  const where = `run item ${String(item.pk)} ${String(item.sk)}`;
  const fail = (field: string, expected: string): never => {
    throw new CorruptRunItemError(`${where}: ${field} should be ${expected}, got ${JSON.stringify(item[field])}`);
  };
  if (typeof item.job !== 'string') fail('job', 'a job name');
  if (typeof item.date !== 'string') fail('date', 'a run date');
  if (!isState(item.state)) fail('state', `one of ${ALL_STATES.join(', ')}`);
  if (typeof item.attempt !== 'number') fail('attempt', 'a number');

  const run: Record<string, unknown> = {
    job: item.job,
    date: item.date,
    state: item.state,
    attempt: item.attempt,
    attemptStartedAt: item.attemptStartedAt,
    retriesUsed: typeof item.retriesUsed === 'number' ? item.retriesUsed : 0,
  };
  for (const field of STRING_FIELDS) {
    const value = item[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') fail(field, 'a string');
    run[field] = value;
  }
  if (typeof run.attemptStartedAt !== 'string') fail('attemptStartedAt', 'an ISO time');
  if (item.manual !== undefined) run.manual = item.manual === true;
  if (item.sweepFailures !== undefined) run.sweepFailures = Number(item.sweepFailures);
  if (item.failureKind !== undefined) {
    if (!(FAILURE_KINDS as readonly unknown[]).includes(item.failureKind)) fail('failureKind', FAILURE_KINDS.join(' | '));
    run.failureKind = item.failureKind;
  }
  if (item.params !== undefined) run.params = item.params;
  if (item.meta !== undefined) run.meta = item.meta;
  if (item.shadow !== undefined) run.shadow = asShadowDecision(item.shadow) ?? fail('shadow', 'a shadow decision {at, attempt, request}');

  const floors: Record<string, number> = {};
  for (const [key, value] of Object.entries(item)) {
    // Other attributes (keys, writeId, ones a newer version adds) are not part of the Run.
    if (key.startsWith(FLOOR_PREFIX)) floors[key.slice(FLOOR_PREFIX.length)] = Number(value);
  }
  const done = item.doneUpstreams instanceof Set ? [...(item.doneUpstreams as Set<string>)].sort() : [];
  return {
    ...(run as unknown as Run),
    doneUpstreams: done,
    upstreamFloors: floors,
    history: expandHistory((item.history as StoredHistoryEntry[] | undefined) ?? [], where),
  };
}
