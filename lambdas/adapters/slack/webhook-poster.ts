import { WebhookFailedError, type WebhookPoster, WebhookRejectedError } from '../../ports/webhook';

/**
 * The Slack incoming-webhook client: one POST of the message as JSON, with a
 * timeout. Errors carry the HTTP status and Slack's short reason, never the
 * URL (a credential).
 */

type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{
  ok: boolean;
  status: number;
  text(): Promise<string>;
  headers?: { get(name: string): string | null };
}>;

/** Slack rate-limited the post (HTTP 429) and said, in Retry-After, how many seconds to wait. */
export class WebhookThrottledError extends WebhookFailedError {
  override readonly name: string = 'WebhookThrottledError';
  constructor(readonly retryAfterSeconds: number | undefined) {
    super(`Slack webhook answered HTTP 429 (rate limited${retryAfterSeconds === undefined ? '' : `, retry after ${retryAfterSeconds} s`})`);
  }
}

/**
 * The longest Retry-After the notifier waits for inside one invocation: the
 * function has 20 s for a few posts (lib/alerts.ts). A longer wait is left to
 * Lambda's asynchronous retry (1 and 2 minutes later), which throwing triggers.
 */
export const MAX_RETRY_AFTER_WAIT_SECONDS = 5;

/** Retry-After as delay-seconds (what Slack sends); an HTTP-date or garbage gives undefined. */
export function retryAfterSeconds(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value.trim());
}

/**
 * Posts with fetch (global by default). Errors carry the HTTP status and
 * Slack's short reason (`invalid_token`, `channel_not_found`), never the URL.
 */
export function webhookPoster(
  fetchFn: FetchLike = (url, init) => globalThis.fetch(url, init),
  timeoutMs = 5_000,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): WebhookPoster {
  const postOnce = postOnceWith(fetchFn, timeoutMs);
  // Slack's "Rate limits" (https://docs.slack.dev/apis/web-api/rate-limits): a rate-limited request is answered
  // HTTP 429 with a Retry-After header giving the seconds to wait. Honour it once when it is short; otherwise
  // (or when it is missing) the error goes to Lambda's asynchronous retry, minutes later.
  return async (url, message) => {
    try {
      await postOnce(url, message);
    } catch (error) {
      if (!(error instanceof WebhookThrottledError)) throw error;
      const wait = error.retryAfterSeconds;
      if (wait === undefined || wait > MAX_RETRY_AFTER_WAIT_SECONDS) throw error;
      await sleep(wait * 1000);
      await postOnce(url, message);
    }
  };
}

function postOnceWith(fetchFn: FetchLike, timeoutMs: number): WebhookPoster {
  return async (url, message) => {
    let response: Awaited<ReturnType<FetchLike>>;
    try {
      response = await fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      throw new WebhookFailedError(`Slack webhook request failed: ${(error as Error).name}${code ? ` (${code})` : ''}`);
    }
    if (response.ok) return;
    if (response.status === 429) throw new WebhookThrottledError(retryAfterSeconds(response.headers?.get('retry-after')));
    const reason = (await response.text().catch(() => '')).replace(/\s+/g, ' ').slice(0, 80);
    if (response.status >= 400 && response.status < 500 && response.status !== 429) throw new WebhookRejectedError(response.status, reason);
    throw new WebhookFailedError(`Slack webhook answered HTTP ${response.status} ${reason}`);
  };
}
