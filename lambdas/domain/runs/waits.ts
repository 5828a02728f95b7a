import type { Dag, Job } from '../config/dag';
import { windowInForce, windowsStartingBetween } from '../fleet/windows';
import { describeNotBefore, notBeforeInstant } from '../not-before';
import type { Run } from './run';
import { RunState } from './states';
import { isReady, missingUpstreams } from './transitions';

/**
 * What a run that has not ended waits on, and until when (`rsched status`,
 * the end of `rsched simulate`): the answer to "why is this not running?".
 * Times are ISO instants; `dueAt` is when the wait ends by itself (a
 * timeout, the gate opening, a retry).
 */
export type Wait =
  | {
      readonly kind: 'upstreams';
      /** Upstreams not SUCCEEDED yet, each with its state (PENDING when it has no run). */
      readonly upstreams: Readonly<Record<string, string>>;
      readonly since: string | null;
      readonly dueAt: string | null;
    }
  | { readonly kind: 'notBefore'; readonly notBefore: string; readonly dueAt: string }
  | {
      readonly kind: 'cluster';
      readonly pool: string;
      readonly since: string | null;
      readonly dueAt: string | null;
      /** The next window of a cluster serving the pool, if one opens before the deadline. */
      readonly nextWindow: { readonly cluster: string; readonly start: string } | null;
    }
  | { readonly kind: 'marker'; readonly since: string | null; readonly dueAt: string | null }
  | { readonly kind: 'retry'; readonly dueAt: string | null };

/** The next window of any cluster serving `pool`, from `now` to a day later. */
function nextWindowOf(dag: Dag, pool: string, now: Date): { cluster: string; start: string } | null {
  let best: { cluster: string; start: Date } | undefined;
  for (const cluster of dag.clustersByPool.get(pool) ?? []) {
    const open = windowInForce(cluster, now);
    const next = open ? { start: now } : windowsStartingBetween(cluster, now, new Date(now.getTime() + 86_400_000))[0];
    if (next && (!best || next.start < best.start)) best = { cluster: cluster.name, start: next.start };
  }
  return best ? { cluster: best.cluster, start: best.start.toISOString() } : null;
}

export function waitOf(dag: Dag, job: Job, run: Run | undefined, runsByJob: ReadonlyMap<string, Run>, now: Date): Wait | null {
  const state = run?.state ?? RunState.PENDING;
  const upstreamsLeft = () => {
    // The done-set entries still expected: upstream names, or `<upstream>@HH` for the hours of an hourly one (docs/hourly.md).
    const expected = run ? missingUpstreams(job, run, dag) : job.dependsOn;
    const left = expected.filter((u) => runsByJob.get(u)?.state !== RunState.SUCCEEDED);
    return Object.fromEntries(left.map((u) => [u, runsByJob.get(u)?.state ?? RunState.PENDING]));
  };
  switch (state) {
    case RunState.PENDING: {
      const upstreams = upstreamsLeft();
      return Object.keys(upstreams).length > 0 ? { kind: 'upstreams', upstreams, since: null, dueAt: null } : null;
    }
    case RunState.WAITING: {
      const r = run as Run;
      if (isReady(job, r, dag) && !r.manual) {
        const gate = notBeforeInstant(job, r.date);
        if (gate && gate > now) return { kind: 'notBefore', notBefore: describeNotBefore(job), dueAt: gate.toISOString() };
      }
      if (job.target.type === 'external' && isReady(job, r, dag))
        return { kind: 'marker', since: r.waitStartedAt ?? null, dueAt: r.deadlineAt ?? null };
      const upstreams = upstreamsLeft();
      return Object.keys(upstreams).length > 0
        ? { kind: 'upstreams', upstreams, since: r.waitStartedAt ?? null, dueAt: r.deadlineAt ?? null }
        : null;
    }
    case RunState.WAITING_FOR_CLUSTER: {
      const r = run as Run;
      const pool = r.waitPool ?? job.pool ?? '?';
      const since = [...r.history].reverse().find((e) => e.to === RunState.WAITING_FOR_CLUSTER && e.from !== e.to)?.at ?? null;
      return { kind: 'cluster', pool, since, dueAt: r.deadlineAt ?? null, nextWindow: nextWindowOf(dag, pool, now) };
    }
    case RunState.SUBMITTED:
    case RunState.SUBMIT_UNCERTAIN:
    case RunState.SHADOW_SUBMITTED:
      return { kind: 'marker', since: run?.submittedAt ?? null, dueAt: run?.dueAt ?? null };
    case RunState.RETRYING:
      return { kind: 'retry', dueAt: run?.retryAt ?? null };
    default:
      return null;
  }
}
