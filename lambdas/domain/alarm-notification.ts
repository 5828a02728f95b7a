import { AlertKind, type AlertRecord } from './alerts';
import type { RunDate } from './run-date';

/**
 * CloudWatch alarm notifications as SNS delivers them, and the one kind the
 * alert channel turns into an engine alert: a dead-letter queue's depth alarm.
 * The stack writes the alarm's description (lib/alerts.ts); the notifier reads
 * it back. Pure: no AWS client.
 */

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
