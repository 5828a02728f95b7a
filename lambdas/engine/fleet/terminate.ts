import { toMinute } from '../../domain/fleet/windows';
import { addMinutes } from '../../ports/clock';
import type { FleetDeps } from './deps';

export type StopOutcome = 'draining' | 'already-draining' | 'no-window' | 'unknown-cluster';

/**
 * At a cluster's `stop`: graceful. The window stops taking new steps at once,
 * the cluster may end by itself when its running steps finish, and it is
 * terminated when the grace period is over (by the fleet reconcile).
 */
export async function stopWindow(deps: FleetDeps, clusterName: string, scheduledTime: Date): Promise<StopOutcome> {
  const cluster = deps.dag.clusters.get(clusterName);
  if (!cluster) return 'unknown-cluster';
  // The window that ends now started before now.
  const at = new Date(toMinute(scheduledTime).getTime() - 1);
  const record = await deps.registry.currentWindow(cluster.name, at.toISOString());
  if (!record || record.terminatedAt) return 'no-window';
  if (record.draining) return 'already-draining';
  const now = deps.clock.now();
  await deps.registry.update(record.name, record.windowStart, {
    draining: true,
    terminateAt: addMinutes(now, cluster.graceMinutes).toISOString(),
  });
  if (record.clusterId) await deps.emr.stopWhenIdle(record.clusterId);
  deps.log.info('cluster draining', { cluster: cluster.name, clusterId: record.clusterId, graceMinutes: cluster.graceMinutes });
  return 'draining';
}
