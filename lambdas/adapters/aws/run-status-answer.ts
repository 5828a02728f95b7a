import { type CompletionService, outcomeOf } from '../../domain/completion/terminal-states';
import type { RunStatus } from '../../ports/run-status';

/** Failure texts are clipped like the events' (domain/completion/service-events). */
const MAX_ERROR_CHARS = 500;

/**
 * "Cannot tell": the call failed — throttled after the SDK's retries, access
 * denied, the run or the job not found, no answer. The error's name and
 * message say which; the sweeper then keeps the TIMED_OUT path
 * (docs/completion.md, "Guarantees").
 */
export function couldNotAsk(call: string, err: unknown): RunStatus {
  const e = err as { name?: string; message?: string };
  return { kind: 'unknown', why: `${call} failed: ${e.name ?? 'Error'}: ${e.message ?? String(err)}` };
}

/** What a service said of one run, in its own words. */
export interface ServiceAnswer {
  readonly state?: string;
  readonly startedAt?: Date;
  readonly endedAt?: Date;
  /** The service's own measure of the run, when it gives one. */
  readonly durationSeconds?: number;
  readonly error?: string;
}

/**
 * A service's answer as a RunStatus. Whether the state ends the run is read
 * from the one domain table (domain/completion/terminal-states) the events go
 * through too, so a poll and an event never disagree about a state.
 */
export function runStatusOf(service: CompletionService, call: string, answer: ServiceAnswer): RunStatus {
  const { state, startedAt, endedAt, error } = answer;
  if (!state) return { kind: 'unknown', why: `${call} returned no state` };
  if (!outcomeOf(service, state)) return { kind: 'running', state };
  const measured =
    startedAt && endedAt ? Math.max(0, Math.round((endedAt.getTime() - startedAt.getTime()) / 1000)) : answer.durationSeconds;
  return {
    kind: 'ended',
    state,
    ...(endedAt ? { endedAt: endedAt.toISOString() } : {}),
    ...(measured !== undefined ? { durationSeconds: measured } : {}),
    ...(error ? { error: error.slice(0, MAX_ERROR_CHARS) } : {}),
  };
}
