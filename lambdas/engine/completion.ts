import { type CompletionSource, completionMarker, type ServiceCompletion } from '../domain/completion/completion-marker';
import type { ServiceStateChange } from '../domain/completion/service-events';
import { type CompletionService, outcomeOf } from '../domain/completion/terminal-states';
import type { Job } from '../domain/config/dag';
import type { RunDate } from '../domain/run-date';
import type { Run } from '../domain/runs/run';
import { OPEN_STATES, RunState } from '../domain/runs/states';
import type { MarkerSink } from '../ports/marker-bucket';
import type { RunStatusReaders } from '../ports/run-status';
import { parseSubmissionName } from '../ports/submitter';
import type { EngineDeps } from './deps';

/**
 * Completion without hand-written markers (docs/completion.md): a service's
 * state-change event — or the sweeper's status poll — becomes the job's
 * `.done` / `.failed` marker in the marker bucket. The marker then takes the
 * normal path (S3 → SNS → scheduler), so S3 stays the single source of truth
 * and history, reconcile and replay see nothing new.
 *
 * Only runs this scheduler submitted are marked: the event's submission id
 * must be the one the run's CURRENT attempt recorded (Run.submissionId).
 */

/** What became of one event. Everything but `written` writes nothing (logged and counted by the handler). */
export type CompletionEventOutcome =
  /** A state that does not end the run (RUNNING, PENDING …). */
  | 'not-terminal'
  /** No run of this scheduler recorded this submission id (not ours, or a step name that is not ours). */
  | 'not-ours'
  /** The submission belongs to an attempt that is no longer the run's current one. */
  | 'older-attempt'
  /** The job writes its own marker (`completion: "marker"`). */
  | 'opted-out'
  /** The attempt has already ended (a duplicate or late event). */
  | 'already-ended'
  | 'written';

/**
 * The run's current attempt is claimed for this very step but the submission
 * is not recorded yet (the event overtook the handler that submitted it).
 * Thrown so that Lambda retries the event a minute later, by when it is.
 */
export class SubmissionNotRecordedError extends Error {
  override readonly name = 'SubmissionNotRecordedError';
}

type CompletionDeps = Pick<EngineDeps, 'dag' | 'store' | 'clock' | 'log'> & { readonly markers: MarkerSink };

/** Handles one parsed service event. */
export async function onServiceStateChange(deps: CompletionDeps, change: ServiceStateChange): Promise<CompletionEventOutcome> {
  if (!change.outcome) return 'not-terminal';
  const found = change.service === 'emr-step' ? await emrStepRun(deps, change) : await runBySubmission(deps, change.submissionId);
  if (typeof found === 'string') return found;
  const { run, job } = found;
  // Ids of different services are different namespaces: a Glue run id never ends an EMR step's run.
  if (job.target.type !== change.service) return 'not-ours';
  if (job.completion !== 'events') return 'opted-out';
  if (!OPEN_STATES.includes(run.state)) return 'already-ended';
  await writeCompletionMarker(deps.markers, job, run, { ...change, outcome: change.outcome }, 'event');
  deps.log.info('completion marker written', {
    job: run.job,
    date: run.date,
    attempt: run.attempt,
    service: change.service,
    submissionId: change.submissionId,
    state: change.state,
  });
  return 'written';
}

/**
 * EMR steps carry their name, submissionName(job, date, attempt): one
 * consistent read of that run, then the step id must be the one recorded.
 */
async function emrStepRun(deps: CompletionDeps, change: ServiceStateChange): Promise<{ run: Run; job: Job } | CompletionEventOutcome> {
  const ref = parseSubmissionName(change.name ?? '');
  const job = ref ? deps.dag.jobs.get(ref.job) : undefined;
  if (!ref || !job) return 'not-ours';
  const run = await deps.store.get({ job: ref.job, date: ref.date });
  if (!run) return 'not-ours';
  if (ref.attempt < run.attempt) return 'older-attempt';
  if (ref.attempt > run.attempt) return 'not-ours';
  if (run.submissionId === undefined && run.state === RunState.SUBMITTING) {
    throw new SubmissionNotRecordedError(
      `${run.job} ${run.date} attempt ${run.attempt} is being submitted; step ${change.submissionId} is not recorded yet`,
    );
  }
  return run.submissionId === change.submissionId ? { run, job } : 'not-ours';
}

/**
 * Other services: the sparse bySubmission index from the id to the run, then
 * a consistent read (the index is eventually consistent, and only the item
 * says whether the id is still its current attempt's). A retry or replay
 * clears submissionId, so an older attempt's id finds nothing.
 */
async function runBySubmission(deps: CompletionDeps, submissionId: string): Promise<{ run: Run; job: Job } | CompletionEventOutcome> {
  for (const key of await deps.store.findBySubmission(submissionId)) {
    const run = await deps.store.get(key);
    const job = run ? deps.dag.jobs.get(run.job) : undefined;
    if (run && job && run.submissionId === submissionId) return { run, job };
  }
  return 'not-ours';
}

/** Writes the job's marker for a run's attempt, as the service reported its end. */
export async function writeCompletionMarker(
  markers: MarkerSink,
  job: Job,
  run: Run,
  completion: ServiceCompletion,
  source: CompletionSource,
): Promise<string> {
  const marker = completionMarker(job, run, completion, source);
  await markers.write(marker.key, marker.body);
  return marker.key;
}

/** What the sweeper's status poll found for a SUBMITTED run past its maximum run time. */
export type PollOutcome = 'written' | 'running' | 'unknown' | 'not-polled';

/**
 * Events are best effort: past maxRuntimeMinutes the sweeper asks the
 * service. If it says the run ended, the sweeper writes the marker itself;
 * 'running' and 'unknown' leave the run to the TIMED_OUT path.
 */
export async function pollSubmitted(
  deps: Pick<EngineDeps, 'clock' | 'log'> & { readonly completion: { markers: MarkerSink; status: RunStatusReaders } },
  job: Job,
  run: Run,
): Promise<PollOutcome> {
  const reader = deps.completion.status.for(job.target.type);
  if (job.completion !== 'events' || !reader || run.state !== RunState.SUBMITTED || !run.submissionId) return 'not-polled';
  const status = await reader.status({
    job: run.job,
    date: run.date as RunDate,
    attempt: run.attempt,
    submissionId: run.submissionId,
    clusterId: run.clusterId,
    target: job.target,
  });
  if (status.kind === 'unknown') {
    deps.log.warn('status poll could not tell', { job: run.job, date: run.date, attempt: run.attempt, why: status.why });
    return 'unknown';
  }
  const service = job.target.type as CompletionService;
  const outcome = outcomeOf(service, status.state);
  if (status.kind === 'running' || !outcome) return 'running';
  await writeCompletionMarker(
    deps.completion.markers,
    job,
    run,
    {
      service,
      submissionId: run.submissionId,
      state: status.state,
      outcome,
      at: status.endedAt ?? deps.clock.now().toISOString(),
      ...(status.error ? { error: status.error } : {}),
      ...(status.durationSeconds !== undefined ? { durationSeconds: status.durationSeconds } : {}),
      ...(run.clusterId ? { clusterId: run.clusterId } : {}),
    },
    'poll',
  );
  deps.log.info('completion marker written from a status poll', {
    job: run.job,
    date: run.date,
    attempt: run.attempt,
    state: status.state,
  });
  return 'written';
}
