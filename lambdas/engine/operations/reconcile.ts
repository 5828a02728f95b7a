import { jobIndexOf, jobOf } from '../../domain/config/dag';
import type { SkippedInvocation } from '../../domain/cron';
import { MarkerRejection, parseMarkerKey } from '../../domain/markers';
import { upstreamLinks } from '../../domain/period-mapping';
import { addDays, offsetMs, type RunDate, runDateIn, toCompact } from '../../domain/run-date';
import { dayOf, HOURS_OF_DAY, hourIn } from '../../domain/run-hour';
import type { Actor } from '../../domain/runs/run';
import { RunState, TERMINAL_STATES } from '../../domain/runs/states';
import type { MarkerBucket } from '../../ports/marker-bucket';
import { listDay } from '../day-runs';
import type { EngineDeps } from '../deps';
import { dispatch, isReady } from '../dispatch';
import { loadCron } from '../lazy-cron';
import { onMarker } from '../markers';
import { propagateSuccess, repairDoneSet } from '../outcomes';
import { propagateSkip } from '../skips';
import { startRoot } from '../triggers';

// catchUpSkippedRoots runs every minute, but only a tick within two days of a DST change expands a schedule.
const cron = loadCron;

export interface ReconcileFix {
  readonly job: string;
  readonly action: 'redrove-marker' | 'propagated' | 'started-missed-trigger' | 'started-skipped-trigger' | 'repaired-done-set';
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
  // The day's markers, and those of its 24 hours for hourly jobs (docs/hourly.md).
  const periods = [compact, ...HOURS_OF_DAY.map((hh) => `${compact}${hh}`)];
  const listed = await bucket.list(
    periods.flatMap((p) => [`__${p}.done`, `__${p}.failed`]),
    opts.prefix,
  );
  listed.sort((a, b) => a.lastModified.localeCompare(b.lastModified));
  const fixed: ReconcileFix[] = [];
  const conflicts: string[] = [];
  for (const object of listed) {
    const parsed = parseMarkerKey(object.key, (name) => deps.dag.jobs.has(name));
    if (parsed instanceof MarkerRejection || dayOf(parsed.date) !== date) continue;
    const run = await deps.store.get({ job: parsed.job, date: parsed.date });
    const state = run?.state ?? RunState.PENDING;
    if (run?.markersFrom && object.lastModified < run.markersFrom) continue; // an older attempt's marker
    const wanted = parsed.status === 'done' ? RunState.SUCCEEDED : RunState.FAILED;
    if (state === wanted || state === RunState.RETRYING) continue;
    if (TERMINAL_STATES.includes(state)) {
      // A SKIPPED date is replayed only on purpose (docs/calendars.md).
      const force = state === RunState.SKIPPED ? ' --force' : '';
      conflicts.push(
        `${object.key}: run is ${state}; \`rsched replay ${parsed.job} --date ${parsed.date}${force}\` or \`rsched mark\` to change it`,
      );
      continue;
    }
    if (opts.dryRun) {
      fixed.push({ job: parsed.job, action: 'redrove-marker', detail: `${object.key} (run is ${state})` });
      continue;
    }
    const outcome = await onMarker(deps, { bucket: bucket.bucket, key: object.key, size: object.size, eventTime: object.lastModified });
    fixed.push({ job: parsed.job, action: 'redrove-marker', detail: `${object.key} (${state} -> ${outcome.kind})` });
  }
  for (const run of await listDay(deps, date)) {
    if (run.state === RunState.SUCCEEDED && !run.propagatedAt) {
      if (!opts.dryRun) await propagateSuccess(deps, run, opts.by);
      fixed.push({ job: run.job, action: 'propagated', detail: 'success passed to its downstream runs' });
    }
    if (run.state === RunState.SKIPPED && !run.propagatedAt) {
      if (!opts.dryRun) await propagateSkip(deps, run, opts.by);
      fixed.push({ job: run.job, action: 'propagated', detail: 'skip passed to its downstream runs' });
    }
  }
  fixed.push(...(await repairWaitingRuns(deps, date, opts)));
  const now = deps.clock.now();
  const { scheduledInvocations } = await cron();
  // The scheduled roots, from the index: a root is read in full only to start it (config/bundle.ts).
  for (const job of deps.dag.scheduledRoots.map((name) => jobIndexOf(deps.dag, name))) {
    if (!job.schedule) continue;
    const invocations = scheduledInvocations(job.schedule, job.timezone, new Date(`${addDays(date, -1)}T00:00:00Z`), now);
    // A daily root has one run for the day; an hourly root one per UTC hour its schedule fired in.
    const periods =
      job.granularity === 'hourly'
        ? [...new Set(invocations.map(hourIn))].filter((hour) => dayOf(hour) === date)
        : invocations.some((at) => runDateIn(at, job.timezone) === date)
          ? [date]
          : [];
    for (const period of periods) {
      if (await deps.store.get({ job: job.name, date: period })) continue;
      const outcome = opts.dryRun ? 'would start it' : await startRoot(deps, jobOf(deps.dag, job.name), period, opts.by);
      fixed.push({
        job: job.name,
        action: 'started-missed-trigger',
        detail: `its schedule fired for ${period} but no run existed (${outcome})`,
      });
    }
  }
  const dayStart = new Date(`${addDays(date, -1)}T00:00:00Z`);
  const dayEnd = new Date(Math.min(now.getTime(), Date.parse(`${addDays(date, 2)}T00:00:00Z`)));
  fixed.push(...(await catchUpSkippedRoots(deps, dayStart, dayEnd, { by: opts.by, dryRun: opts.dryRun, date })));
  return { date, markersSeen: listed.length, fixed, conflicts };
}

