import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { alertSubject, alertText } from '../../domain/alerts';
import type { AlertSink } from '../../ports/alert-sink';
import type { AlertRecord } from '../../ports/run-store';

/**
 * Publishes alerts to the SNS alert topic, with a text body for e-mail and the
 * structured alert for Lambda subscribers (the Slack notifier).
 *
 * Publish keeps the SDK's retries, on purpose. Publish to a standard topic has
 * no de-duplication, so a retry after "applied, then 5xx" or a lost answer
 * sends the alert twice — but a lost alert is worse than a second copy, and
 * subscribers already see copies: SNS itself retries deliveries to Lambda
 * ("Amazon SNS message delivery retries",
 * https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html;
 * the Lambda invoke is asynchronous and may run twice). A copy is recognisable: same kind, job, date and attempt (and the `at` of
 * the alert record), which is what a subscriber that must not repeat itself
 * de-duplicates on.
 */
export class SnsAlertSink implements AlertSink {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(alert: AlertRecord): Promise<void> {
    const text = alertText(alert);
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: alertSubject(alert),
        MessageStructure: 'json',
        Message: JSON.stringify({ default: text, email: text, lambda: JSON.stringify(alert) }),
        MessageAttributes: { kind: { DataType: 'String', StringValue: alert.kind } },
      }),
    );
  }
}
