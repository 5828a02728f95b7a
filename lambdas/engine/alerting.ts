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
 * Sends an alert at least once and, as far as the store can tell, once per
 * (run, kind, attempt): the record is written first, the alert published, and
 * the record marked sent. A handler that dies (or whose publish fails) between
 * the two leaves the record unsent, and its retry publishes again. A
 * duplicate publish is possible only when a publish took effect and its
 * answer was lost; a lost alert is not. Returns true when it published now.
 */
export async function raiseAlert(deps: EngineDeps, input: AlertInput): Promise<boolean> {
  const alert: AlertRecord = { ...input, at: deps.clock.now().toISOString() };
  const status = await deps.store.putAlert(alert);
  if (status === 'sent') return false;
  await deps.alerts.publish(alert);
  await deps.store.markAlertSent(alert, deps.clock.now().toISOString());
  deps.log.warn('alert', { kind: alert.kind, job: alert.job, date: alert.date, message: alert.message, resent: status === 'unsent' });
  return true;
}

/** An alert about one run's current attempt (de-duplicated per run, kind and attempt). */
export function raiseRunAlert(
  deps: EngineDeps,
  run: { readonly job: string; readonly date: RunDate; readonly attempt: number },
  kind: AlertKind,
  text: AlertText,
): Promise<boolean> {
  return raiseAlert(deps, { kind, job: run.job, date: run.date, attempt: run.attempt, ...text });
}
