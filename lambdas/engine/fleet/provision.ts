import { AlertKind } from '../../domain/alerts';
import type { Cluster } from '../../domain/config/dag';
import { type ClusterWindow, toMinute, windowStartingAt } from '../../domain/fleet/windows';
import { runDateIn } from '../../domain/run-date';
import type { ClusterWindowRecord } from '../../ports/cluster-registry';
import { LaunchRefusedError } from '../../ports/emr-control';
import { raiseAlert } from '../alerting';
import { type FleetDeps, PROVISION_LEASE_MS } from './deps';

export type ProvisionOutcome = 'launched' | 'exists' | 'recovered' | 'in-progress' | 'window-over' | 'unknown-cluster' | 'failed';

/**
 * Starts the cluster of the window that `scheduledTime` opens. RunJobFlow has no
 * client token, so the window is claimed with a conditional write first; a
 * second invocation finds the claim and creates nothing. A claim left by an
 * invocation that died before recording the id is resolved by looking for the
 * cluster by its tags before launching again.
 */
export async function provisionWindow(deps: FleetDeps, clusterName: string, scheduledTime: Date): Promise<ProvisionOutcome> {
  const cluster = deps.dag.clusters.get(clusterName);
  if (!cluster) return 'unknown-cluster';
  const window = windowStartingAt(cluster, toMinute(scheduledTime));
  return provision(deps, cluster, window);
}

export async function provision(deps: FleetDeps, cluster: Cluster, window: ClusterWindow): Promise<ProvisionOutcome> {
  const now = deps.clock.now();
  if (window.end <= now) return 'window-over';
  const claim = await deps.registry.claimWindow({
    name: cluster.name,
    windowStart: window.start.toISOString(),
    windowEnd: window.end.toISOString(),
    pools: cluster.pools,
    claimedAt: now.toISOString(),
  });
  if (claim === 'claimed') return launch(deps, cluster, window);
  return resumeClaim(deps, cluster, window, claim);
}

/** True when a claim's invocation should have recorded a cluster id by now: it died, or lost RunJobFlow's answer. */
export function isAbandonedClaim(claim: ClusterWindowRecord, now: Date): boolean {
  return (
    claim.clusterId === undefined && claim.state === 'PROVISIONING' && now.getTime() - Date.parse(claim.claimedAt) >= PROVISION_LEASE_MS
  );
}

/**
 * A window that was claimed before. With a cluster id there is nothing to do;
 * a fresh PROVISIONING claim belongs to an invocation still at work. An
 * abandoned claim, or a FAILED_TO_START one (EMR refused: no cluster exists)
 * that someone starts again, is taken over — by one invocation only — and the
 * cluster is looked for by its tags before RunJobFlow is called again. Also
 * used by the fleet reconcile for claims nobody finishes.
 *
 *   claim ── RunJobFlow ──X (died / answer lost)
 *          │← lease (2 min) →│ take over ── ListClusters + DescribeCluster tags ── found: record its id
 *                                                                              └─ none: RunJobFlow
 */
export async function resumeClaim(
  deps: FleetDeps,
  cluster: Cluster,
  window: ClusterWindow,
  claim: ClusterWindowRecord,
): Promise<ProvisionOutcome> {
  if (claim.clusterId) {
    // The invocation that recorded the id may have died before writing its alias: every EMR event
    // of the cluster would be "not ours". Cheap to check, and this is where its retry lands.
    if (await deps.registry.ensureAlias(claim)) {
      deps.log.warn('repaired a missing cluster id alias', {
        cluster: cluster.name,
        windowStart: claim.windowStart,
        clusterId: claim.clusterId,
      });
    }
    return 'exists';
  }
  const now = deps.clock.now();
  if (claim.state !== 'FAILED_TO_START' && !isAbandonedClaim(claim, now)) return 'in-progress';
  const windowStart = window.start.toISOString();
  if (!(await deps.registry.takeOverClaim(cluster.name, windowStart, claim.claimedAt, now.toISOString()))) return 'in-progress';
  if (claim.state === 'PROVISIONING') {
    const found = await deps.emr.findLaunched(cluster, window);
    if (found) {
      await deps.registry.setClusterId(cluster.name, windowStart, found, 'STARTING');
      deps.log.info('cluster found after a lost launch', { cluster: cluster.name, windowStart, clusterId: found });
      return 'recovered';
    }
  }
  if (window.end <= now) {
    await deps.registry.update(cluster.name, windowStart, {
      state: 'FAILED_TO_START',
      stateReason: 'the window ended before a cluster was launched for it',
    });
    return 'window-over';
  }
  return launch(deps, cluster, window);
}

/**
 * RunJobFlow for a window this invocation holds the claim of. A refusal (no
 * cluster exists) ends the window as FAILED_TO_START with a CLUSTER_FAILED
 * alert. Any other error leaves the claim PROVISIONING and is thrown: whether
 * a cluster was created is unknown, so the claim is resumed after its lease,
 * looking for the cluster by its tags first.
 */
async function launch(deps: FleetDeps, cluster: Cluster, window: ClusterWindow): Promise<ProvisionOutcome> {
  const windowStart = window.start.toISOString();
  let clusterId: string;
  try {
    clusterId = await deps.emr.launch(cluster, window);
  } catch (err) {
    if (!(err instanceof LaunchRefusedError)) throw err;
    const reason = `RunJobFlow refused: ${err.message}`;
    await deps.registry.update(cluster.name, windowStart, { state: 'FAILED_TO_START', stateReason: reason });
    await raiseAlert(deps, {
      kind: AlertKind.CLUSTER_FAILED,
      date: runDateIn(window.start, 'UTC'),
      subject: `${cluster.name}@${windowStart}`,
      message: `cluster ${cluster.name} for the window starting ${windowStart} could not be created: ${reason}. Jobs of pools ${cluster.pools.join(', ')} wait and will time out.`,
      next: `Fix the cause (quota, subnet, roles), then start the window again: invoke the provisioner with {"source":"rsched.fleet","action":"start","cluster":"${cluster.name}","scheduledTime":"${windowStart}"}.`,
    });
    return 'failed';
  }
  await deps.registry.setClusterId(cluster.name, windowStart, clusterId, 'STARTING');
  deps.log.info('cluster launched', { cluster: cluster.name, windowStart, clusterId });
  return 'launched';
}
