import type { Job } from '../../domain/config/dag';
import { upstreamLinks, waitDeadline } from '../../domain/period-mapping';
import type { RunDate } from '../../domain/run-date';
import type { Actor, AttemptCause, Run } from '../../domain/runs/run';
import { IN_FLIGHT_STATES, RunState } from '../../domain/runs/states';
import { reopen } from '../../domain/runs/transitions';
import type { EngineDeps } from '../deps';
import { OperationRefusedError } from './errors';

/** Refuses to start over a run that is running, unless forced. */
export function assertNotInFlight(run: Run | undefined, force: boolean): void {
  if (run && IN_FLIGHT_STATES.includes(run.state) && !force) {
    throw new OperationRefusedError(
      `${run.job} ${run.date} is ${run.state} (attempt ${run.attempt}, submitted ${run.submittedAt ?? 'just now'}); wait for it to finish or pass --force`,
    );
  }
}

export interface AttemptOptions {
  readonly by: Actor;
  readonly why: string;
  /** Dispatched now, whatever its upstreams say (rsched run, the root of a replay). */
  readonly manual: boolean;
  /**
   * Upstreams that get a new attempt in the same operation (a replay's or a
   * mark's chain): this run waits for those new attempts, and their older
   * attempts' outcomes change nothing here. Named by done-set entry: the
   * upstream's name, or `<upstream>@HH` for one hour of it (docs/hourly.md).
   */
  readonly waitFor?: readonly string[];
  readonly force?: boolean;
  readonly current?: Run;
  /** Recorded on the attempt's first history entry (`rsched history` shows it). */
  readonly cause?: AttemptCause;
}

/**
 * Starts a new attempt on purpose. The done set is rebuilt from the upstream
 * runs as they are now (never inherited from an earlier attempt, which may
 * have missed a success that came while the run was UPSTREAM_FAILED), and
 * each upstream gets a floor: the attempt of it this run waits for.
 */
export async function startAttempt(deps: EngineDeps, job: Job, date: RunDate, opts: AttemptOptions): Promise<Run> {
  const key = { job: job.name, date };
  const now = deps.clock.now();
  const waitFor = new Set(opts.waitFor ?? []);
  for (let tries = 0; tries < 3; tries++) {
    const current = tries === 0 && opts.current ? opts.current : await deps.store.get(key);
    assertNotInFlight(current, opts.force ?? false);
    // Per done-set entry: an upstream's run, or one hour of an hourly upstream (docs/hourly.md).
    const links = upstreamLinks(deps.dag, job, date);
    const upstreams = await deps.store.getMany(links.map((l) => ({ job: l.upstream, date: l.date })));
    const done: string[] = [];
    const floors: Record<string, number> = {};
    for (const link of links) {
      const upstream = upstreams.find((u) => u.job === link.upstream && u.date === link.date);
      if (!upstream) continue;
      if (waitFor.has(link.entry)) {
        floors[link.entry] = upstream.attempt + 1;
      } else {
        floors[link.entry] = upstream.attempt;
        if (upstream.state === RunState.SUCCEEDED) done.push(link.entry);
      }
    }
    for (const link of links) if (waitFor.has(link.entry)) floors[link.entry] ??= 1;
    const result = await deps.store.transition(
      reopen(current, key, {
        at: now.toISOString(),
        by: opts.by,
        why: opts.why,
        manual: opts.manual,
        done,
        floors,
        cause: opts.cause,
        // With some upstreams done the wait for the rest has started, and may time out.
        ...(done.length > 0 ? { deadlineAt: waitDeadline(deps.dag, job, date, now).toISOString() } : {}),
      }),
    );
    if (result.ok) return result.run;
  }
  throw new OperationRefusedError(`${job.name} ${date} kept changing while a new attempt was being started; try again`);
}
