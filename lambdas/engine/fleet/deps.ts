import type { ClusterRegistry } from '../../ports/cluster-registry';
import type { EmrControl } from '../../ports/emr-control';
import type { EngineDeps } from '../deps';

/** The engine plus the cluster registry and the EMR control plane. */
export interface FleetDeps extends EngineDeps {
  readonly registry: ClusterRegistry;
  readonly emr: EmrControl;
}

/**
 * A claim older than this whose RunJobFlow never answered belongs to a dead
 * invocation. Every function that provisions (provisioner, registry's
 * reconcile) must time out well within it; the stack checks that at synth.
 */
export const PROVISION_LEASE_MS = 2 * 60_000;
