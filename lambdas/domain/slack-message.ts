import { type AlarmNotification, deadLetterAlert } from './alarm-notification';
import { type AlertKind, type AlertRecord, alertText } from './alerts';

/**
 * What the Slack notifier posts for each SNS message on the alert topic: an
 * engine alert (the `lambda` body SnsAlertSink publishes, a JSON AlertRecord),
 * a CloudWatch alarm (a dead-letter depth alarm reads as a DEAD_LETTER alert),
 * or anything else as its subject and text. Pure formatting.
 */

export interface SlackMessage {
  readonly text: string;
}

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
  LATE_DATA: ':arrows_counterclockwise:',
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
