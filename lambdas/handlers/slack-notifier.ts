import type { SNSEvent } from 'aws-lambda';
import { alertText } from '../adapters/aws/sns-alert-sink';
import { AlertKind } from '../domain/alerts';
import type { RunDate } from '../domain/run-date';
import type { Log } from '../ports/log';
import type { AlertRecord } from '../ports/run-store';

/**
 * The Slack notifier: subscribed to the alert topic, it posts each alert to a
 * Slack incoming webhook. It understands the engine's alerts (the `lambda`
 * body SnsAlertSink publishes: a JSON AlertRecord) and CloudWatch alarm
 * notifications; a dead-letter-queue depth alarm becomes a DEAD_LETTER alert.
 *
 * The webhook URL is a credential: it is read from Secrets Manager at run
 * time, never logged, and no error message here contains it.
 */

/** The webhook URL, read once per execution environment and kept. */
export interface WebhookSecret {
  url(): Promise<string>;
  /** Forgets the kept URL (Slack rejected it; the secret may have been rotated). */
  forget(): void;
}

export interface SlackMessage {
  readonly text: string;
}

export type WebhookPoster = (url: string, message: SlackMessage) => Promise<void>;

/** Slack refused the webhook itself (revoked, channel gone): trying the same URL again will not help. */
export class WebhookRejectedError extends Error {
  override readonly name = 'WebhookRejectedError';
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(`Slack rejected the webhook: HTTP ${status} ${reason}`);
  }
}

/** The post did not go through this time (network, 429, 5xx): Lambda's retry may succeed. */
export class WebhookFailedError extends Error {
  override readonly name: string = 'WebhookFailedError';
}

export interface SlackNotifierDeps {
  readonly webhook: WebhookSecret;
  readonly post: WebhookPoster;
  readonly log: Log;
}

export interface SlackNotifierResult {
  readonly posted: number;
}

/**
 * Posts every SNS record to Slack. A rejected webhook is read again from the
 * secret once (it may have been rotated); anything still failing is thrown
 * after all records were tried, so Lambda retries and then dead-letters.
 */
export function makeSlackNotifierHandler(deps: SlackNotifierDeps) {
  const postFresh = async (message: SlackMessage): Promise<void> => {
    try {
      await deps.post(await deps.webhook.url(), message);
    } catch (error) {
      if (!(error instanceof WebhookRejectedError)) throw error;
      deps.webhook.forget();
      await deps.post(await deps.webhook.url(), message);
    }
  };
  return async (event: SNSEvent): Promise<SlackNotifierResult> => {
    const failures: string[] = [];
    let posted = 0;
    for (const record of event.Records ?? []) {
      try {
        await postFresh(slackMessageFor(record.Sns));
        posted++;
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        deps.log.error('Slack post failed', { messageId: record.Sns?.MessageId, reason });
        failures.push(reason);
      }
    }
    if (failures.length > 0) throw new WebhookFailedError(`${failures.length} alert(s) not posted to Slack: ${failures.join('; ')}`);
    deps.log.info('posted to Slack', { posted });
    return { posted };
  };
}

// ---- formatting -------------------------------------------------------------

const ICONS: Record<AlertKind, string> = {
  TIMED_OUT: ':hourglass:',
  FAILED: ':x:',
  SUBMIT_FAILED: ':no_entry:',
  MARKER_REJECTED: ':warning:',
  CLUSTER_FAILED: ':boom:',
  LATE: ':alarm_clock:',
  PREDICTED_LATE: ':crystal_ball:',
  DEAD_LETTER: ':skull:',
  SUBMIT_UNCERTAIN: ':question:',
  MARKER_CONFLICT: ':twisted_rightwards_arrows:',
};

/** Slack's limit is far higher; a longer alert is unreadable in a channel anyway. */
const MAX_TEXT = 3000;

