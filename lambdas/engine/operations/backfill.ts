import { randomBytes } from 'node:crypto';
import { runsOn, whyNotOn } from '../../domain/calendar';
import { type Dag, jobOf } from '../../domain/config/dag';
import { downstreamClosure } from '../../domain/lineage';
import { periodProblem, upstreamLinks } from '../../domain/period-mapping';
import { dateRange, type RunDate, runDateIn } from '../../domain/run-date';
import { hourRange, isHourPeriod, periodEnd } from '../../domain/run-hour';
import type { Actor, Run } from '../../domain/runs/run';
import { FAILURE_STATES, RunState, TERMINAL_STATES } from '../../domain/runs/states';
import { type Backfill, type BackfillReprocess, type BackfillStore, FINAL_DATE_STATUSES } from '../../ports/backfill-store';
import type { EngineDeps } from '../deps';
import { OperationRefusedError } from './errors';
import { futureProblem, replay, requireJob } from './replay';

export type BackfillRequest = Pick<
  Backfill,
  'job' | 'from' | 'to' | 'downstream' | 'reprocess' | 'parallel' | 'force' | 'includeExcluded'
> & {
  readonly by: Actor;
};

/** A run of a backfill's date that could never complete, and why. */
export interface Blocker {
  readonly job: string;
  readonly why: string;
}

/**
 * One date of a backfill plan (`--dry-run`, the confirmation prompt, and each advance):
 * - `run`: started now;
 * - `skip`: nothing to reprocess under the policy;
 * - `wait`: an upstream run outside the backfill is not done yet (today's, say): started once it is;
 * - `blocked`: some runs could never complete (`cannotComplete` says which and why); nothing is started.
 */
export interface PlannedDate {
  readonly date: RunDate;
  /** The state of the backfilled job's run. */
  readonly currentState: string;
  readonly action: 'run' | 'skip' | 'wait' | 'blocked';
  /** The runs (re)started for the date, in order. */
  readonly jobs: readonly string[];
  readonly cannotComplete: readonly Blocker[];
  /** Why the date waits or is skipped. */
  readonly reason?: string;
}

/** At most this many dates of one backfill start per advance, so one sweep stays short. */
const STARTS_PER_ADVANCE = 5;
const MAX_DATES = 366;
/** A date claimed (`starting`) this long ago by an advance that never recorded the outcome is looked at again. */
export const BACKFILL_START_LEASE_MS = 2 * 60_000;

function checkRequest(deps: EngineDeps, request: BackfillRequest): RunDate[] {
  const job = requireJob(deps, request.job);
  if (job.target.type === 'external') throw new OperationRefusedError(`${job.name} is external: it cannot be backfilled, only marked`);
  for (const [flag, date] of [
    ['--from', request.from],
    ['--to', request.to],
  ] as const) {
    const problem = periodProblem(job, date);
    if (problem) throw new OperationRefusedError(`${flag}: ${problem}`);
  }
  if (request.from > request.to) throw new OperationRefusedError(`--from ${request.from} is after --to ${request.to}`);
  const future = futureProblem(job, request.to, deps.clock.now());
  if (future) throw new OperationRefusedError(`--to ${future}`);
  // By hour for an hourly job (docs/hourly.md#backfill): a plan has one period per step, so its jobs share a granularity.
  const other = backfillJobs(deps.dag, request).filter((name) => deps.dag.jobs.get(name)?.granularity !== job.granularity);
  if (other.length > 0) {
    throw new OperationRefusedError(
      `--downstream of ${job.granularity} ${job.name} reaches ${job.granularity === 'hourly' ? 'daily' : 'hourly'} jobs (${other.join(', ')}); backfill each granularity on its own (hours with --from YYYY-MM-DDTHH), or replay --downstream one period`,
    );
  }
  const dates = job.granularity === 'hourly' ? hourRange(request.from, request.to) : dateRange(request.from, request.to);
  if (dates.length > MAX_DATES) throw new OperationRefusedError(`${dates.length} dates is more than ${MAX_DATES}; split the backfill`);
  if (!Number.isInteger(request.parallel) || request.parallel < 1 || request.parallel > 31) {
    throw new OperationRefusedError(`--parallel must be between 1 and 31, got ${request.parallel}`);
  }
  return dates;
}

/** The jobs a backfill re-runs for each date: the job, and with `downstream` its transitive downstream closure. */
export function backfillJobs(dag: Dag, backfill: Pick<Backfill, 'job' | 'downstream'>): string[] {
  return [backfill.job, ...(backfill.downstream ? downstreamClosure(dag, backfill.job) : [])];
}

/**
 * The jobs a backfill re-runs on one date: without `includeExcluded`, those
 * whose calendar excludes the date are left out (they stay SKIPPED; docs/calendars.md).
 */