/**
 * Root runs whose only invocation of the day fell in a daylight-saving gap:
 * EventBridge Scheduler skips such a time (domain/cron.ts, docs/scheduling.md#daylight-saving-time),
 * so nothing would start that day's run. Each one is started here, at or after
 * the instant just past the gap, with the reason in its history. Only skips in
 * [from, to] are looked at (the sweeper passes the last two days); a day without
 * a DST change costs two offset look-ups per zone and no I/O.
 *
 * ```
 *  02:00 CET ──gap──▶ 03:00 CEST     "30 2 * * *": no invocation on 2026-03-29
 *                     03:30 CEST     catch-up: run 2026-03-29 started, "skipped by EventBridge Scheduler (DST gap)"
 * ```
 */
export async function catchUpSkippedRoots(
  deps: EngineDeps,
  from: Date,
  to: Date,
  opts: { by: Actor; dryRun?: boolean; date?: RunDate },
): Promise<ReconcileFix[]> {
  const fixed: ReconcileFix[] = [];
  const changes = new Map<string, boolean>();
  const skipsBySchedule = new Map<string, SkippedInvocation[]>();
  // The scheduled roots, from the index: a root is read in full only to start it (config/bundle.ts).
  for (const job of deps.dag.scheduledRoots.map((name) => jobIndexOf(deps.dag, name))) {
    if (!job.schedule) continue;
    let changed = changes.get(job.timezone);
    if (changed === undefined) {
      changed = offsetMs(from, job.timezone) !== offsetMs(to, job.timezone);
      changes.set(job.timezone, changed);
    }
    if (!changed) continue;
    const { scheduledInvocations, skippedInvocations } = await cron();
    // Many roots share a schedule: compute each (schedule, zone) once per call.
    const memo = `${job.schedule}|${job.timezone}`;
    let skips = skipsBySchedule.get(memo);
    if (!skips) {
      skips = skippedInvocations(job.schedule, job.timezone, from, new Date(to.getTime() + 1));
      skipsBySchedule.set(memo, skips);
    }
    for (const skip of skips) {
      if (skip.shiftedTo > to || (opts.date && skip.date !== opts.date)) continue;
      const dayStart = new Date(`${addDays(skip.date, -1)}T00:00:00Z`);
      const dayEnd = new Date(`${addDays(skip.date, 2)}T00:00:00Z`);
      const invokedThatDay = scheduledInvocations(job.schedule, job.timezone, dayStart, dayEnd).some(
        (at) => runDateIn(at, job.timezone) === skip.date,
      );
      if (invokedThatDay || (await deps.store.get({ job: job.name, date: skip.date }))) continue;
      const why = `catch-up: its schedule "${job.schedule}" names ${skip.time}, which did not exist in ${job.timezone} on ${skip.date} (DST gap), so EventBridge Scheduler skipped it`;
      const outcome = opts.dryRun ? 'would start it' : await startRoot(deps, jobOf(deps.dag, job.name), skip.date, opts.by, why);
      fixed.push({ job: job.name, action: 'started-skipped-trigger', detail: `${why} (${outcome})` });
    }
  }
  return fixed;
}

/**
 * Waiting runs whose done set misses upstreams that in fact SUCCEEDED (a lost
 * event, or a success that came while the run was UPSTREAM_FAILED and was
 * reopened later): the upstreams are added and the run dispatched if ready.
 */
async function repairWaitingRuns(deps: EngineDeps, date: RunDate, opts: { by: Actor; dryRun?: boolean }): Promise<ReconcileFix[]> {
  const fixed: ReconcileFix[] = [];
  const runs = await listDay(deps, date);
  const succeeded = new Map(runs.filter((r) => r.state === RunState.SUCCEEDED).map((r) => [`${r.job} ${r.date}`, r]));
  for (const run of runs) {
    const job = deps.dag.jobs.get(run.job);
    if (!job || run.state !== RunState.WAITING) continue;
    const lost = upstreamLinks(deps.dag, job, run.date)
      .filter((l) => {
        const upstream = succeeded.get(`${l.upstream} ${l.date}`);
        return !run.doneUpstreams.includes(l.entry) && upstream !== undefined && upstream.attempt >= (run.upstreamFloors[l.entry] ?? 0);
      })
      .map((l) => l.entry);
    if (lost.length === 0) continue;
    if (!opts.dryRun) {
      const repaired = await repairDoneSet(deps, run, opts.by);
      if (isReady(job, repaired, deps.dag)) await dispatch(deps, repaired, opts.by);
    }
    fixed.push({ job: run.job, action: 'repaired-done-set', detail: `${lost.join(', ')} had succeeded but were not counted` });
  }
  return fixed;
}
