import { AlertKind } from '../../domain/alerts';
import { clusterStateRank, FAILED_STEP_STATES, isEndedState, isReadyState } from '../../domain/fleet/emr-states';
import { isLive, toLiveCluster } from '../../domain/fleet/liveness';
import { parseClusterRunName } from '../../domain/fleet/run-name';
import type { RunDate } from '../../domain/run-date';
import { runDateIn } from '../../domain/run-date';
import type { ClusterWindowRecord } from '../../ports/cluster-registry';
import { parseSubmissionName } from '../../ports/submitter';
import { raiseAlert } from '../alerting';
import { onClusterReady } from '../cluster-ready';
import { failAttempt } from '../failures';
import type { FleetDeps } from './deps';

/** The part of an "EMR Cluster State Change" event the registry uses. */
export interface ClusterStateChange {
  readonly clusterId: string;
  readonly state: string;
  readonly reason?: string;
  /** The cluster's name (`detail.name`): finds the window when the id→window alias is missing. */
  readonly name?: string;
}

/** The part of an "EMR Step Status Change" event the registry uses. */
export interface StepStatusChange {
  readonly clusterId: string;
  readonly stepId: string;
  readonly name: string;
  readonly state: string;
  readonly reason?: string;
  readonly at: string;
}

export type StateChangeOutcome = 'not-ours' | 'stale' | 'recorded' | 'ready';

/**
 * Records a cluster's state. On the first READY (WAITING/RUNNING) it records the
 * master's IP and DNS and submits the runs waiting for its pools; a cluster
 * that ends with errors raises CLUSTER_FAILED.
 */
export async function onClusterStateChange(deps: FleetDeps, change: ClusterStateChange): Promise<StateChangeOutcome> {
  const record = (await deps.registry.findByClusterId(change.clusterId)) ?? (await repairAliasFromName(deps, change));
  if (!record) return 'not-ours';
  if (clusterStateRank(change.state) < clusterStateRank(record.state)) return 'stale';
  const now = deps.clock.now().toISOString();
  const becomesReady = isReadyState(change.state) && record.readyAt === undefined;
  const patch = {
    state: change.state,
    ...(change.reason ? { stateReason: change.reason } : {}),
    ...(isEndedState(change.state) && !record.terminatedAt ? { terminatedAt: now } : {}),
    ...(becomesReady
      ? {
          readyAt: now,
          masterIp: await deps.emr.masterPrivateIp(change.clusterId),
          masterDns: (await deps.emr.describe(change.clusterId)).masterDns,
        }
      : {}),
  };
  const updated = await deps.registry.update(record.name, record.windowStart, patch);
  if (!updated) return 'stale';
  if (change.state === 'TERMINATED_WITH_ERRORS') {
    await raiseAlert(deps, {
      kind: AlertKind.CLUSTER_FAILED,
      date: runDateIn(new Date(record.windowStart), 'UTC'),
      subject: `${record.name}@${record.windowStart}`,
      message: `cluster ${record.name} (${change.clusterId}) terminated with errors: ${change.reason ?? 'no reason given'}. Steps running on it fail; runs of pools ${record.pools.join(', ')} wait for the next cluster.`,
      next: `Look at the cluster's logs in the EMR console (${change.clusterId}); replay the failed runs once a cluster is up.`,
    });
  }
  // When the cluster ends: step failures whose own event was lost are read back from EMR. The
  // "checked" mark is written only after the read-back succeeded, so a throttled ListSteps makes
  // this event fail and be retried (and the fleet reconcile re-drives it), not skip it for good.
  if (isEndedState(change.state) && !record.lostStepsCheckedAt) await readBackLostSteps(deps, updated);
  if (becomesReady && isLive(updated, now)) {
    const submitted = await onClusterReady(deps, toLiveCluster(updated));
    deps.log.info('cluster ready', { cluster: record.name, clusterId: change.clusterId, masterIp: updated.masterIp, submitted });
    return 'ready';
  }
  return 'recorded';
}

/**
 * A cluster id the registry has no alias for: the provisioner may have died
 * between recording the id in the window and writing the alias. The event's
 * cluster name says which window to look at; only if that window recorded
 * this very cluster id is the alias repaired and the event applied.
 */
async function repairAliasFromName(deps: FleetDeps, change: ClusterStateChange): Promise<ClusterWindowRecord | undefined> {
  const parsed = change.name ? parseClusterRunName(change.name) : undefined;
  if (!parsed || !deps.dag.clusters.has(parsed.cluster)) return undefined;
  const [window] = await deps.registry.listWindows(parsed.cluster, parsed.windowStart, parsed.windowStart);
  if (window?.clusterId !== change.clusterId) return undefined;
  if (await deps.registry.ensureAlias(window)) {
    deps.log.warn('repaired a missing cluster id alias from an EMR event', {
      cluster: window.name,
      windowStart: window.windowStart,
      clusterId: change.clusterId,
    });
  }
  return window;
}

/** Reads back the lost step failures of an ended window's cluster, then marks the window checked. */
export async function readBackLostSteps(deps: FleetDeps, window: ClusterWindowRecord): Promise<void> {
  if (!window.clusterId) return;
  await failLostSteps(deps, window.clusterId, window.terminatedAt ?? deps.clock.now().toISOString());
  await deps.registry.update(window.name, window.windowStart, { lostStepsCheckedAt: deps.clock.now().toISOString() });
}

/**
 * EMR's events are best effort: a step's FAILED/INTERRUPTED event may never
 * come, and the run would stay SUBMITTED. When its cluster ends, ListSteps
 * says which steps ended as failed; each goes through the same path as its
 * event would have (runs already failed, retried or succeeded are left as
 * they are: the transitions are guarded by state and attempt).
 */
async function failLostSteps(deps: FleetDeps, clusterId: string, now: string): Promise<void> {
  for (const step of await deps.emr.failedSteps(clusterId)) {
    await onStepStatusChange(deps, {
      clusterId,
      stepId: step.stepId,
      name: step.name,
      state: step.state,
      reason: step.reason,
      at: step.endedAt ?? now,
    });
  }
}

/**
 * A failed, cancelled or interrupted step fails its run's attempt (or retries
 * it). A COMPLETED step changes nothing: the job's `.done` marker is the proof.
 */
export async function onStepStatusChange(
  deps: FleetDeps,
  change: StepStatusChange,
): Promise<'not-ours' | 'ignored' | 'retrying' | 'failed'> {
  const ref = parseSubmissionName(change.name);
  if (!ref) return 'not-ours';
  const job = deps.dag.jobs.get(ref.job);
  if (!job || !(FAILED_STEP_STATES as readonly string[]).includes(change.state)) return 'ignored';
  return failAttempt(deps, job, {
    key: { job: ref.job, date: ref.date as RunDate },
    attempt: ref.attempt,
    why: `EMR step ${change.stepId} on ${change.clusterId} ${change.state}${change.reason ? `: ${change.reason}` : ''}`,
    at: change.at,
    by: 'registry',
    source: `step ${change.stepId} ${change.state}`,
  });
}
