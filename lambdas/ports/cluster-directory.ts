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

/** Where runs find the cluster that serves their pool now. */
export interface ClusterDirectory {
  liveClusterFor(pool: string, at: Date): Promise<LiveCluster | undefined>;
}
