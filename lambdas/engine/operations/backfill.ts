import { randomBytes } from 'node:crypto';
import { downstreamClosure } from '../../domain/lineage';
import { dateRange, type RunDate, runDateIn } from '../../domain/run-date';
import type { Actor } from '../../domain/runs/run';
import { FAILURE_STATES, RunState, TERMINAL_STATES } from '../../domain/runs/states';
import type { Backfill, BackfillReprocess, BackfillStore } from '../../ports/backfill-store';
import type { EngineDeps } from '../deps';
import { OperationRefusedError } from './errors';
import { replay, requireJob } from './replay';

export type BackfillRequest = Pick<Backfill, 'job' | 'from' | 'to' | 'downstream' | 'reprocess' | 'parallel' | 'force'> & {
  readonly by: Actor;
};

/** One date of a backfill plan (`--dry-run`, and the confirmation prompt). */
export interface PlannedDate {
  readonly date: RunDate;
  readonly currentState: string;
  readonly action: 'run' | 'skip';
  /** The runs (re)started for the date, in order. */
  readonly jobs: readonly string[];
}

/** At most this many dates of one backfill start per advance, so one sweep stays short. */
const STARTS_PER_ADVANCE = 5;
const MAX_DATES = 366;

function checkRequest(deps: EngineDeps, request: BackfillRequest): RunDate[] {
  const job = requireJob(deps, request.job);
  if (job.target.type === 'external') throw new OperationRefusedError(`${job.name} is external: it cannot be backfilled, only marked`);
  const today = runDateIn(deps.clock.now(), job.timezone);
  if (request.from > request.to) throw new OperationRefusedError(`--from ${request.from} is after --to ${request.to}`);
  if (request.to > today) throw new OperationRefusedError(`--to ${request.to} is in the future (today is ${today} in ${job.timezone})`);
  const dates = dateRange(request.from, request.to);
  if (dates.length > MAX_DATES) throw new OperationRefusedError(`${dates.length} dates is more than ${MAX_DATES}; split the backfill`);
  if (!Number.isInteger(request.parallel) || request.parallel < 1 || request.parallel > 31) {
    throw new OperationRefusedError(`--parallel must be between 1 and 31, got ${request.parallel}`);
  }
  return dates;
}

/** What a backfill would do now, date by date, without changing anything. */
export async function planBackfill(deps: EngineDeps, request: BackfillRequest): Promise<PlannedDate[]> {
  const dates = checkRequest(deps, request);
  const jobs = [request.job, ...(request.downstream ? downstreamClosure(deps.dag, request.job) : [])];
  const plan: PlannedDate[] = [];
  for (const date of dates) {
    const state = (await deps.store.get({ job: request.job, date }))?.state ?? RunState.PENDING;
    plan.push({ date, currentState: state, action: wanted(request.reprocess, state) ? 'run' : 'skip', jobs });
  }
  return plan;
}

/** Creates the stored backfill; the sweeper (or `rsched dev`) advances it. */
export async function createBackfill(deps: EngineDeps, store: BackfillStore, request: BackfillRequest): Promise<Backfill> {
  const dates = checkRequest(deps, request);
  const now = deps.clock.now().toISOString();
  const backfill: Backfill = {
    id: `bf-${now.slice(0, 10).replaceAll('-', '')}-${randomBytes(3).toString('hex')}`,
    job: request.job,
    from: request.from,
    to: request.to,
    downstream: request.downstream,
    reprocess: request.reprocess,
    parallel: request.parallel,
    ...(request.force ? { force: true } : {}),
    state: 'RUNNING',
    createdAt: now,
    createdBy: request.by,
    updatedAt: now,
    version: 1,
    dates: Object.fromEntries(dates.map((d) => [d, { status: 'pending' as const }])),
  };
  await store.createBackfill(backfill);
  return backfill;
}

