import type { Cluster } from '../../domain/config/dag';
import { isEndedState } from '../../domain/fleet/emr-states';
import { windowInForce } from '../../domain/fleet/windows';
import type { ClusterWindowRecord } from '../../ports/cluster-registry';
import type { FleetDeps } from './deps';
import { isAbandonedClaim, provision, resumeClaim } from './provision';
import { onClusterStateChange, readBackLostSteps } from './registry';
import { stopWindow } from './terminate';

export interface FleetReport {
  provisioned: number;
  stopped: number;
  terminated: number;
  refreshed: number;
  /** Windows whose cluster id alias was missing and is written again. */
  repaired: number;
  /** Ended windows whose lost step failures were read back now (an earlier read-back failed). */
  readBack: number;
}

/** How far back open windows are looked for (the longest window plus its grace fits in it). */
const LOOKBACK_MS = 2 * 86_400_000;

export interface ReconcileOptions {
  /** Refresh open windows' state from DescribeCluster (default true; EMR events are best effort). */
  readonly describe?: boolean;
  /** Start the window in force when nobody did (default true; missed schedules). */
  readonly catchUp?: boolean;
}

/**
 * The fleet's periodic reconcile (every minute in AWS). EMR events are best
 * effort, schedules can be missed and invocations die, so it (1) starts the
 * window in force if nobody did, (2) resumes claims whose invocation died
 * before recording a cluster id, (3) drains windows whose end passed, (4)
 * terminates clusters whose grace is over, (5) refreshes the state of open
 * windows from DescribeCluster, feeding changes through the same path as events,
 * (6) writes a cluster id alias an invocation died before writing, and (7)
 * reads back the lost step failures of ended clusters whose read-back failed.
 */
export async function reconcileFleet(deps: FleetDeps, opts: ReconcileOptions = {}): Promise<FleetReport> {
  const report: FleetReport = { provisioned: 0, stopped: 0, terminated: 0, refreshed: 0, repaired: 0, readBack: 0 };
  const now = deps.clock.now();
  const failures: { cluster: string; error: unknown }[] = [];
  // One cluster's trouble (throttling, a cluster someone untagged) must not keep the others from being reconciled.
  for (const cluster of deps.dag.clusters.values()) {
    try {
      await reconcileCluster(deps, cluster, now, report, opts);
    } catch (error) {
      deps.log.error('fleet reconcile failed for a cluster', { cluster: cluster.name, error: String(error) });
      failures.push({ cluster: cluster.name, error });
    }
  }
  if (failures.length > 0) throw new FleetReconcileError(failures, report);
  return report;
}

/** Thrown after every cluster was tried, so the invocation counts as an error (and its alarm fires). */
export class FleetReconcileError extends Error {
  override readonly name = 'FleetReconcileError';
  constructor(
    readonly failures: readonly { cluster: string; error: unknown }[],
    readonly report: FleetReport,
  ) {
    super(`fleet reconcile failed for ${failures.map((f) => `${f.cluster} (${String(f.error)})`).join(', ')}`);
  }
}

async function reconcileCluster(deps: FleetDeps, cluster: Cluster, now: Date, report: FleetReport, opts: ReconcileOptions): Promise<void> {
  const nowIso = now.toISOString();
  const windows = await deps.registry.listWindows(cluster.name, new Date(now.getTime() - LOOKBACK_MS).toISOString(), nowIso);
  for (const window of windows.filter((w) => isEndedState(w.state) && w.clusterId && !w.lostStepsCheckedAt)) {
    await readBackLostSteps(deps, window);
    report.readBack++;
  }
  const open = windows.filter((w) => !isEndedState(w.state));
  for (const window of open) await reconcileWindow(deps, cluster, window, now, report, opts.describe ?? true);
  const inForce = opts.catchUp === false ? undefined : windowInForce(cluster, now);
  if (inForce && (await deps.registry.currentWindow(cluster.name, nowIso))?.windowStart !== inForce.start.toISOString()) {
    if ((await provision(deps, cluster, inForce)) === 'launched') report.provisioned++;
  }
}

async function reconcileWindow(
  deps: FleetDeps,
  cluster: Cluster,
  window: ClusterWindowRecord,
  now: Date,
  report: FleetReport,
  describe: boolean,
): Promise<void> {
  const nowIso = now.toISOString();
  // Without its alias, events and the refresh below would treat the window's cluster as not ours.
  if (window.clusterId && (await deps.registry.ensureAlias(window))) report.repaired++;
  if (isAbandonedClaim(window, now)) {
    const span = { cluster: cluster.name, start: new Date(window.windowStart), end: new Date(window.windowEnd) };
    const outcome = await resumeClaim(deps, cluster, span, window);
    if (outcome === 'launched' || outcome === 'recovered') report.provisioned++;
    return;
  }
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
