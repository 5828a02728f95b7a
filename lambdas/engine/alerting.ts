import type { AlertKind, AlertText } from '../domain/alerts';
import type { RunDate } from '../domain/run-date';
import type { AlertRecord } from '../ports/run-store';
import type { EngineDeps } from './deps';

export interface AlertInput extends AlertText {
  readonly kind: AlertKind;
  readonly date: RunDate;
  readonly job?: string;
  readonly attempt?: number;
  readonly subject?: string;
}

/**
 * Records the alert and publishes it, once per (run, kind, attempt). If publishing
 * fails the record is removed again and the error thrown, so the retried event
 * sends it: an alert is never recorded as sent without being sent.
 */
export async function raiseAlert(deps: EngineDeps, input: AlertInput): Promise<boolean> {
  const alert: AlertRecord = { ...input, at: deps.clock.now().toISOString() };
  if (!(await deps.store.putAlert(alert))) return false;
  try {
    await deps.alerts.publish(alert);
  } catch (err) {
    await deps.store.deleteAlert(alert);
    throw err;
  }
  deps.log.warn('alert', { kind: alert.kind, job: alert.job, date: alert.date, message: alert.message });
  return true;
}
