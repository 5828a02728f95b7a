import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cachedWebhook, parseWebhookSecret } from '../../lambdas/adapters/aws/webhook-secret';
import { MAX_RETRY_AFTER_WAIT_SECONDS, WebhookThrottledError, webhookPoster } from '../../lambdas/adapters/slack/webhook-poster';
import { type AlarmNotification, deadLetterAlarmDescription } from '../../lambdas/domain/alarm-notification';
import { AlertKind } from '../../lambdas/domain/alerts';
import type { RunDate } from '../../lambdas/domain/run-date';
import { type SlackMessage, slackMessageFor } from '../../lambdas/domain/slack-message';
import { makeSlackNotifierHandler } from '../../lambdas/handlers/slack-notifier';
import { silentLog } from '../../lambdas/ports/log';
import type { AlertRecord } from '../../lambdas/ports/run-store';
import { WebhookFailedError, WebhookRejectedError } from '../../lambdas/ports/webhook';
import { ENV } from '../../lambdas/runtime/env';

const WEBHOOK = 'https://hooks.slack.com/services/T000/B000/fake-test-token-not-a-secret';

const alert: AlertRecord = {
  kind: AlertKind.TIMED_OUT,
  job: 'sessions',
  date: '2026-11-22' as RunDate,
  attempt: 1,
  at: '2026-11-22T03:00:00.000Z',
  message: 'sessions 2026-11-22 TIMED_OUT: raw_events <late> & missing. Every run downstream of it is UPSTREAM_FAILED.',
  next: 'rsched replay sessions --date 2026-11-22 --downstream',
};

function dlqAlarm(state = 'ALARM'): AlarmNotification {
  return {
    AlarmName: 'ReactiveScheduler-dead-letters',
    AlarmDescription: deadLetterAlarmDescription('marker events the scheduler could not process', 'rsched reconcile --date <date>'),
    AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:ReactiveScheduler-dead-letters',
    NewStateValue: state,
    NewStateReason: 'Threshold Crossed: 1 datapoint [3.0] was greater than or equal to the threshold (1.0).',
    StateChangeTime: '2026-11-22T04:05:06.789+0000',
    Trigger: {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [{ name: 'QueueName', value: 'rsched-DeadLetters-ABC' }],
    },
  };
}

function snsEvent(...messages: { Message: string; Subject?: string }[]): SNSEvent {
  return {
    Records: messages.map((m, i) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:eu-west-1:123456789012:alerts:sub',
      Sns: { MessageId: `m-${i}`, TopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts', Subject: m.Subject, Message: m.Message } as never,
    })),
  };
}

describe('Slack message formatting', () => {
  it('renders an engine alert as its alert text: icon, what/which run in bold, why, what next; Slack control characters escaped', () => {
    const { text } = slackMessageFor({ Message: JSON.stringify(alert) });
    expect(text.split('\n')).toEqual([
      ':hourglass: *[TIMED_OUT] sessions 2026-11-22 (attempt 1)*',
      'sessions 2026-11-22 TIMED_OUT: raw_events &lt;late&gt; &amp; missing. Every run downstream of it is UPSTREAM_FAILED.',
      'Next: rsched replay sessions --date 2026-11-22 --downstream',
    ]);
  });

  it('turns a dead-letter-queue depth alarm into a DEAD_LETTER alert that says what the queue holds and what to do', () => {
    const { text } = slackMessageFor({ Message: JSON.stringify(dlqAlarm()) });
    expect(text.split('\n')).toEqual([
      ':skull: *[DEAD_LETTER] 2026-11-22*',
      'queue rsched-DeadLetters-ABC has messages. Dead letters: marker events the scheduler could not process.',
      'Next: rsched reconcile --date &lt;date&gt;',
    ]);
  });

  it('shows other alarms, and a dead-letter alarm returning to OK, as what CloudWatch says', () => {
    const errors: AlarmNotification = {
      AlarmName: 'ReactiveScheduler-scheduler-errors',
      AlarmDescription: 'scheduler failed; Lambda retries it (see its logs).',
      NewStateValue: 'ALARM',
      NewStateReason: 'Threshold Crossed',
      Trigger: { MetricName: 'Errors', Namespace: 'AWS/Lambda' },
    };
    expect(slackMessageFor({ Message: JSON.stringify(errors) }).text).toBe(
      ':rotating_light: *[ALARM] ReactiveScheduler-scheduler-errors*\nThreshold Crossed\nscheduler failed; Lambda retries it (see its logs).',
    );
    expect(slackMessageFor({ Message: JSON.stringify(dlqAlarm('OK')) }).text).toMatch(
      /^:white_check_mark: \*\[OK\] ReactiveScheduler-dead-letters\*/,
    );
  });

  it('passes anything else through with its subject', () => {
    expect(slackMessageFor({ Subject: 'hello', Message: 'plain <text>' }).text).toBe(':bell: *hello*\nplain &lt;text&gt;');
  });
});

