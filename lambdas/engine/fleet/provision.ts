import { AlertKind } from '../../domain/alerts';
import type { Cluster } from '../../domain/config/dag';
import { type ClusterWindow, toMinute, windowStartingAt } from '../../domain/fleet/windows';
import { runDateIn } from '../../domain/run-date';
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
  const windowStart = window.start.toISOString();
  const claim = await deps.registry.claimWindow({
    name: cluster.name,
    windowStart,
    windowEnd: window.end.toISOString(),
    pools: cluster.pools,
    claimedAt: now.toISOString(),
  });
  if (claim !== 'claimed') {
    if (claim.clusterId) return 'exists';
    if (claim.state === 'FAILED_TO_START') return 'exists';
    if (now.getTime() - Date.parse(claim.claimedAt) < PROVISION_LEASE_MS) return 'in-progress';
    const found = await deps.emr.findLaunched(cluster, window);
    if (found) {
      await deps.registry.setClusterId(cluster.name, windowStart, found, 'STARTING');
      return 'recovered';
    }
  }
  let clusterId: string;
  try {
    clusterId = await deps.emr.launch(cluster, window);
  } catch (err) {
    const reason = `RunJobFlow failed: ${(err as Error).name}: ${(err as Error).message}`;
    await deps.registry.update(cluster.name, windowStart, { state: 'FAILED_TO_START', stateReason: reason });
    await raiseAlert(deps, {
      kind: AlertKind.CLUSTER_FAILED,
      date: runDateIn(window.start, 'UTC'),
      subject: `${cluster.name}@${windowStart}`,
      message: `cluster ${cluster.name} for the window starting ${windowStart} could not be created: ${reason}. Jobs of pools ${cluster.pools.join(', ')} wait and will time out.`,
      next: 'Fix the cause (quota, subnet, roles), then start the window again: invoke the provisioner with the same scheduled time.',
    });
    return 'failed';
  }
  await deps.registry.setClusterId(cluster.name, windowStart, clusterId, 'STARTING');
  deps.log.info('cluster launched', { cluster: cluster.name, windowStart, clusterId });
  return 'launched';
}
