import type { Run } from '../../lambdas/domain/runs/run';
import { RunState } from '../../lambdas/domain/runs/states';
import { type AlertReport, alertReport } from '../../lambdas/engine/report';
import type { AlertRecord } from '../../lambdas/ports/run-store';

/**
 * An alert as the UI lists it: still open, or resolved because its run
 * later SUCCEEDED (a replay, a retry, a marker written by hand). Alerts with
 * no run (a rejected marker, a cluster that failed) stay open: nothing the
 * scheduler sees can tell that someone dealt with them.
 */
export interface AlertView extends AlertReport {
  readonly attempt: number | null;
  readonly subject: string | null;
  readonly open: boolean;
  /** What resolved it, e.g. "attempt 2 SUCCEEDED at 2026-11-22T04:10:00.000Z". */
  readonly resolvedBy: string | null;
}

export function judgeAlerts(alerts: readonly AlertRecord[], runs: readonly Run[]): AlertView[] {
  const byJob = new Map(runs.map((r) => [r.job, r]));
  return alerts
    .map((alert): AlertView => {
      const run = alert.job ? byJob.get(alert.job) : undefined;
      const resolver = run?.state === RunState.SUCCEEDED && run.attempt >= (alert.attempt ?? 0) ? run : undefined;
      return {
        ...alertReport(alert),
        attempt: alert.attempt ?? null,
        subject: alert.subject ?? null,
        open: resolver === undefined,
        resolvedBy: resolver ? `attempt ${resolver.attempt} SUCCEEDED${resolver.finishedAt ? ` at ${resolver.finishedAt}` : ''}` : null,
      };
    })
    .sort((a, b) => a.at.localeCompare(b.at));
}
