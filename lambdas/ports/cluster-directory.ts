import type { LiveCluster } from '../domain/fleet/liveness';

export type { LiveCluster } from '../domain/fleet/liveness';

/** Where runs find the cluster that serves their pool now. */
export interface ClusterDirectory {
  liveClusterFor(pool: string, at: Date): Promise<LiveCluster | undefined>;
}
