import type { FleetDeps } from '../engine/fleet/deps';
import { type ProvisionOutcome, provisionWindow } from '../engine/fleet/provision';
import { type FleetReport, reconcileFleet } from '../engine/fleet/reconcile';
import { onClusterStateChange, onStepStatusChange } from '../engine/fleet/registry';
import { type StopOutcome, stopWindow } from '../engine/fleet/terminate';
import { emrEventsIn } from '../events/emr-event';
import type { FleetEvent } from '../events/fleet-event';

function fleetEvent(event: unknown, action: FleetEvent['action']): FleetEvent {
  const e = event as FleetEvent;
  if (e?.source !== 'rsched.fleet' || e.action !== action) {
    throw new Error(`expected a {"source":"rsched.fleet","action":"${action}"} event, got ${JSON.stringify(event).slice(0, 200)}`);
  }
  if (action !== 'reconcile' && typeof e.cluster !== 'string') throw new Error(`a fleet ${action} event needs "cluster"`);
  // The scheduled time names the window: a time that is not one would start or stop the wrong window.
  if (e.scheduledTime !== undefined && Number.isNaN(Date.parse(e.scheduledTime))) {
    throw new Error(`a fleet ${action} event needs "scheduledTime" as an ISO instant, got ${JSON.stringify(e.scheduledTime)}`);
  }
  return e;
}

/** The provisioner Lambda: a cluster's `start` schedule. */
export function makeProvisionerHandler(deps: FleetDeps) {
  return async (event: unknown): Promise<{ cluster: string; outcome: ProvisionOutcome }> => {
    const e = fleetEvent(event, 'start');
    const at = e.scheduledTime ? new Date(e.scheduledTime) : deps.clock.now();
    return { cluster: e.cluster as string, outcome: await provisionWindow(deps, e.cluster as string, at) };
  };
}

/** The terminator Lambda: a cluster's `stop` schedule. */
export function makeTerminatorHandler(deps: FleetDeps) {
  return async (event: unknown): Promise<{ cluster: string; outcome: StopOutcome }> => {
    const e = fleetEvent(event, 'stop');
    const at = e.scheduledTime ? new Date(e.scheduledTime) : deps.clock.now();
    return { cluster: e.cluster as string, outcome: await stopWindow(deps, e.cluster as string, at) };
  };
}

/**
 * The registry Lambda: EMR state-change events (through the cluster-events
 * topic) and the periodic fleet reconcile.
 */
export function makeRegistryHandler(deps: FleetDeps) {
  return async (event: unknown): Promise<{ handled: string[] } | FleetReport> => {
    if ((event as FleetEvent)?.source === 'rsched.fleet') return reconcileFleet(deps, fleetEvent(event, 'reconcile').options);
    const handled: string[] = [];
    for (const emr of emrEventsIn(event)) {
      if (emr.kind === 'cluster')
        handled.push(`cluster ${emr.change.clusterId} ${emr.change.state}: ${await onClusterStateChange(deps, emr.change)}`);
      else if (emr.kind === 'step')
        handled.push(`step ${emr.change.stepId} ${emr.change.state}: ${await onStepStatusChange(deps, emr.change)}`);
      else handled.push(`ignored ${emr.detailType}`);
    }
    return { handled };
  };
}
