import { downstreamClosure } from '../../domain/lineage';
import { formatMarkerKey, type MarkerBody } from '../../domain/markers';
import { periodProblem } from '../../domain/period-mapping';
import type { RunDate } from '../../domain/run-date';
import type { Actor, Run } from '../../domain/runs/run';
import { FAILURE_STATES, RunState, TERMINAL_STATES } from '../../domain/runs/states';
import type { MarkerBucket } from '../../ports/marker-bucket';
import type { EngineDeps } from '../deps';
import { startAttempt } from './attempts';
import { OperationRefusedError } from './errors';
import { futureProblem, requireJob } from './replay';

export interface MarkRequest {
  readonly job: string;
  readonly date: RunDate;
  readonly failed: boolean;
  readonly params: Readonly<Record<string, string>>;
  readonly prefix?: string;
  readonly force?: boolean;
  readonly by: Actor;
}

export interface MarkResult {
  readonly key: string;
  /** The attempt the marker names (so no clock decides whether it counts). */
  readonly attempt: number;
  /** Runs that got a new attempt so the marker counts (the run itself if it had ended; failed downstream runs). */
  readonly reopened: readonly string[];
}

/**
 * The failed downstream runs (UPSTREAM_FAILED) that wait again after `root`
 * is marked done, with `root` itself. A run waits again only if each of its
 * upstreams can still succeed: one that waits again too, or one that has not
 * ended in failure. Otherwise it would wait for an upstream that never comes,
 * with no deadline (a wait's deadline starts at its first upstream success),
 * so it stays UPSTREAM_FAILED, and so do the runs below it (docs/runs.md).
 */
function waitsAgain(deps: EngineDeps, root: string, chain: readonly string[], runs: ReadonlyMap<string, Run>): Set<string> {
  const set = new Set([root, ...chain.filter((name) => runs.get(name)?.state === RunState.UPSTREAM_FAILED)]);
  const failed = (name: string) => {
    const state = runs.get(name)?.state;
    return state !== undefined && FAILURE_STATES.includes(state);
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const name of set) {
      if (name === root) continue;
      if (requireJob(deps, name).dependsOn.some((u) => !set.has(u) && failed(u))) {
        set.delete(name);
        changed = true;
      }
    }
  }
  return set;
}

/**
 * Writes a marker by hand (manual fixes, tests). A marker for a run that has
 * ended would change nothing, so such a run first gets a new attempt, and the
 * downstream runs it failed wait again: marking a failed job done lets the
 * chain continue. The marker names its attempt, so it is judged by attempt,
 * not by comparing the operator's clock with S3's (docs/markers.md).
 */
export async function mark(deps: EngineDeps, bucket: MarkerBucket, request: MarkRequest): Promise<MarkResult> {
  const job = requireJob(deps, request.job);
  const period = periodProblem(job, request.date);
  if (period) throw new OperationRefusedError(period);
  const future = futureProblem(job, request.date, deps.clock.now());
  if (future) throw new OperationRefusedError(future);
  const reopened: string[] = [];
  const current = await deps.store.get({ job: job.name, date: request.date });
  let attempt = current?.attempt ?? 1;
  if (current && TERMINAL_STATES.includes(current.state)) {
    if (!request.failed) {
      // Downstream first (as replay does), each waiting for the new attempts above it. Runs of the
      // same period only: a daily run below a re-marked hour is not reopened (docs/hourly.md#operations).
      const chain = downstreamClosure(deps.dag, job.name).filter((name) => requireJob(deps, name).granularity === job.granularity);
      // The chain and every upstream of it: a run may only wait again for upstreams that can still succeed.
      const involved = new Set([...chain, ...chain.flatMap((name) => requireJob(deps, name).dependsOn)]);
      involved.delete(job.name);
      const runs = new Map(
        (await deps.store.getMany([...involved].map((name) => ({ job: name, date: request.date })))).map((r) => [r.job, r]),
      );
      const reopenedSet = waitsAgain(deps, job.name, chain, runs);
      for (const name of [...chain].reverse()) {
        const run = runs.get(name);
        if (!run || !reopenedSet.has(name)) continue;
        const child = requireJob(deps, name);
        await startAttempt(deps, child, request.date, {
          by: request.by,
          why: `rsched mark ${job.name}: waits again`,
          manual: false,
          waitFor: child.dependsOn.filter((u) => reopenedSet.has(u)),
          current: run,
          cause: 'mark',
        });
        reopened.push(name);
      }
    }
    const started = await startAttempt(deps, job, request.date, {
      by: request.by,
      why: `rsched mark (${current.state} before)`,
      manual: false,
      current,
      force: request.force,
      cause: 'mark',
    });
    attempt = started.attempt;
    reopened.unshift(job.name);
  }
  const key = formatMarkerKey(job.name, request.date, request.failed ? 'failed' : 'done', request.prefix ?? '');
  const body: MarkerBody = {
    params: request.params,
    meta: { markedBy: request.by, markedAt: deps.clock.now().toISOString() },
    attempt,
  };
  await bucket.write(key, JSON.stringify(body));
  return { key, attempt, reopened };
}
