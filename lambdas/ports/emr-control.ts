import type { Cluster } from '../domain/config/dag';
import type { ClusterWindow } from '../domain/fleet/windows';

export interface ClusterDescription {
  readonly state: string;
  readonly reason?: string;
  readonly masterDns?: string;
}

/** A step that ended as failed (FAILED, CANCELLED or INTERRUPTED), as ListSteps reports it. */
export interface FailedStep {
  readonly stepId: string;
  readonly name: string;
  readonly state: string;
  readonly reason?: string;
  /** When it ended, if EMR says. */
  readonly endedAt?: string;
}

/**
 * EmrControl.launch throws this when EMR refused to create the cluster (a
 * client error such as a validation error or missing permissions): no cluster
 * exists, so the window may be tried again once the cause is fixed. Any other
 * error from launch (5xx, throttling, a timeout) leaves it open whether a
 * cluster was created.
 */
export class LaunchRefusedError extends Error {
  override readonly name = 'LaunchRefusedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The EMR control plane as the fleet needs it; one AWS implementation (and the simulator behind its API). */
export interface EmrControl {
  /** RunJobFlow for a window, sent once; returns the cluster id, throws LaunchRefusedError when EMR refused it. */
  launch(cluster: Cluster, window: ClusterWindow): Promise<string>;
  /** A live cluster already launched for this window (found by its tags), after a lost answer. */
  findLaunched(cluster: Cluster, window: ClusterWindow): Promise<string | undefined>;
  describe(clusterId: string): Promise<ClusterDescription>;
  masterPrivateIp(clusterId: string): Promise<string | undefined>;
  /** Steps that ended as failed (ListSteps): repairs failures whose best-effort EventBridge event was lost. */
  failedSteps(clusterId: string): Promise<FailedStep[]>;
  /** Lets the cluster end by itself once running steps finish. */
  stopWhenIdle(clusterId: string): Promise<void>;
  terminate(clusterId: string): Promise<void>;
}
