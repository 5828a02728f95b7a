import type { Cluster } from '../domain/config/dag';
import type { ClusterWindow } from '../domain/fleet/windows';

export interface ClusterDescription {
  readonly state: string;
  readonly reason?: string;
  readonly masterDns?: string;
}

/** The EMR control plane as the fleet needs it; one AWS implementation (and the simulator behind its API). */
export interface EmrControl {
  /** RunJobFlow for a window; returns the cluster id. */
  launch(cluster: Cluster, window: ClusterWindow): Promise<string>;
  /** A live cluster already launched for this window (found by its tags), after a lost answer. */
  findLaunched(cluster: Cluster, window: ClusterWindow): Promise<string | undefined>;
  describe(clusterId: string): Promise<ClusterDescription>;
  masterPrivateIp(clusterId: string): Promise<string | undefined>;
  /** Lets the cluster end by itself once running steps finish. */
  stopWhenIdle(clusterId: string): Promise<void>;
  terminate(clusterId: string): Promise<void>;
}
