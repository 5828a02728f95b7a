import { occurrences } from '../../domain/cron';
import { MarkerRejection, parseMarkerKey } from '../../domain/markers';
import { addDays, type RunDate, runDateIn, toCompact } from '../../domain/run-date';
import type { Actor } from '../../domain/runs/run';
import { RunState, TERMINAL_STATES } from '../../domain/runs/states';
import type { MarkerBucket } from '../../ports/marker-bucket';
import type { EngineDeps } from '../deps';
import { dispatch, isReady } from '../dispatch';
import { onMarker } from '../markers';
import { propagateSuccess, repairDoneSet } from '../outcomes';
import { startRoot } from '../triggers';

export interface ReconcileFix {
  readonly job: string;
  readonly action: 'redrove-marker' | 'propagated' | 'started-missed-trigger' | 'repaired-done-set';
  readonly detail: string;
}

export interface ReconcileResult {
  readonly date: RunDate;
  readonly markersSeen: number;
  readonly fixed: readonly ReconcileFix[];
  /** Markers that cannot be applied as they stand (the run ended another way; needs replay or mark). */
  readonly conflicts: readonly string[];
}

/**
 * Repairs state after lost events: markers present in the bucket whose run
 * does not show them are re-driven through the normal marker path; successes
 * not yet passed downstream are passed on; root runs whose schedule fired
 * without a trace are started. A second reconcile changes nothing.
 */
export async function reconcile(
  deps: EngineDeps,
  bucket: MarkerBucket,
  date: RunDate,
  opts: { prefix?: string; by: Actor; dryRun?: boolean },
): Promise<ReconcileResult> {
  const compact = toCompact(date);
  const listed = await bucket.list([`__${compact}.done`, `__${compact}.failed`], opts.prefix);
  listed.sort((a, b) => a.lastModified.localeCompare(b.lastModified));
  const fixed: ReconcileFix[] = [];
  const conflicts: string[] = [];
  for (const object of listed) {
    const parsed = parseMarkerKey(object.key, (name) => deps.dag.jobs.has(name));
    if (parsed instanceof MarkerRejection || parsed.date !== date) continue;
    const run = await deps.store.get({ job: parsed.job, date });
    const state = run?.state ?? RunState.PENDING;
    if (run?.markersFrom && object.lastModified < run.markersFrom) continue; // an older attempt's marker
    const wanted = parsed.status === 'done' ? RunState.SUCCEEDED : RunState.FAILED;
    if (state === wanted || state === RunState.RETRYING) continue;
    if (TERMINAL_STATES.includes(state)) {
      conflicts.push(`${object.key}: run is ${state}; \`rsched replay ${parsed.job} --date ${date}\` or \`rsched mark\` to change it`);
      continue;
    }
    if (opts.dryRun) {
      fixed.push({ job: parsed.job, action: 'redrove-marker', detail: `${object.key} (run is ${state})` });
      continue;
    }
    const outcome = await onMarker(deps, { bucket: bucket.bucket, key: object.key, size: object.size, eventTime: object.lastModified });
    fixed.push({ job: parsed.job, action: 'redrove-marker', detail: `${object.key} (${state} -> ${outcome.kind})` });
  }
  for (const run of await deps.store.listByDate(date)) {
    if (run.state === RunState.SUCCEEDED && !run.propagatedAt) {
      if (!opts.dryRun) await propagateSuccess(deps, run, opts.by);
      fixed.push({ job: run.job, action: 'propagated', detail: 'success passed to its downstream runs' });
    }
  }
  fixed.push(...(await repairWaitingRuns(deps, date, opts)));
  const now = deps.clock.now();
  for (const job of deps.dag.jobs.values()) {
    if (!job.schedule) continue;
    const fired = occurrences(job.schedule, job.timezone, new Date(`${addDays(date, -1)}T00:00:00Z`), now).some(
      (at) => runDateIn(at, job.timezone) === date,
    );
    if (!fired || (await deps.store.get({ job: job.name, date }))) continue;
    const outcome = opts.dryRun ? 'would start it' : await startRoot(deps, job, date, opts.by);
    fixed.push({
      job: job.name,
      action: 'started-missed-trigger',
      detail: `its schedule fired for ${date} but no run existed (${outcome})`,
    });
  }
  return { date, markersSeen: listed.length, fixed, conflicts };
}

/**
 * Waiting runs whose done set misses upstreams that in fact SUCCEEDED (a lost
 * event, or a success that came while the run was UPSTREAM_FAILED and was
 * reopened later): the upstreams are added and the run dispatched if ready.
 */
async function repairWaitingRuns(deps: EngineDeps, date: RunDate, opts: { by: Actor; dryRun?: boolean }): Promise<ReconcileFix[]> {
  const fixed: ReconcileFix[] = [];
  const runs = await deps.store.listByDate(date);
  const succeeded = new Map(runs.filter((r) => r.state === RunState.SUCCEEDED).map((r) => [r.job, r]));
  for (const run of runs) {
    const job = deps.dag.jobs.get(run.job);
    if (!job || run.state !== RunState.WAITING) continue;
    const lost = job.dependsOn.filter((u) => {
      const upstream = succeeded.get(u);
      return !run.doneUpstreams.includes(u) && upstream !== undefined && upstream.attempt >= (run.upstreamFloors[u] ?? 0);
    });
    if (lost.length === 0) continue;
    if (!opts.dryRun) {
      const repaired = await repairDoneSet(deps, run, opts.by);
      if (isReady(job, repaired)) await dispatch(deps, repaired, opts.by);
    }
    fixed.push({ job: run.job, action: 'repaired-done-set', detail: `${lost.join(', ')} had succeeded but were not counted` });
  }
  return fixed;
}
