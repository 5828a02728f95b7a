import type { Job } from '../config/dag';
import { formatMarkerKey } from '../markers';
import type { Run } from '../runs/run';
import type { CompletionOutcome, CompletionService } from './terminal-states';

/** How the scheduler learnt that a run ended: the service's event, or the sweeper's status poll. */
export type CompletionSource = 'event' | 'poll';

/** A run's end as a service reported it. */
export interface ServiceCompletion {
  readonly service: CompletionService;
  readonly submissionId: string;
  readonly state: string;
  readonly outcome: CompletionOutcome;
  /** When it ended (the event's time, or the service's end time; the poll's time if it gave none). */
  readonly at: string;
  readonly error?: string;
  readonly durationSeconds?: number;
  readonly clusterId?: string;
}

/**
 * The marker the scheduler writes for a job that does not write its own
 * (docs/completion.md): the job's usual key, under its `markers.prefix`, and a
 * body that names the attempt — so the scheduler judges it by attempt, never
 * by clock, exactly like a `rsched mark` marker (docs/markers.md) — with the
 * service's run id, state, duration and error in `meta` for history.
 */
export function completionMarker(
  job: Pick<Job, 'name' | 'markers'>,
  run: Pick<Run, 'date' | 'attempt' | 'submittedAt'>,
  c: ServiceCompletion,
  source: CompletionSource,
): { key: string; body: string } {
  const measured = run.submittedAt ? Math.round((Date.parse(c.at) - Date.parse(run.submittedAt)) / 1000) : undefined;
  const durationSeconds =
    c.durationSeconds ?? (measured !== undefined && Number.isFinite(measured) && measured >= 0 ? measured : undefined);
  const meta = {
    completion: source,
    service: c.service,
    runId: c.submissionId,
    state: c.state,
    endedAt: c.at,
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    ...(c.clusterId ? { clusterId: c.clusterId } : {}),
    // `error` is what a .failed marker's reason is read from (domain/markers failureReasonOf).
    ...(c.outcome === 'failed' ? { error: c.error ?? `${c.service} run ${c.submissionId} ended ${c.state}` } : {}),
  };
  return {
    key: formatMarkerKey(job.name, run.date, c.outcome, job.markers.prefix ?? ''),
    body: JSON.stringify({ attempt: run.attempt, meta }),
  };
}