export function backfillJobsOn(dag: Dag, backfill: Pick<Backfill, 'job' | 'downstream' | 'includeExcluded'>, date: RunDate): string[] {
  const jobs = backfillJobs(dag, backfill);
  return backfill.includeExcluded ? jobs : jobs.filter((name) => runsOn(jobOf(dag, name), date));
}

/**
 * What a backfill does with one date now. The policy looks at every run of the
 * date's plan (the whole closure with `--downstream`), not only the backfilled
 * job's. A run of the plan needs each upstream outside the plan to have
 * SUCCEEDED on that date: if such an upstream run is still to come or in
 * progress (today's, say) the date waits; if it has failed, or has no run on a
 * past date, that run — and everything after it in the plan — could never
 * complete, and the date is blocked rather than started into certain timeouts.
 */
export async function assessDate(
  deps: EngineDeps,
  backfill: Pick<Backfill, 'job' | 'downstream' | 'reprocess' | 'includeExcluded'>,
  date: RunDate,
): Promise<PlannedDate> {
  const notOn = backfill.includeExcluded ? undefined : whyNotOn(jobOf(deps.dag, backfill.job).calendar, date);
  if (notOn) {
    const current = (await deps.store.get({ job: backfill.job, date }))?.state ?? RunState.SKIPPED;
    return { date, currentState: current, jobs: [], action: 'skip', cannotComplete: [], reason: `${notOn} (--include-excluded runs it)` };
  }
  const jobs = backfillJobsOn(deps.dag, backfill, date);
  const inPlan = new Set(jobs);
  const runs = new Map<string, Run | undefined>();
  for (const name of jobs) runs.set(name, await deps.store.get({ job: name, date }));
  const stateOf = (name: string) => runs.get(name)?.state ?? RunState.PENDING;
  const currentState = stateOf(backfill.job);
  const base = { date, currentState, jobs };
  const wantedJobs = jobs.filter((name) => wanted(backfill.reprocess, stateOf(name)));
  if (wantedJobs.length === 0) {
    return {
      ...base,
      action: 'skip',
      cannotComplete: [],
      reason: `${summarise(jobs.map(stateOf))}: nothing to reprocess (${backfill.reprocess})`,
    };
  }
  const now = deps.clock.now();
  const today = runDateIn(now, (deps.dag.jobs.get(backfill.job) as { timezone: string }).timezone);
  // A run that never started is settled once its period is over: a past day, or an hour that has ended.
  const past = (period: RunDate) => (isHourPeriod(period) ? periodEnd(period) <= now : period < today);
  const cannotComplete: Blocker[] = [];
  const waits: string[] = [];
  const broken = new Set<string>();
  for (const name of jobs) {
    const reasons: string[] = [];
    const job = deps.dag.jobs.get(name);
    // Upstream runs by the dependency mapping (docs/hourly.md): an hourly job's day upstream, a daily job's hours.
    for (const link of job ? upstreamLinks(deps.dag, job, date) : []) {
      const upstream = link.upstream;
      if (inPlan.has(upstream)) {
        if (broken.has(upstream)) reasons.push(`comes after ${upstream}, which cannot complete`);
        continue;
      }
      const state = (await deps.store.get({ job: upstream, date: link.date }))?.state ?? RunState.PENDING;
      if (state === RunState.SUCCEEDED) continue;
      // SKIPPED (its calendar excludes the date) never becomes done: like a failure, it settles the question.
      const settled = FAILURE_STATES.includes(state) || state === RunState.SKIPPED || (state === RunState.PENDING && past(link.date));
      if (settled) reasons.push(`needs ${upstream}, which ${state === RunState.PENDING ? 'has no run' : `is ${state}`} for ${link.date}`);
      else waits.push(`${upstream} (${state})`);
    }
    if (reasons.length > 0) {
      broken.add(name);
      cannotComplete.push({ job: name, why: reasons.join('; ') });
    }
  }
  if (cannotComplete.length > 0) {
    return {
      ...base,
      action: 'blocked',
      cannotComplete,
      reason: 'some runs could never complete; backfill or mark their upstreams first',
    };
  }
  if (waits.length > 0) {
    return { ...base, action: 'wait', cannotComplete, reason: `waits for upstream runs not done yet: ${[...new Set(waits)].join(', ')}` };
  }
  return { ...base, action: 'run', cannotComplete };
}

function summarise(states: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const s of states) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].map(([s, n]) => (states.length === 1 ? s : `${n} ${s}`)).join(', ');
}

