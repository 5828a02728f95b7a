import { isReadyState } from './emr-states';

/** A cluster that is up, inside its window and accepting steps. */
export interface LiveCluster {
  readonly name: string;
  readonly id: string;
  readonly masterIp?: string;
  readonly masterDns?: string;
  readonly pools: readonly string[];
  readonly windowStart: string;
  readonly windowEnd: string;
}

/** The fields of a cluster window (the registry's record) that decide whether it is live. */
export interface ClusterWindow extends Omit<LiveCluster, 'id'> {
  readonly state: string;
  readonly clusterId?: string;
  readonly draining?: boolean;
}

/**
 * The liveness rule, stated once: a window's cluster takes new steps when it
 * is ready (WAITING or RUNNING), not draining, has an id, and `at` lies inside
 * its window. The registry's lookup and the fleet's READY handling both use it.
 */
export function isLive(record: ClusterWindow, at: string): boolean {
  return (
    isReadyState(record.state) && !record.draining && record.clusterId !== undefined && record.windowStart <= at && at < record.windowEnd
  );
}

/** The part of a live window's record that submitters need. */
export function toLiveCluster(record: ClusterWindow): LiveCluster {
  return {
    name: record.name,
    id: record.clusterId as string,
    masterIp: record.masterIp,
    masterDns: record.masterDns,
    pools: record.pools,
    windowStart: record.windowStart,
    windowEnd: record.windowEnd,
  };
}
