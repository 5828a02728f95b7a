import { AlertKind, predictedLateText } from '../domain/alerts';
import { type Job, jobOf } from '../domain/config/dag';
import type { scheduledInvocations } from '../domain/cron';
import { lateDeadlinesBetween } from '../domain/late';
import { upstreamClosure } from '../domain/lineage';
import { notBeforeInstant } from '../domain/not-before';
import { percentile } from '../domain/percentile';
import { judgePrediction, predictFinish } from '../domain/predicted-late';
import { addDays, type RunDate, runDateIn } from '../domain/run-date';
import { isFailure, RunState } from '../domain/runs/states';
import type { RunStore } from '../ports/run-store';
import { raiseAlert } from './alerting';
import type { EngineDeps } from './deps';
import { loadCron } from './lazy-cron';
import { jobReport } from './report';

/**
 * PREDICTED_LATE (docs/scheduling.md#predicted-late-alerts-predicted_late): before a job's
 * `expectedBy` passes, the sweeper predicts the run's finish from the p95
 * durations of the jobs still to run on its upstream path, and alerts once
 * when that finish is after the deadline.
 *
 * Cost per sweep, bounded: only runs whose deadline falls in the next
 * {@link PREDICTION.lookaheadHours} hours and that have not SUCCEEDED are looked
 * at (one BatchGetItem, in 100-key requests, of all their upstream closures); durations come from a
 * per-container cache that reads a job's recent runs at most once per
 * {@link PREDICTION.cacheMinutes} minutes and run date — never the whole history
 * every minute.
 */
export const PREDICTION = {
  /** The p95 is taken over this many latest SUCCEEDED runs of a job … */
  windowRuns: 14,
  /** … and is not known (no prediction) with fewer than this many. */
  minSamples: 5,
  /** How far back the latest runs are looked for. */
  historyDays: 45,
  /** Deadlines this far ahead are predicted. */
  lookaheadHours: 24,
  /** A job's p95 is read again after this long (and on a new day). */
  cacheMinutes: 360,
} as const;

/** A job's p95 duration over its latest successful runs, and how many runs it is from. */
export interface DurationStats {
  readonly p95Minutes: number | undefined;
  readonly samples: number;
}

/**
 * p95 durations per job, read from the store and kept for a while. One per
 * sweeper container (created at cold start), so a warm sweeper reads a job's
 * history a few times a day, not every minute.
 */
export class DurationEstimates {
  private readonly cache = new Map<string, { stats: DurationStats; until: number }>();
  /** Runs already alerted by this container: no write is tried again for them. */
  readonly alerted = new Set<string>();

  constructor(private readonly store: RunStore) {}

  async stats(job: string, now: Date): Promise<DurationStats> {
    const today = runDateIn(now, 'UTC');
    const key = `${job}@${today}`;
    const hit = this.cache.get(key);
    if (hit && hit.until > now.getTime()) return hit.stats;
    const runs = await this.store.listByJob(job, addDays(today, -PREDICTION.historyDays), today);
    const durations = runs
      .filter((r) => r.state === RunState.SUCCEEDED)
      .sort((a, b) => b.date.localeCompare(a.date))
      .map((r) => jobReport(r, 0).durationMinutes)
      .filter((m): m is number => typeof m === 'number')
      .slice(0, PREDICTION.windowRuns)
      .sort((a, b) => a - b);
    const stats = {
      p95Minutes: durations.length >= PREDICTION.minSamples ? (percentile(durations, 95) ?? undefined) : undefined,
      samples: durations.length,
    };
    for (const k of this.cache.keys()) if (!k.endsWith(`@${today}`)) this.cache.delete(k);
    this.cache.set(key, { stats, until: now.getTime() + PREDICTION.cacheMinutes * 60_000 });
    return stats;
  }
}

/** One run with a deadline ahead, as predicted now. */
export interface PredictedRun {
  readonly job: Job;
  readonly date: RunDate;
  readonly attempt: number;
  readonly deadline: Date;
  readonly finishAt: Date;
  readonly late: boolean;
  /** Not late yet: from when it will be if nothing changes (before the deadline only). */
  readonly lateFrom?: Date;
  readonly path: readonly string[];
  readonly samples: number;
}

/** The first scheduled start of a root's run of `date` (its schedule in its zone). */
function scheduledStart(expand: typeof scheduledInvocations, job: Job, date: RunDate): number | undefined {
  if (!job.schedule) return undefined;
  const from = new Date(`${addDays(date, -1)}T00:00:00Z`);
  const to = new Date(`${addDays(date, 2)}T00:00:00Z`);
  return expand(job.schedule, job.timezone, from, to)
    .find((at) => runDateIn(at, job.timezone) === date)
    ?.getTime();
}

/** The expectedBy deadlines within the lookahead: the only runs a pass looks at. */
function deadlinesAhead(deps: EngineDeps, now: Date) {
  return lateDeadlinesBetween(deps.dag, now, new Date(now.getTime() + PREDICTION.lookaheadHours * 3_600_000), Number.POSITIVE_INFINITY);
}