/** What a backfill would do now, date by date, without changing anything. */
export async function planBackfill(deps: EngineDeps, request: BackfillRequest): Promise<PlannedDate[]> {
  const dates = checkRequest(deps, request);
  const plan: PlannedDate[] = [];
  for (const date of dates) plan.push(await assessDate(deps, request, date));
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
    ...(request.includeExcluded ? { includeExcluded: true } : {}),
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

/** Cancels a backfill: no date starts any more, and none is listed as running (its runs in flight finish on their own). */
export async function cancelBackfill(deps: EngineDeps, store: BackfillStore, id: string): Promise<Backfill> {
  const current = await store.getBackfill(id);
  if (!current) throw new OperationRefusedError(`no backfill ${id}; \`rsched backfill --list\` shows them`);
  if (current.state !== 'RUNNING') return current;
  const now = deps.clock.now().toISOString();
  const dates = Object.fromEntries(
    Object.entries(current.dates).map(([date, entry]) => {
      if (FINAL_DATE_STATUSES.includes(entry.status)) return [date, entry];
      const note =
        entry.status === 'pending' ? 'cancelled before it started' : 'cancelled while running; runs already started finish on their own';
      return [date, { status: 'cancelled' as const, at: now, note }];
    }),
  );
  const cancelled: Backfill = { ...current, dates, state: 'CANCELLED', updatedAt: now, version: current.version + 1 };
  if (!(await store.saveBackfill(cancelled))) return cancelBackfill(deps, store, id);
  return cancelled;
}

/** Whether a run needs (re)processing under the backfill's policy. */
function wanted(reprocess: BackfillReprocess, state: string): boolean {
  if (reprocess === 'all') return true;
  if (reprocess === 'failed') return FAILURE_STATES.includes(state as RunState);
  return state !== RunState.SUCCEEDED;
}

type DateEntry = Backfill['dates'][string];

/** True when the backfill's replay of `date` started: the backfilled job's run has an attempt started by it at or after `since`. */
function startedBy(run: Run | undefined, backfill: Backfill, since: string): boolean {
  const by = `operator:${backfill.id}`;
  return run !== undefined && run.attemptStartedAt >= since && run.history.some((h) => h.by === by && h.at >= since);
}

/**
 * One step of every running backfill (the sweeper calls it every minute):
 *
 * ```
 *  pending ──assess: run──▶ starting (claimed, saved) ──replay started──▶ running ──all runs ended──▶ succeeded | failed
 *     ▲  └─assess: wait (stays pending, note)     │ replay refused or failed (throttle, 5xx): back to pending, note
 *     │   assess: skip / blocked ──▶ skipped / blocked                    │
 *     └────────────────────────────────────────────┘ claim older than the lease and no attempt of ours: back to pending
 * ```
 *
 * A date is saved `running` only once its replay has started, so a transient
 * error can neither leave it running forever nor have it judged from the runs'
 * old states. Whether a claimed date started is read from the run itself (an
 * attempt started by this backfill), so an advance that died in between is
 * repaired by the next. Each backfill and each date is handled on its own: an
 * error in one never stops the others.
 */
export async function advanceBackfills(deps: EngineDeps, store: BackfillStore): Promise<number> {
  let started = 0;
  for (const backfill of await store.listBackfills()) {
    if (backfill.state !== 'RUNNING') continue;
    try {
      started += await advanceOne(deps, store, backfill);
    } catch (err) {
      deps.log.error('backfill advance failed; retried on the next sweep', { backfill: backfill.id, error: String(err) });
    }
  }
  return started;
}

async function advanceOne(deps: EngineDeps, store: BackfillStore, backfill: Backfill): Promise<number> {
  const nowMs = deps.clock.now().getTime();
  const now = new Date(nowMs).toISOString();
  const dates: Record<string, DateEntry> = { ...backfill.dates };
  for (const [key, entry] of Object.entries(dates)) {
    const date = key as RunDate;
    if (entry.status === 'starting') {
      if (nowMs - Date.parse(entry.at ?? now) < BACKFILL_START_LEASE_MS) continue;
      const root = await deps.store.get({ job: backfill.job, date });
      dates[key] = startedBy(root, backfill, entry.at ?? now)
        ? { status: 'running', at: entry.at ?? now }
        : { status: 'pending', at: now, note: 'its start was interrupted; starting it again' };
    }
    if (dates[key]?.status !== 'running') continue;
    const since = dates[key]?.at ?? now;
    const jobs = backfillJobsOn(deps.dag, backfill, date);
    const runs = await Promise.all(jobs.map((job) => deps.store.get({ job, date })));
    if (!startedBy(runs[0], backfill, since)) continue; // not yet visible (never judged from the old state)
    const states = runs.map((r) => r?.state ?? RunState.PENDING);
    if (!states.every((s) => TERMINAL_STATES.includes(s))) continue;
    const bad = jobs.flatMap((job, i) => (states[i] === RunState.SUCCEEDED ? [] : [`${job} ${states[i]}`]));
    dates[key] =
      bad.length === 0
        ? { status: 'succeeded', at: now }
        : { status: 'failed', at: now, note: `${bad.join(', ')} (see \`rsched status --date ${date}\`)` };
  }
  let inFlight = Object.values(dates).filter((d) => d.status === 'running' || d.status === 'starting').length;
  const chosen: RunDate[] = [];
  for (const key of Object.keys(dates).sort()) {
    if (inFlight >= backfill.parallel || chosen.length === STARTS_PER_ADVANCE) break;
    if (dates[key]?.status !== 'pending') continue;
    const assessed = await assessDate(deps, backfill, key as RunDate);
    if (assessed.action === 'skip') dates[key] = { status: 'skipped', at: now, note: assessed.reason ?? '' };
    else if (assessed.action === 'blocked') {
      dates[key] = { status: 'blocked', at: now, note: assessed.cannotComplete.map((b) => `${b.job}: ${b.why}`).join('; ') };
    } else if (assessed.action === 'wait') {
      if (dates[key]?.note !== assessed.reason) dates[key] = { status: 'pending', at: now, note: assessed.reason ?? '' };
    } else {
      dates[key] = { status: 'starting', at: now };
      chosen.push(key as RunDate);
      inFlight++;
    }
  }
  // Nothing changed (dates waiting as before): no write.
  if (chosen.length === 0 && JSON.stringify(dates) === JSON.stringify(backfill.dates)) return 0;
  // Claim the dates before starting them: a concurrent advance that lost the write starts nothing.
  let saved = withDates(backfill, dates, now);
  if (!(await store.saveBackfill(saved))) return 0;
  const outcomes: Record<string, DateEntry> = {};
  for (const date of chosen) {
    try {
      await replay(deps, {
        job: backfill.job,
        date,
        downstream: backfill.downstream,
        force: backfill.force,
        includeExcluded: backfill.includeExcluded === true,
        by: `operator:${backfill.id}`,
        label: `backfill ${backfill.id}`,
        cause: 'backfill',
      });
      outcomes[date] = { status: 'running', at: now };
    } catch (err) {
      // Refused (a run in flight, e.g. today's scheduled run) or a transient error (throttle, 5xx): try again later.
      const why = err instanceof OperationRefusedError ? err.message : `could not start: ${String(err)}`;
      outcomes[date] = { status: 'pending', at: now, note: why };
      if (!(err instanceof OperationRefusedError))
        deps.log.warn('backfill date not started', { backfill: backfill.id, date, error: String(err) });
    }
  }
  const count = Object.values(outcomes).filter((o) => o.status === 'running').length;
  // Record the outcomes; on a lost race, re-read and apply them to dates still claimed by us.
  for (let tries = 0; tries < 3 && chosen.length > 0; tries++) {
    const merged = { ...saved.dates };
    for (const [date, outcome] of Object.entries(outcomes)) if (merged[date]?.status === 'starting') merged[date] = outcome;
    if (await store.saveBackfill(withDates(saved, merged, now))) break;
    const fresh = await store.getBackfill(backfill.id);
    if (!fresh) break;
    saved = fresh;
  }
  return count;
}

function withDates(backfill: Backfill, dates: Record<string, DateEntry>, now: string): Backfill {
  const done = backfill.state === 'RUNNING' && Object.values(dates).every((d) => FINAL_DATE_STATUSES.includes(d.status));
  return { ...backfill, dates, state: done ? 'DONE' : backfill.state, updatedAt: now, version: backfill.version + 1 };
}

/** One date of `backfill --status`: its status and each run of its plan with state and reason. */
export interface BackfillDateStatusReport {
  readonly date: RunDate;
  readonly status: DateEntry['status'];
  readonly note?: string;
  readonly runs: readonly { readonly job: string; readonly state: string; readonly attempt: number; readonly reason?: string }[];
}

/** Every date of a backfill with its runs, as `rsched backfill --status ID` shows them. */
export async function backfillStatus(deps: EngineDeps, backfill: Backfill): Promise<BackfillDateStatusReport[]> {
  const out: BackfillDateStatusReport[] = [];
  for (const [key, entry] of Object.entries(backfill.dates).sort(([a], [b]) => a.localeCompare(b))) {
    const date = key as RunDate;
    const jobs = backfillJobsOn(deps.dag, backfill, date);
    const runs = [];
    for (const job of jobs) {
      const run = await deps.store.get({ job, date });
      runs.push({
        job,
        state: run?.state ?? RunState.PENDING,
        attempt: run?.attempt ?? 0,
        ...(run?.reason ? { reason: run.reason } : {}),
      });
    }
    out.push({ date, status: entry.status, ...(entry.note ? { note: entry.note } : {}), runs });
  }
  return out;
}
