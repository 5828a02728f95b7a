import type { SNSEvent } from 'aws-lambda';
import { type SlackMessage, slackMessageFor } from '../domain/slack-message';
import type { Log } from '../ports/log';
import { WebhookFailedError, type WebhookPoster, WebhookRejectedError, type WebhookSecret } from '../ports/webhook';

/**
 * The Slack notifier: subscribed to the alert topic, it posts each alert to a
 * Slack incoming webhook. It understands the engine's alerts (the `lambda`
 * body SnsAlertSink publishes: a JSON AlertRecord) and CloudWatch alarm
 * notifications; a dead-letter-queue depth alarm becomes a DEAD_LETTER alert.
 *
 * The webhook URL is a credential: it is read from Secrets Manager at run
 * time (adapters/aws/webhook-secret.ts), never logged, and no error message
 * here contains it. Formatting is domain/slack-message.ts; the HTTP client
 * adapters/slack/webhook-poster.ts.
 */

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
