import type { ClusterRegistry } from '../../ports/cluster-registry';
import type { EmrControl } from '../../ports/emr-control';
import type { EngineDeps } from '../deps';

/**
 * The registry as the fleet uses it: the ClusterRegistry port plus the one
 * operation that lets a new invocation take over a claim nobody finishes.
 * (It belongs in ports/cluster-registry.ts; it is declared here because the
 * fleet is its only user so far.)
 */
export interface FleetRegistry extends ClusterRegistry {
  /**
   * Takes over the claim of a window whose cluster id is still unknown: a
   * PROVISIONING claim whose invocation died, or a FAILED_TO_START one that is
   * tried again. Conditional on the claim being exactly the one read
   * (`claimedAt`), so of two invocations that saw the same stale claim only
   * one wins; the claim is PROVISIONING again, claimed at `now`.
   */
  takeOverClaim(name: string, windowStart: string, claimedAt: string, now: string): Promise<boolean>;
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
 * The EMR control plane as the fleet uses it: the EmrControl port plus
 * ListSteps, which repairs step failures whose EventBridge event was lost
 * (EMR's events are best effort). Declared here for the same reason as
 * FleetRegistry.
 */
export interface FleetEmrControl extends EmrControl {
  failedSteps(clusterId: string): Promise<FailedStep[]>;
}

/** The engine plus the cluster registry and the EMR control plane. */
export interface FleetDeps extends EngineDeps {
  readonly registry: FleetRegistry;
  readonly emr: FleetEmrControl;
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

/**
 * A claim older than this whose RunJobFlow never answered belongs to a dead
 * invocation. Every function that provisions (provisioner, registry's
 * reconcile) must time out well within it; the stack checks that at synth.
 */
export const PROVISION_LEASE_MS = 2 * 60_000;