describe('the webhook secret', () => {
  it('accepts the URL itself or JSON with a url field', () => {
    expect(parseWebhookSecret(`  ${WEBHOOK}\n`)).toBe(WEBHOOK);
    expect(parseWebhookSecret(JSON.stringify({ url: WEBHOOK }))).toBe(WEBHOOK);
    expect(parseWebhookSecret(JSON.stringify({ webhookUrl: WEBHOOK }))).toBe(WEBHOOK);
  });

  it('rejects anything but an https URL without repeating the secret in the error', () => {
    for (const bad of [
      'http://hooks.slack.com/services/T000/B000/fake-test-token-not-a-secret',
      'fake-test-token-not-a-secret',
      '{"token":"fake-test-token-not-a-secret"}',
    ]) {
      expect(() => parseWebhookSecret(bad)).toThrow(/must hold an https URL/);
      try {
        parseWebhookSecret(bad);
      } catch (error) {
        expect((error as Error).message).not.toContain('fake-test-token-not-a-secret');
      }
    }
  });

  it('is read once and kept; a failed read or a forget() reads it again', async () => {
    const read = vi.fn<() => Promise<string>>().mockRejectedValueOnce(new Error('throttled')).mockResolvedValue(WEBHOOK);
    const secret = cachedWebhook(read);
    await expect(secret.url()).rejects.toThrow('throttled');
    expect(await secret.url()).toBe(WEBHOOK);
    expect(await secret.url()).toBe(WEBHOOK);
    expect(read).toHaveBeenCalledTimes(2);
    secret.forget();
    await secret.url();
    expect(read).toHaveBeenCalledTimes(3);
  });
});

describe('posting to the webhook', () => {
  const response = (status: number, body = '') => ({ ok: status < 300, status, text: async () => body });

  it('posts the message as JSON', async () => {
    const fetchFn = vi.fn(async () => response(200, 'ok'));
    await webhookPoster(fetchFn)(WEBHOOK, { text: 'hi' });
    expect(fetchFn).toHaveBeenCalledWith(WEBHOOK, expect.objectContaining({ method: 'POST', body: '{"text":"hi"}' }));
  });

  it('tells a rejected webhook (4xx) from a failed attempt (429, 5xx, network), never naming the URL', async () => {
    const errorOf = async (fetchFn: Parameters<typeof webhookPoster>[0]) =>
      webhookPoster(fetchFn)(WEBHOOK, { text: 'hi' }).catch((e: Error) => e);
    const rejected = await errorOf(async () => response(403, 'invalid_token'));
    expect(rejected).toBeInstanceOf(WebhookRejectedError);
    expect((rejected as Error).message).toBe('Slack rejected the webhook: HTTP 403 invalid_token');
    expect(await errorOf(async () => response(429))).toBeInstanceOf(WebhookFailedError);
    expect(await errorOf(async () => response(503))).toBeInstanceOf(WebhookFailedError);
    const network = await errorOf(async () => {
      throw Object.assign(new TypeError(`fetch failed for ${WEBHOOK}`), { cause: { code: 'ENOTFOUND' } });
    });
    expect((network as Error).message).toBe('Slack webhook request failed: TypeError (ENOTFOUND)');
  });
});

describe("Slack's rate limit (HTTP 429 with Retry-After)", () => {
  // Slack, "Rate limits" (https://docs.slack.dev/apis/web-api/rate-limits): HTTP 429 plus Retry-After in seconds.
  const throttled = (retryAfter: string | null) => ({
    ok: false,
    status: 429,
    text: async () => 'rate_limited',
    headers: { get: (name: string) => (name.toLowerCase() === 'retry-after' ? retryAfter : null) },
  });
  const ok = { ok: true, status: 200, text: async () => 'ok' };

  it('waits the seconds Slack asks for, then posts once more', async () => {
    const fetchFn = vi.fn().mockResolvedValueOnce(throttled('2')).mockResolvedValueOnce(ok);
    const sleep = vi.fn(async (_ms: number) => {});
    await webhookPoster(fetchFn, 5_000, sleep)(WEBHOOK, { text: 'hi' });
    expect(sleep).toHaveBeenCalledWith(2_000);
    expect(fetchFn).toHaveBeenCalledTimes(2);
  });

  it("leaves a long or missing Retry-After to Lambda's retry, minutes later, instead of sleeping in the function", async () => {
    for (const header of [String(MAX_RETRY_AFTER_WAIT_SECONDS + 25), null, 'Wed, 21 Oct 2026 07:28:00 GMT']) {
      const fetchFn = vi.fn().mockResolvedValue(throttled(header));
      const sleep = vi.fn(async (_ms: number) => {});
      const error = await webhookPoster(fetchFn, 5_000, sleep)(WEBHOOK, { text: 'hi' }).catch((e: Error) => e);
      expect(error).toBeInstanceOf(WebhookThrottledError);
      expect(error).toBeInstanceOf(WebhookFailedError);
      expect(sleep).not.toHaveBeenCalled();
      expect(fetchFn).toHaveBeenCalledTimes(1);
    }
  });

  it('gives up after one honoured wait when Slack still throttles', async () => {
    const fetchFn = vi.fn().mockResolvedValue(throttled('1'));
    const sleep = vi.fn(async (_ms: number) => {});
    await expect(webhookPoster(fetchFn, 5_000, sleep)(WEBHOOK, { text: 'hi' })).rejects.toBeInstanceOf(WebhookThrottledError);
    expect(fetchFn).toHaveBeenCalledTimes(2);
  });
});

