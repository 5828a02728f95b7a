import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { type SubmissionRef, SubmitError, type SubmitRequest, type SubmitResult, type Submitter } from '../../ports/submitter';
import { judgeSendError } from './send-once';

/**
 * Invokes a Lambda function asynchronously (Invoke with InvocationType
 * `Event`: "Lambda adds events to a queue before sending them to your
 * function", answers 202; the payload is at most 1 MB —
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html).
 *
 * Invoke takes no idempotency token, and an asynchronous invocation leaves
 * nothing the scheduler can look up afterwards (no API lists a function's
 * invocations). So the call is sent once, on a client with SDK retries off
 * (`SEND_ONCE`): a refusal (4xx, throttling) was not applied and may be
 * resent; a 5xx, a timeout or a lost answer may have queued the event, and
 * findSubmission answers 'unknown' — the engine parks the run
 * (SUBMIT_UNCERTAIN) with an alert rather than invoke twice. At most once on
 * the scheduler's side; on Lambda's side, the same page warns that a function
 * "may receive the same event multiple times, even if no error occurs" — the
 * function must be idempotent (docs/targets.md, "lambda").
 */

/** Refusals that trying again cannot fix. */
const PERMANENT = new Set([
  'ResourceNotFoundException',
  'InvalidParameterValueException',
  'InvalidRequestContentException',
  'RequestTooLargeException',
  'AccessDeniedException',
]);

export class LambdaSubmitter implements Submitter {
  /**
   * @param client sends Invoke; build it with `SEND_ONCE` (maxAttempts 1).
   * @param options.onCommand sees each Invoke before it is sent (the local runtime tags it with its run).
   */
  constructor(
    private readonly client: LambdaClient,
    private readonly options: { readonly onCommand?: (command: InvokeCommand, request: SubmitRequest) => void } = {},
  ) {}

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const target = request.target;
    if (target.type !== 'lambda') throw new SubmitError(`LambdaSubmitter got a ${target.type} target`, false);
    const command = new InvokeCommand({
      FunctionName: target.function,
      InvocationType: 'Event',
      Payload: new TextEncoder().encode(target.payload),
    });
    this.options.onCommand?.(command, request);
    let status: number | undefined;
    let requestId: string | undefined;
    try {
      const out = await this.client.send(command);
      status = out.StatusCode;
      requestId = out.$metadata.requestId;
    } catch (err) {
      const { retryable, maybeApplied } = judgeSendError(err, PERMANENT);
      throw new SubmitError(`Invoke ${target.function}: ${(err as Error).name}: ${(err as Error).message}`, retryable, {
        cause: err,
        maybeApplied,
      });
    }
    // An asynchronous invocation that was queued answers 202 (API_Invoke, "StatusCode").
    if (status !== 202)
      throw new SubmitError(`Invoke ${target.function} answered ${String(status)}, not 202 (queued)`, true, { maybeApplied: true });
    return { submissionId: requestId ?? `invoke:${target.function}` };
  }

  /** Nothing to look up: no API lists the asynchronous invocations of a function. */
  async findSubmission(_ref: SubmissionRef): Promise<'unknown'> {
    return 'unknown';
  }
}
