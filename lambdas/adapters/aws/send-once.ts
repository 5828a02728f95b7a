import { SubmitError } from '../../ports/submitter';

/**
 * Mutating AWS calls without an idempotency token (AddJobFlowSteps,
 * ActivatePipeline, RunJobFlow) are sent once and judged by how they failed.
 *
 * The SDK's standard retry strategy retries throttling, 5xx answers and
 * transient network errors (timeouts, resets) by itself — up to 3 attempts by
 * default ("Retry behavior", AWS SDKs and Tools reference guide,
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
 * After a 5xx or a lost answer the first attempt may have taken effect, so a
 * retry of a call without a token can apply it twice. Clients for these calls
 * are therefore built with `maxAttempts: 1` (the client option documented in
 * the @smithy/util-retry README, "MaxAttempts"); reads keep the SDK's retries.
 *
 *   claim (DynamoDB) ── send once ──┬─ 2xx ─────────────── recorded as SUBMITTED
 *                                   ├─ 4xx / throttled ─── not applied: resend later (or give up if permanent)
 *                                   └─ 5xx / no answer ─── maybe applied: look it up before any resend
 */

/** SDK client options for a client that sends each request exactly once. */
export const SEND_ONCE = { maxAttempts: 1 } as const;

/** How a failed mutating call is to be treated. */
export interface SendFailure {
  /** The call may have taken effect (5xx, timeout, lost connection, anything unknown). */
  readonly maybeApplied: boolean;
  /** Trying again (after a lookup, when maybeApplied) may help. */
  readonly retryable: boolean;
}

/**
 * Throttling error codes across AWS services. AWS's Common Errors list says of
 * ThrottlingException: "The request was denied due to request throttling"
 * (HTTP 400), e.g. https://docs.aws.amazon.com/emr/latest/APIReference/CommonErrors.html —
 * a denied request was not applied.
 */
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

interface SdkErrorShape {
  readonly name?: string;
  readonly $fault?: 'client' | 'server';
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: { readonly throttling?: boolean };
}

/**
 * Judges the error of a call that was sent once. An answer in the 4xx range
 * (validation, permissions, not found, throttling) means the service refused
 * the request: not applied. A 5xx answer, a timeout, a reset connection or an
 * error with no HTTP status at all leaves it open whether the call took
 * effect: maybe applied (the safe side — a lookup decides). `permanent` names
 * refusals that trying again cannot fix.
 */
export function judgeSendError(err: unknown, permanent: ReadonlySet<string>): SendFailure {
  const e = (err ?? {}) as SdkErrorShape;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  if (THROTTLING.has(name) || status === 429 || e.$retryable?.throttling) return { maybeApplied: false, retryable: true };
  // These codes only ever come in an answer from the service: a refusal.
  if (permanent.has(name)) return { maybeApplied: false, retryable: false };
  if ((status !== undefined && status >= 400 && status < 500) || (status === undefined && e.$fault === 'client'))
    return { maybeApplied: false, retryable: true };
  return { maybeApplied: true, retryable: true };
}

/**
 * Runs a read a submitter needs before its mutating call (resolving a name
 * through ListApplications, ListStateMachines, ListPipelines). When it fails,
 * nothing has been sent, so nothing can have taken effect: the failure becomes
 * a SubmitError that is never `maybeApplied` — retryable unless `permanent`
 * names it — and the engine tries again. Left as it came from the SDK, the
 * engine could not judge it and would park the run SUBMIT_UNCERTAIN with an
 * alert (found by the soak, bench/soak/service-plane.ts: a throttled
 * ListApplications parked an EMR Serverless run). A SubmitError of the read's
 * own (an unknown name) passes through.
 */
export async function beforeSend<T>(what: string, permanent: ReadonlySet<string>, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof SubmitError) throw err;
    const { retryable } = judgeSendError(err, permanent);
    throw new SubmitError(`${what}: ${(err as Error).name}: ${(err as Error).message} (nothing was sent)`, retryable, { cause: err });
  }
}
