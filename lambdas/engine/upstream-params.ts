import type { Job } from '../domain/config/dag';
import type { Run } from '../domain/runs/run';
import { RunState } from '../domain/runs/states';
import { mergeUpstreamParams, variablesIn } from '../domain/template';
import type { EngineDeps } from './deps';

/**
 * The `params` of a run's upstream markers, read from the upstream runs when
 * the run is rendered. They are not copied into the run's own item: seven
 * upstreams with 60 KB each would outgrow DynamoDB's 400 KB item limit
 * ("Service, account, and table quotas in Amazon DynamoDB": item size), and
 * a copy would go stale when an upstream is replayed. One BatchGetItem.
 */
export async function upstreamParamsOf(deps: EngineDeps, job: Job, run: Run): Promise<Record<string, string>> {
  if (job.dependsOn.length === 0 || !usesParams(job)) return {};
  const upstreams = await deps.store.getMany(job.dependsOn.map((u) => ({ job: u, date: run.date })));
  const byUpstream: Record<string, Readonly<Record<string, string>>> = {};
  for (const upstream of upstreams) {
    if (upstream.state === RunState.SUCCEEDED && upstream.params) byUpstream[upstream.job] = upstream.params;
  }
  return mergeUpstreamParams(byUpstream);
}

const usesParamsCache = new WeakMap<Job, boolean>();

/** Whether any string of the job's target names `{{params.…}}`: only then are the upstream runs read. */
function usesParams(job: Job): boolean {
  let uses = usesParamsCache.get(job);
  if (uses === undefined) {
    uses = stringsOf(job.target).some((text) => variablesIn(text).variables.some((v) => v.startsWith('params.')));
    usesParamsCache.set(job, uses);
  }
  return uses;
}

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsOf);
  return [];
}
