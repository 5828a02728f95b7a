import type { AlertRecord } from './run-store';

/** Delivers an alert to people (the SNS alert topic, and from there e-mail and Slack). */
export interface AlertSink {
  publish(alert: AlertRecord): Promise<void>;
}
