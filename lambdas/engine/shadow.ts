import type { Job } from '../domain/config/dag';
import type { Actor, Run } from '../domain/runs/run';
import type { ShadowDecision, ShadowRequest } from '../domain/runs/shadow';
import { recordShadowDecision } from '../domain/runs/transitions';
import type { LiveCluster } from '../ports/cluster-directory';
import type { SubmitRequest } from '../ports/submitter';
import type { EngineDeps } from './deps';

/**
 * Shadow mode (docs/shadow.md): a shadow job's claimant records the request it
 * would have sent, instead of sending it. Everything before this point — the
 * readiness rule, the claim, rendering — is the live code path, so a decision
 * is made exactly when, and exactly once per attempt as, a live submission
 * would be. The submitter is never called for a shadow job, not even to look
 * a submission up.
 */

/** The request as stored: plain JSON (no undefined fields), the cluster without its window. */
export function shadowRequestOf(request: SubmitRequest): ShadowRequest {
  const target = JSON.parse(JSON.stringify(request.target)) as ShadowRequest['target'];
  const c = request.cluster;
  return { target, ...(c ? { cluster: { id: c.id, name: c.name, ...(c.masterIp ? { masterIp: c.masterIp } : {}) } } : {}) };
}

/** Records the shadow decision of a run this handler claimed; 'lost-race' when the claim was lost meanwhile (its marker came first). */
export async function recordShadow(deps: EngineDeps, run: Run, by: Actor, request: SubmitRequest): Promise<'shadow' | 'lost-race'> {
  const now = deps.clock.now().toISOString();
  const decision: ShadowDecision = { at: run.claimedAt ?? now, attempt: run.attempt, request: shadowRequestOf(request) };
  const result = await deps.store.transition(recordShadowDecision(run, { decision, at: now, by }));
  if (result.ok) deps.log.info('shadow decision recorded', { job: run.job, date: run.date, attempt: run.attempt });
  return result.ok ? 'shadow' : 'lost-race';
}

/**
 * The cluster a recovered shadow claim would have used: the one named by the
 * claim, if the directory still has it live (its master IP feeds templates).
 */
export async function claimedCluster(deps: EngineDeps, job: Job, run: Run): Promise<LiveCluster | undefined> {
  if (!job.pool || !run.clusterId) return undefined;
  const live = await deps.clusters.liveClusterFor(job.pool, deps.clock.now());
  return live?.id === run.clusterId ? live : undefined;
}
