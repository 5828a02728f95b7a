import type { Actor, HistoryEntry, Run } from './run';
import { RunState, TERMINAL_STATES } from './states';

/**
 * One attempt of a run, read back from its history (the store keeps every
 * transition of every attempt, docs/runs.md "History"): when it started and
 * who started it, when it was handed to its target, and when and how it
 * ended. The web UI's run detail lists these and its Gantt chart draws them
 * (docs/ui.md): the wait is `startedAt`→`submittedAt`, the run
 * `submittedAt`→`endedAt`.
 */
export interface AttemptSpan {
  readonly attempt: number;
  readonly startedAt: string;
  /** Who or what began the attempt: a trigger, an upstream's success (`scheduler`), an operator. */
  readonly startedBy: Actor;
  readonly why: string;
  /** When it was handed to its target (SUBMITTED, or a shadow job's recorded decision); null if never. */
  readonly submittedAt: string | null;
  /** When it reached an ending state; null while it is still open. */
  readonly endedAt: string | null;
  /** The state the attempt is in, or ended in. */
  readonly state: RunState;
}

const HANDED_OVER: readonly RunState[] = [RunState.SUBMITTED, RunState.SHADOW_SUBMITTED, RunState.SUBMIT_UNCERTAIN];

function span(entries: readonly HistoryEntry[]): AttemptSpan {
  const first = entries[0] as HistoryEntry;
  const last = entries[entries.length - 1] as HistoryEntry;
  const handed = entries.find((e) => HANDED_OVER.includes(e.to) && !HANDED_OVER.includes(e.from));
  const ended = entries.find((e) => TERMINAL_STATES.includes(e.to));
  return {
    attempt: first.attempt,
    startedAt: first.at,
    startedBy: first.by,
    why: first.why,
    submittedAt: handed?.at ?? null,
    endedAt: ended?.at ?? null,
    state: last.to,
  };
}

/**
 * The run's attempts, oldest first (none for a run with no history). An
 * attempt that a later one replaced before it reached an ending state (a
 * retry after its failure, a forced replay) ends where the next begins; one
 * replaced by a retry (the entry into RETRYING opens the new attempt) failed.
 */
export function attemptSpans(run: Pick<Run, 'history'>): AttemptSpan[] {
  const byAttempt = new Map<number, HistoryEntry[]>();
  for (const entry of run.history) {
    const list = byAttempt.get(entry.attempt) ?? [];
    list.push(entry);
    byAttempt.set(entry.attempt, list);
  }
  const groups = [...byAttempt.keys()].sort((a, b) => a - b).map((n) => byAttempt.get(n) as HistoryEntry[]);
  return groups.map((entries, i) => {
    const own = span(entries);
    const next = groups[i + 1]?.[0];
    if (own.endedAt !== null || next === undefined) return own;
    return { ...own, endedAt: next.at, state: next.to === RunState.RETRYING ? RunState.FAILED : own.state };
  });
}
