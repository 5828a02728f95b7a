import { downstreamClosure } from '../../domain/lineage';
import { formatMarkerKey } from '../../domain/markers';
import { type RunDate, runDateIn } from '../../domain/run-date';
import type { Actor } from '../../domain/runs/run';
import { RunState, TERMINAL_STATES } from '../../domain/runs/states';
import type { MarkerBucket } from '../../ports/marker-bucket';
import type { EngineDeps } from '../deps';
import { startAttempt } from './attempts';
import { OperationRefusedError } from './errors';
import { requireJob } from './replay';

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
  /** Runs that got a new attempt so the marker counts (the run itself if it had ended; failed downstream runs). */
  readonly reopened: readonly string[];
}

/**
 * Writes a marker by hand (manual fixes, tests). A marker for a run that has
 * ended would change nothing, so such a run first gets a new attempt, and the
 * downstream runs it failed wait again: marking a failed job done lets the
 * chain continue.
 */
export async function mark(deps: EngineDeps, bucket: MarkerBucket, request: MarkRequest): Promise<MarkResult> {
  const job = requireJob(deps, request.job);
  const today = runDateIn(deps.clock.now(), job.timezone);
  if (request.date > today) throw new OperationRefusedError(`${request.date} is in the future (today is ${today} in ${job.timezone})`);
  const reopened: string[] = [];
  const current = await deps.store.get({ job: job.name, date: request.date });
  if (current && TERMINAL_STATES.includes(current.state)) {
    await startAttempt(deps, job, request.date, {
      by: request.by,
      why: `rsched mark (${current.state} before)`,
      manual: false,
      current,
      force: request.force,
    });
    reopened.push(job.name);
    if (!request.failed) {
      for (const name of downstreamClosure(deps.dag, job.name)) {
        const run = await deps.store.get({ job: name, date: request.date });
        if (run?.state !== RunState.UPSTREAM_FAILED) continue;
        await startAttempt(deps, requireJob(deps, name), request.date, {
          by: request.by,
          why: `rsched mark ${job.name}: waits again`,
          manual: false,
          current: run,
        });
        reopened.push(name);
      }
    }
  }
  const key = formatMarkerKey(job.name, request.date, request.failed ? 'failed' : 'done', request.prefix ?? '');
  const body = { params: request.params, meta: { markedBy: request.by, markedAt: deps.clock.now().toISOString() } };
  await bucket.write(key, JSON.stringify(body));
  return { key, reopened };
}