/** Every run whose deadline is ahead (within the lookahead), predicted now; runs that cannot be predicted are left out. */
export async function predictRuns(deps: EngineDeps, estimates: DurationEstimates, now: Date): Promise<PredictedRun[]> {
  const out: PredictedRun[] = [];
  const candidates: { deadline: ReturnType<typeof deadlinesAhead>[number]; own: DurationStats; names: string[] }[] = [];
  for (const deadline of deadlinesAhead(deps, now)) {
    const own = await estimates.stats(deadline.job.name, now);
    // Without the job's own p95 nothing can be said: no read of its upstreams either.
    if (deadline.job.target.type !== 'external' && own.p95Minutes === undefined) continue;
    candidates.push({ deadline, own, names: [...upstreamClosure(deps.dag, deadline.job.name), deadline.job.name] });
  }
  // One read of every run the predictions need (BatchGetItem, 100 keys a request), not one per deadline: runs shared
  // by several deadlines' upstream paths are read once per sweep.
  const keys = new Map(candidates.flatMap((c) => c.names.map((n) => [`${n}@${c.deadline.date}`, { job: n, date: c.deadline.date }])));
  const stored = new Map((keys.size > 0 ? await deps.store.getMany([...keys.values()]) : []).map((r) => [`${r.job}@${r.date}`, r]));
  // Schedules are expanded only when there is something to predict (lazy-cron.ts).
  const expand = candidates.length > 0 ? (await loadCron()).scheduledInvocations : undefined;
  for (const { deadline, own, names } of candidates) {
    const job = deadline.job;
    const runs = new Map(
      names.flatMap((n) => {
        const run = stored.get(`${n}@${deadline.date}`);
        return run ? [[n, run] as const] : [];
      }),
    );
    const target = runs.get(job.name);
    if (target && (target.state === RunState.SUCCEEDED || isFailure(target.state))) continue;
    const p95 = new Map<string, number | undefined>();
    let samples = own.samples;
    for (const name of names) {
      const run = runs.get(name);
      if (run?.state === RunState.SUCCEEDED || jobOf(deps.dag, name).target.type === 'external') continue;
      const stats = await estimates.stats(name, now);
      p95.set(name, stats.p95Minutes);
      samples = Math.min(samples, stats.samples);
    }
    const prediction = predictFinish({
      dag: deps.dag,
      job: job.name,
      runs,
      p95Minutes: (name) => p95.get(name),
      earliestStart: (j) => {
        const gates = [
          notBeforeInstant(j, deadline.date)?.getTime(),
          scheduledStart(expand as typeof scheduledInvocations, j, deadline.date),
        ].filter((t): t is number => t !== undefined);
        return gates.length > 0 ? Math.max(...gates) : undefined;
      },
      now: now.getTime(),
    });
    if (!prediction) continue;
    const judged = judgePrediction(prediction, deadline.at.getTime(), now.getTime());
    out.push({
      job,
      date: deadline.date,
      attempt: target?.attempt ?? 1,
      deadline: deadline.at,
      finishAt: new Date(judged.finishAt),
      late: judged.late,
      ...(judged.lateFrom !== undefined && judged.lateFrom < deadline.at.getTime() ? { lateFrom: new Date(judged.lateFrom) } : {}),
      path: prediction.path,
      samples,
    });
  }
  return out;
}

export const PREDICTED_LATE_CURSOR = 'predicted-late';

const runKey = (p: PredictedRun) => `${p.job.name}@${p.date}#${p.attempt}`;

/**
 * Raises PREDICTED_LATE for every run predicted to miss its deadline. Only
 * when there is one to raise is the pass claimed, by moving a cursor to this
 * sweep's time (a conditional write): of two sweeps that overlap only one
 * raises, and a quiet minute writes nothing. The alert record is de-duplicated
 * per run, kind and attempt, so the alert goes out once per run. Returns how
 * many were raised.
 */
export async function checkPredictedLate(deps: EngineDeps, estimates: DurationEstimates, now: Date): Promise<number> {
  // A DAG without deadlines ahead costs nothing: no read, no write.
  if (deadlinesAhead(deps, now).length === 0) return 0;
  const late = (await predictRuns(deps, estimates, now)).filter((p) => p.late && !estimates.alerted.has(runKey(p)));
  if (late.length === 0) return 0;
  const cursor = await deps.store.getCursor(PREDICTED_LATE_CURSOR);
  if (cursor !== undefined && cursor >= now.toISOString()) return 0;
  if (!(await deps.store.moveCursor(PREDICTED_LATE_CURSOR, cursor, now.toISOString()))) return 0;
  let raised = 0;
  for (const p of late) {
    const text = predictedLateText(p.job.name, p.date, {
      expectedBy: p.job.expectedBy as string,
      timezone: p.job.timezone,
      finishAt: p.finishAt,
      path: p.path,
      samples: p.samples,
    });
    if (await raiseAlert(deps, { kind: AlertKind.PREDICTED_LATE, job: p.job.name, date: p.date, attempt: p.attempt, ...text })) raised++;
    estimates.alerted.add(runKey(p));
  }
  return raised;
}