describe('the notifier handler', () => {
  it('reads the secret again once when Slack rejects the kept URL (the secret was rotated)', async () => {
    const urls = ['https://hooks.slack.com/services/old', 'https://hooks.slack.com/services/new'];
    const webhook = cachedWebhook(async () => urls.shift() as string);
    const posted: string[] = [];
    const post = async (url: string, _m: SlackMessage) => {
      if (url.endsWith('/old')) throw new WebhookRejectedError(404, 'no_service');
      posted.push(url);
    };
    const handler = makeSlackNotifierHandler({ webhook, post, log: silentLog });
    expect(await handler(snsEvent({ Message: JSON.stringify(alert) }))).toEqual({ posted: 1 });
    expect(posted).toEqual(['https://hooks.slack.com/services/new']);
  });

  it('tries every record, then throws so Lambda retries and finally dead-letters', async () => {
    let calls = 0;
    const post = async () => {
      calls++;
      if (calls === 1) throw new WebhookFailedError('Slack webhook answered HTTP 503');
    };
    const handler = makeSlackNotifierHandler({ webhook: cachedWebhook(async () => WEBHOOK), post, log: silentLog });
    await expect(handler(snsEvent({ Message: 'a' }, { Message: 'b' }))).rejects.toThrow(
      /1 alert\(s\) not posted to Slack: WebhookFailedError/,
    );
    expect(calls).toBe(2);
  });
});

/** A fresh copy of the entry module (its cold-start code runs on import); `.js` resolves to the .ts source. */
const importEntry = (): Promise<typeof import('../../lambdas/entry/slack-notifier.js')> => import('../../lambdas/entry/slack-notifier.js');

describe('the Lambda entry (cold-start wiring)', () => {
  const secrets = mockClient(SecretsManagerClient);
  const written: string[] = [];
  const capture = (chunk: unknown) => {
    written.push(String(chunk));
    return true;
  };

  beforeEach(() => {
    secrets.reset();
    written.length = 0;
    vi.resetModules();
    vi.stubEnv(ENV.SLACK_SECRET_ID, 'rsched/slack-webhook');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('reads the secret named in the environment once, then posts every alert with fetch', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: 'rsched/slack-webhook' }).resolves({ SecretString: JSON.stringify({ url: WEBHOOK }) });
    const fetchFn = vi.fn(async () => new Response('ok', { status: 200 }));
    vi.stubGlobal('fetch', fetchFn);
    const { handler } = await importEntry();
    await handler(snsEvent({ Message: JSON.stringify(alert) }));
    await handler(snsEvent({ Message: JSON.stringify(dlqAlarm()) }));
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(fetchFn).toHaveBeenCalledTimes(2);
    expect(fetchFn.mock.calls.map((c) => (c as unknown[])[0])).toEqual([WEBHOOK, WEBHOOK]);
  });

  it('never writes the webhook URL to the logs, even when Slack rejects it', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: WEBHOOK });
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('invalid_token', { status: 403 })),
    );
    const { handler } = await importEntry();
    await expect(handler(snsEvent({ Message: JSON.stringify(alert) }))).rejects.toThrow(/HTTP 403 invalid_token/);
    // Rejected, re-read, rejected again: two reads, and the logs mention the failure but not the URL.
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(written.join('')).toContain('Slack post failed');
    expect(written.join('')).not.toContain('fake-test-token-not-a-secret');
  });

  it('fails at cold start, naming the variable, when the secret id is missing', async () => {
    vi.stubEnv(ENV.SLACK_SECRET_ID, '');
    await expect(importEntry()).rejects.toThrow(/RSCHED_SLACK_SECRET_ID is not set/);
  });
});
