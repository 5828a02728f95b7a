import { type GlueClient, paginateGetJobRuns, StartJobRunCommand } from '@aws-sdk/client-glue';
import { GLUE_RUN_ARGUMENT } from '../../domain/glue';
import {
  type SubmissionRef,
  SubmitError,
  type SubmitRequest,
  type SubmitResult,
  type Submitter,
  submissionName,
} from '../../ports/submitter';
import { judgeSendError } from './send-once';

/**
 * Starts AWS Glue job runs. StartJobRun takes no idempotency token (JobName,
 * JobRunId to retry a previous run, Arguments, capacity settings:
 * https://docs.aws.amazon.com/glue/latest/webapi/API_StartJobRun.html), so
 * a retried call can start a second run. It is sent once, on a client with
 * SDK retries off (`SEND_ONCE`), after the run's claim in DynamoDB; the run
 * carries its submission name in the argument `--rsched-run`, and a failure
 * that may have been applied is looked up by that argument through GetJobRuns
 * ("returns the job runs in chronological order, with the newest jobs
 * returned first": https://docs.aws.amazon.com/glue/latest/webapi/API_GetJobRuns.html)
 * before any resend.
 *
 * ConcurrentRunsExceededException (the job's MaxConcurrentRuns, "The default
 * is 1. An error is returned when this threshold is reached":
 * https://docs.aws.amazon.com/glue/latest/webapi/API_ExecutionProperty.html)
 * is a refusal — not applied — that says "busy": the engine waits and tries
 * again instead of failing the run.
 */

/** Refusals that trying again cannot fix. */
const PERMANENT = new Set(['EntityNotFoundException', 'InvalidInputException', 'AccessDeniedException', 'ValidationException']);
const BUSY = 'ConcurrentRunsExceededException';
/** A run stamped this much before the claim is still looked at (clock skew between Glue and the Lambda). */
export const STARTED_SKEW_MS = 5 * 60_000;

export class GlueSubmitter implements Submitter {
  private readonly readClient: GlueClient;

  /**
   * @param sendClient sends StartJobRun; build it with `SEND_ONCE` (maxAttempts 1).
   * @param options.readClient for GetJobRuns, with the SDK's retries; defaults to sendClient.
   */
  constructor(
    private readonly sendClient: GlueClient,
    options: { readonly readClient?: GlueClient } = {},
  ) {
    this.readClient = options.readClient ?? sendClient;
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const target = request.target;
    if (target.type !== 'glue') throw new SubmitError(`GlueSubmitter got a ${target.type} target`, false);
    let jobRunId: string | undefined;
    try {
      const out = await this.sendClient.send(
        new StartJobRunCommand({
          JobName: target.jobName,
          Arguments: { ...target.arguments, [GLUE_RUN_ARGUMENT]: submissionName(request.job, request.date, request.attempt) },
        }),
      );
      jobRunId = out.JobRunId;
    } catch (err) {
      const name = (err as Error).name;
      const message = `StartJobRun ${target.jobName}: ${name}: ${(err as Error).message}`;
      if (name === BUSY) throw new SubmitError(message, true, { cause: err, busy: true });
      const { retryable, maybeApplied } = judgeSendError(err, PERMANENT);
      throw new SubmitError(message, retryable, { cause: err, maybeApplied });
    }
    // Glue answered 200: the run may well exist; only the lookup can say which.
    if (!jobRunId) throw new SubmitError('StartJobRun returned no job run id', true, { maybeApplied: true });
    return { submissionId: jobRunId };
  }

  /**
   * The run of this attempt: the newest runs of the job first, page after
   * page, until one carries `--rsched-run` = the submission name, or the runs
   * are older than the claim (less STARTED_SKEW_MS). Undefined when none is
   * found. A failing GetJobRuns throws: never taken for "not started".
   */
  async findSubmission(ref: SubmissionRef): Promise<SubmitResult | undefined | 'unknown'> {
    // Without the rendered target (it could not be rendered again) there is nothing to look in: never a guess.
    if (ref.target?.type !== 'glue') return 'unknown';
    const wanted = submissionName(ref.job, ref.date, ref.attempt);
    const since = ref.since === undefined ? Number.NaN : Date.parse(ref.since) - STARTED_SKEW_MS;
    for await (const page of paginateGetJobRuns({ client: this.readClient }, { JobName: ref.target.jobName })) {
      for (const run of page.JobRuns ?? []) {
        if (run.Arguments?.[GLUE_RUN_ARGUMENT] === wanted && run.Id) return { submissionId: run.Id };
        if (!Number.isNaN(since) && run.StartedOn && run.StartedOn.getTime() < since) return undefined;
      }
    }
    return undefined;
  }
}