export async function cancelBackfill(deps: EngineDeps, store: BackfillStore, id: string): Promise<Backfill> {
  const current = await store.getBackfill(id);
  if (!current) throw new OperationRefusedError(`no backfill ${id}; \`rsched backfill --list\` shows them`);
  if (current.state !== 'RUNNING') return current;
  const cancelled: Backfill = { ...current, state: 'CANCELLED', updatedAt: deps.clock.now().toISOString(), version: current.version + 1 };
  if (!(await store.saveBackfill(cancelled))) return cancelBackfill(deps, store, id);
  return cancelled;
}

/** Whether a date's run needs (re)processing under the backfill's policy. */
function wanted(reprocess: BackfillReprocess, state: string): boolean {
  if (reprocess === 'all') return true;
  if (reprocess === 'failed') return FAILURE_STATES.includes(state as RunState);
  return state !== RunState.SUCCEEDED;
}

/**
 * One step of every running backfill: dates whose runs all ended are marked
 * done, and new dates start while fewer than `parallel` are in flight.
 * Called by the sweeper every minute.
 */
export async function advanceBackfills(deps: EngineDeps, store: BackfillStore): Promise<number> {
  let started = 0;
  for (const backfill of await store.listBackfills()) {
    if (backfill.state !== 'RUNNING') continue;
    const now = deps.clock.now().toISOString();
    const plan = [backfill.job, ...(backfill.downstream ? downstreamClosure(deps.dag, backfill.job) : [])];
    const dates = { ...backfill.dates };
    for (const [date, entry] of Object.entries(dates)) {
      if (entry.status !== 'running') continue;
      const runs = await Promise.all(plan.map((job) => deps.store.get({ job, date: date as RunDate })));
      const states = runs.map((r) => r?.state ?? RunState.PENDING);
      if (states.every((s) => TERMINAL_STATES.includes(s))) {
        dates[date] = { status: states.every((s) => s === RunState.SUCCEEDED) ? 'succeeded' : 'failed', at: now };
      }
    }
    let inFlight = Object.values(dates).filter((d) => d.status === 'running').length;
    const chosen: RunDate[] = [];
    for (const date of Object.keys(dates).sort()) {
      if (inFlight >= backfill.parallel || chosen.length === STARTS_PER_ADVANCE) break;
      if (dates[date]?.status !== 'pending') continue;
      const current = await deps.store.get({ job: backfill.job, date: date as RunDate });
      if (!wanted(backfill.reprocess, current?.state ?? RunState.PENDING)) {
        dates[date] = { status: 'skipped', at: now, note: `already ${current?.state ?? RunState.PENDING}` };
        continue;
      }
      dates[date] = { status: 'running', at: now };
      chosen.push(date as RunDate);
      inFlight++;
    }
    // Claim the dates before starting them: a concurrent advance that lost the write starts nothing.
    const done = Object.values(dates).every((d) => d.status !== 'pending' && d.status !== 'running');
    let saved: Backfill = { ...backfill, dates, state: done ? 'DONE' : 'RUNNING', updatedAt: now, version: backfill.version + 1 };
    if (!(await store.saveBackfill(saved))) continue;
    const deferred: Record<string, { status: 'pending'; note: string }> = {};
    for (const date of chosen) {
      try {
        await replay(deps, {
          job: backfill.job,
          date,
          downstream: backfill.downstream,
          by: `operator:${backfill.id}`,
          label: `backfill ${backfill.id}`,
        });
        started++;
      } catch (err) {
        // In flight (e.g. today's scheduled run): try again on a later advance.
        if (!(err instanceof OperationRefusedError)) throw err;
        deferred[date] = { status: 'pending', note: err.message };
      }
    }
    if (Object.keys(deferred).length > 0) {
      saved = { ...saved, dates: { ...saved.dates, ...deferred }, state: 'RUNNING', version: saved.version + 1 };
      await store.saveBackfill(saved);
    }
  }
  return started;
}
