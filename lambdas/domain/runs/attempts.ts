import type { Actor, AttemptCause, HistoryEntry, Run } from './run';
import { RunState } from './states';

/** One attempt of a run as `rsched history` shows it: why it started, who started it, and when. */
export interface AttemptSummary {
  readonly attempt: number;
  readonly cause: AttemptCause;
  readonly by: Actor;
  readonly startedAt: string;
}

/**
 * The cause of an attempt whose first entry has none recorded (items written
 * before causes were): read from what the operations wrote as the reason —
 * "manual run", "replay", "backfill <id>", "rsched mark …" — and from the
 * transition itself for the automatic ones.
 */
function inferredCause(first: HistoryEntry): AttemptCause {
  if (first.to === RunState.RETRYING) return 'retry';
  if (first.why.startsWith('manual run')) return 'manual';
  if (first.why.startsWith('backfill')) return 'backfill';
  if (first.why.startsWith('rsched mark')) return 'mark';
  if (first.why.startsWith('replay') || first.by.startsWith('operator:')) return 'replay';
  if (first.why.startsWith('upstream')) return 'upstream';
  if (first.why.startsWith('marker')) return 'marker';
  return 'schedule';
}

/** Every attempt of the run, oldest first, each with the cause recorded on (or read from) its first transition. */
export function attemptsOf(run: Pick<Run, 'history'>): AttemptSummary[] {
  const out: AttemptSummary[] = [];
  for (const entry of run.history) {
    if (out.at(-1)?.attempt === entry.attempt) continue;
    out.push({ attempt: entry.attempt, cause: entry.cause ?? inferredCause(entry), by: entry.by, startedAt: entry.at });
  }
  return out;
}

/** "manual run", "replay", … : a cause as people say it. */
export const CAUSE_LABELS: Readonly<Record<AttemptCause, string>> = {
  schedule: 'scheduled',
  upstream: 'upstreams done',
  marker: 'its marker',
  retry: 'automatic retry',
  manual: 'manual run (run now)',
  replay: 'replay',
  backfill: 'backfill',
  mark: 'rsched mark',
};