/** Slack mrkdwn treats &, < and > as control characters. */
function escapeSlack(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** The first line in bold, the rest as it is. */
function headed(icon: string, text: string): SlackMessage {
  const [head = '', ...rest] = escapeSlack(text).split('\n');
  const body = [`${icon} *${head}*`, ...rest].join('\n');
  return { text: body.length > MAX_TEXT ? `${body.slice(0, MAX_TEXT - 1)}…` : body };
}

export function formatAlert(alert: AlertRecord): SlackMessage {
  return headed(ICONS[alert.kind] ?? ':bell:', alertText(alert));
}

/** What CloudWatch publishes to SNS when an alarm changes state (the fields used here). */
export interface AlarmNotification {
  readonly AlarmName: string;
  readonly AlarmDescription?: string | null;
  readonly AlarmArn?: string;
  readonly NewStateValue: string;
  readonly NewStateReason?: string;
  readonly StateChangeTime?: string;
  readonly Trigger?: {
    readonly MetricName?: string;
    readonly Namespace?: string;
    readonly Dimensions?: readonly { readonly name: string; readonly value: string }[];
  };
}

const NEXT_MARK = '\nNext: ';

/**
 * The description of a dead-letter depth alarm: what the queue holds, and
 * what to do. The stack writes it; `deadLetterAlert` reads it back.
 */
export function deadLetterAlarmDescription(holds: string, next: string): string {
  return `Dead letters: ${holds}.${NEXT_MARK}${next}`.slice(0, 1024);
}

function isDeadLetterAlarm(alarm: AlarmNotification): boolean {
  return alarm.Trigger?.Namespace === 'AWS/SQS' && (alarm.Trigger.MetricName ?? '').startsWith('ApproximateNumberOfMessages');
}

/** CloudWatch writes `+0000`; Date needs `+00:00` to be sure. */
function isoTime(text: string | undefined): string {
  const date = new Date((text ?? '').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(date.getTime()) ? new Date().toISOString() : date.toISOString();
}

/** A DEAD_LETTER alert for a dead-letter-queue depth alarm going to ALARM; undefined for any other alarm. */
export function deadLetterAlert(alarm: AlarmNotification): AlertRecord | undefined {
  if (alarm.NewStateValue !== 'ALARM' || !isDeadLetterAlarm(alarm)) return undefined;
  const queue = alarm.Trigger?.Dimensions?.find((d) => d.name === 'QueueName')?.value ?? alarm.AlarmName;
  const description = alarm.AlarmDescription ?? '';
  const cut = description.indexOf(NEXT_MARK);
  const what = cut >= 0 ? description.slice(0, cut) : description;
  const next =
    cut >= 0
      ? description.slice(cut + NEXT_MARK.length)
      : `Read the messages in ${queue}, fix the cause, then reconcile the affected dates.`;
  const at = isoTime(alarm.StateChangeTime);
  return {
    kind: AlertKind.DEAD_LETTER,
    date: at.slice(0, 10) as RunDate,
    at,
    subject: queue,
    message: `queue ${queue} has messages. ${what || 'Events failed after every retry.'}`,
    next,
  };
}

export function formatAlarm(alarm: AlarmNotification): SlackMessage {
  const deadLetters = deadLetterAlert(alarm);
  if (deadLetters) return formatAlert(deadLetters);
  const icon = alarm.NewStateValue === 'OK' ? ':white_check_mark:' : ':rotating_light:';
  const lines = [`[${alarm.NewStateValue}] ${alarm.AlarmName}`, alarm.NewStateReason, alarm.AlarmDescription];
  return headed(icon, lines.filter((l): l is string => typeof l === 'string' && l !== '').join('\n'));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isAlertRecord(value: unknown): value is AlertRecord {
  const v = value as AlertRecord | undefined;
  return typeof v?.kind === 'string' && v.kind in ICONS && typeof v.date === 'string' && typeof v.message === 'string';
}

function isAlarm(value: unknown): value is AlarmNotification {
  const v = value as AlarmNotification | undefined;
  return typeof v?.AlarmName === 'string' && typeof v.NewStateValue === 'string';
}

/** The Slack message for one SNS message: an engine alert, an alarm, or (anything else) its subject and text. */
export function slackMessageFor(sns: { readonly Message: string; readonly Subject?: string | null }): SlackMessage {
  const body = parseJson(sns.Message);
  if (isAlertRecord(body)) return formatAlert(body);
  if (isAlarm(body)) return formatAlarm(body);
  return headed(':bell:', [sns.Subject, sns.Message].filter((l): l is string => typeof l === 'string' && l !== '').join('\n'));
}

// ---- webhook and secret -----------------------------------------------------

/**
 * The secret holds the URL itself, or JSON with a `url` (or `webhookUrl`)
 * field. Errors describe the shape, never the value.
 */
export function parseWebhookSecret(secret: string): string {
  const trimmed = secret.trim();
  let candidate: unknown = trimmed;
  if (trimmed.startsWith('{')) {
    const json = parseJson(trimmed) as { url?: unknown; webhookUrl?: unknown } | undefined;
    candidate = json?.url ?? json?.webhookUrl;
  }
  let url: URL | undefined;
  try {
    url = typeof candidate === 'string' ? new URL(candidate) : undefined;
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:') {
    throw new Error('the Slack webhook secret must hold an https URL, or JSON {"url": "https://hooks.slack.com/..."}');
  }
  return url.toString();
}

/** Reads the URL on first use and keeps it; a failed read is not kept, so the next call tries again. */
export function cachedWebhook(read: () => Promise<string>): WebhookSecret {
  let kept: Promise<string> | undefined;
  return {
    url() {
      kept ??= read().catch((error: unknown) => {
        kept = undefined;
        throw error;
      });
      return kept;
    },
    forget() {
      kept = undefined;
    },
  };
}

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
