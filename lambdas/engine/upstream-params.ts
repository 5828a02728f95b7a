import type { Job } from '../domain/config/dag';
import { upstreamLinks } from '../domain/period-mapping';
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
  // The upstream runs this run waits for (docs/hourly.md): for the hours of an hourly upstream, the
  // params of its latest hour win, whatever order the hours finished in.
  const links = upstreamLinks(deps.dag, job, run.date);
  const upstreams = await deps.store.getMany(links.map((l) => ({ job: l.upstream, date: l.date })));
  const byUpstream: Record<string, Readonly<Record<string, string>>> = {};
  for (const upstream of [...upstreams].sort((a, b) => a.date.localeCompare(b.date))) {
    if (upstream.state === RunState.SUCCEEDED && upstream.params) byUpstream[upstream.job] = upstream.params;
  }
  return mergeUpstreamParams(byUpstream);
}

const usedCache = new WeakMap<Job, ReadonlySet<string>>();

/** The `{{params.…}}` keys any string of the job's target names. */
function paramsUsedBy(job: Job): ReadonlySet<string> {
  let used = usedCache.get(job);
  if (!used) {
    used = new Set(
      stringsOf(job.target).flatMap((text) =>
        variablesIn(text)
          .variables.filter((v) => v.startsWith('params.'))
          .map((v) => v.slice('params.'.length)),
      ),
    );
    usedCache.set(job, used);
  }
  return used;
}

/** Whether the job's target uses any param: only then are the upstream runs read. */
function usesParams(job: Job): boolean {
  return paramsUsedBy(job).size > 0;
}

/** Whether the job's target uses param `key`. */
export function usesParam(job: Job, key: string): boolean {
  return paramsUsedBy(job).has(key);
}

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsOf);
  return [];
}
