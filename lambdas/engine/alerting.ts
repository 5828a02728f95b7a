import { AlertKind, type AlertText } from '../domain/alerts';
import { isShadow } from '../domain/config/dag';
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
  const shadow = isShadowOutcome(deps, input);
  const alert: AlertRecord = { ...input, at: deps.clock.now().toISOString(), ...(shadow ? { shadow: true } : {}) };
  const status = await deps.store.putAlert(alert);
  if (shadow) {
    // Recorded for the shadow report and `rsched status`, never published (docs/shadow.md).
    if (status === 'new') deps.log.info('shadow alert recorded, not sent', { kind: alert.kind, job: alert.job, date: alert.date });
    return false;
  }
  if (status === 'sent') return false;
  await deps.alerts.publish(alert);
  await deps.store.markAlertSent(alert, deps.clock.now().toISOString());
  deps.log.warn('alert', { kind: alert.kind, job: alert.job, date: alert.date, message: alert.message, resent: status === 'unsent' });
  return true;
}

/**
 * Alerts about how a shadow job's run went (it failed, timed out, is late, its
 * request could not be rendered, its markers conflict) are what we *would*
 * have said: the old scheduler owns that job and its alerting, so ours would
 * page twice or falsely. Alerts about the scheduler itself (a rejected marker,
 * a failing sweep, a cluster) are sent whatever the job's mode.
 */
const SHADOWED_KINDS: readonly AlertKind[] = [
  AlertKind.FAILED,
  AlertKind.TIMED_OUT,
  AlertKind.SUBMIT_FAILED,
  AlertKind.SUBMIT_UNCERTAIN,
  AlertKind.LATE,
  AlertKind.PREDICTED_LATE,
  AlertKind.MARKER_CONFLICT,
  AlertKind.LATE_DATA,
];

function isShadowOutcome(deps: EngineDeps, input: AlertInput): boolean {
  const job = input.job === undefined ? undefined : deps.dag.jobs.get(input.job);
  return job !== undefined && isShadow(job) && SHADOWED_KINDS.includes(input.kind);
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
