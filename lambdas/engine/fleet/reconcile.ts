import { isEndedState } from '../../domain/fleet/emr-states';
import { windowInForce } from '../../domain/fleet/windows';
import type { ClusterWindowRecord } from '../../ports/cluster-registry';
import type { FleetDeps } from './deps';
import { provision } from './provision';
import { onClusterStateChange } from './registry';
import { stopWindow } from './terminate';

export interface FleetReport {
  provisioned: number;
  stopped: number;
  terminated: number;
  refreshed: number;
}

/** How far back open windows are looked for (the longest window plus its grace fits in it). */
const LOOKBACK_MS = 2 * 86_400_000;

/**
 * The fleet's periodic reconcile (every minute in AWS). EMR events are best
 * effort and schedules can be missed, so it (1) starts the window in force if
 * nobody did, (2) drains windows whose end passed, (3) terminates clusters
 * whose grace is over, and (4) refreshes the state of open windows from
 * DescribeCluster, feeding changes through the same path as events.
 */
export interface ReconcileOptions {
  /** Refresh open windows' state from DescribeCluster (default true; EMR events are best effort). */
  readonly describe?: boolean;
  /** Start the window in force when nobody did (default true; missed schedules). */
  readonly catchUp?: boolean;
}

export async function reconcileFleet(deps: FleetDeps, opts: ReconcileOptions = {}): Promise<FleetReport> {
  const report: FleetReport = { provisioned: 0, stopped: 0, terminated: 0, refreshed: 0 };
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  for (const cluster of deps.dag.clusters.values()) {
    const open = (await deps.registry.listWindows(cluster.name, new Date(now.getTime() - LOOKBACK_MS).toISOString(), nowIso)).filter(
      (w) => !isEndedState(w.state),
    );
    for (const window of open) await reconcileWindow(deps, window, now, report, opts.describe ?? true);
    const inForce = opts.catchUp === false ? undefined : windowInForce(cluster, now);
    if (inForce && (await deps.registry.currentWindow(cluster.name, nowIso))?.windowStart !== inForce.start.toISOString()) {
      if ((await provision(deps, cluster, inForce)) === 'launched') report.provisioned++;
    }
  }
  return report;
}

async function reconcileWindow(
  deps: FleetDeps,
  window: ClusterWindowRecord,
  now: Date,
  report: FleetReport,
  describe: boolean,
): Promise<void> {
  const nowIso = now.toISOString();
  if (!window.draining && window.windowEnd <= nowIso) {
    if ((await stopWindow(deps, window.name, new Date(window.windowEnd))) === 'draining') report.stopped++;
    return;
  }
  if (window.clusterId && window.terminateAt && window.terminateAt <= nowIso && !window.terminateRequestedAt) {
    await deps.emr.terminate(window.clusterId);
    await deps.registry.update(window.name, window.windowStart, { terminateRequestedAt: nowIso });
    report.terminated++;
    return;
  }
  if (describe && window.clusterId) {
    const described = await deps.emr.describe(window.clusterId);
    if (described.state !== window.state) {
      await onClusterStateChange(deps, { clusterId: window.clusterId, state: described.state, reason: described.reason });
      report.refreshed++;
    }
  }
}
