import { runsOn, whyNotOn } from '../../domain/calendar';
import { type Job, jobOf } from '../../domain/config/dag';
import { downstreamRunClosure, periodProblem } from '../../domain/period-mapping';
import { type RunDate, runDateIn } from '../../domain/run-date';
import { hourIn, isHourPeriod } from '../../domain/run-hour';
import type { Actor, AttemptCause, Run } from '../../domain/runs/run';
import { IN_FLIGHT_STATES, RunState } from '../../domain/runs/states';
import type { EngineDeps } from '../deps';
import { type DispatchOutcome, dispatch } from '../dispatch';
import { startAttempt } from './attempts';
import { OperationRefusedError } from './errors';

export interface ReplayRequest {
  readonly job: string;
  readonly date: RunDate;
  /** Also re-run every transitive downstream run once its upstreams succeed again. */
  readonly downstream: boolean;
  /** Start over runs that are in flight. */
  readonly force?: boolean;
  /**
   * Run dates the jobs' calendars exclude (docs/calendars.md): without it the
   * replayed job's excluded date is refused and excluded downstream runs are
   * left SKIPPED. Default: `force` (`rsched replay --force`, `run --force`);
   * a backfill sets it from `--include-excluded`.
   */
  readonly includeExcluded?: boolean;
  readonly by: Actor;
  /** For the history entry; default "replay". */
  readonly label?: string;
  /** What started it, recorded on every attempt it starts; default `replay`. */
  readonly cause?: Extract<AttemptCause, 'replay' | 'manual' | 'backfill'>;
}

/** One run of a replay plan, in the order it is (re)started. */
export interface PlannedRun {
  readonly job: string;
  readonly date: RunDate;
  readonly currentState: string;
  readonly currentAttempt: number;
  /** `now`: submitted at once; `after-upstreams`: waits for the replayed upstreams listed. */
  readonly start: 'now' | 'after-upstreams';
  readonly waitsFor: readonly string[];
}

export interface ReplayPlan {
  readonly runs: readonly PlannedRun[];
  /** Downstream runs left out because their calendar excludes the date (they stay SKIPPED). */
  readonly excluded?: readonly { readonly job: string; readonly why: string }[];
  /** Why the plan cannot be carried out (future date, runs in flight without --force). */
  readonly refusals: readonly string[];
}

/** A run period that has not begun: a day after today in the job's zone, or a UTC hour after the current one. */
export function futureProblem(job: Job, date: RunDate, now: Date): string | undefined {
  if (isHourPeriod(date)) {
    const current = hourIn(now);
    return date > current ? `${date} is in the future (the current hour is ${current} UTC)` : undefined;
  }
  const today = runDateIn(now, job.timezone);
  return date > today ? `${date} is in the future (today is ${today} in ${job.timezone})` : undefined;
}

export function requireJob(deps: EngineDeps, name: string): Job {
  const job = deps.dag.jobs.get(name);
  if (!job) throw new OperationRefusedError(`unknown job "${name}"; \`rsched graph\` lists the jobs`);
  return job;
}

/** What a replay would do, without changing anything (`--dry-run`, and the confirmation prompt). */
export async function planReplay(deps: EngineDeps, request: ReplayRequest): Promise<ReplayPlan> {
  const root = requireJob(deps, request.job);
  const refusals: string[] = [];
  const period = periodProblem(root, request.date);
  if (period) refusals.push(`${period}; pass --date ${root.granularity === 'hourly' ? 'YYYY-MM-DDTHH' : 'YYYY-MM-DD'}`);
  const includeExcluded = request.includeExcluded ?? request.force === true;
  if (!period && !includeExcluded && !runsOn(root, request.date)) {
    refusals.push(`${root.name} does not run on ${request.date}: ${whyNotOn(root.calendar, request.date)}; pass --force to run it anyway`);
  }
  const future = futureProblem(root, request.date, deps.clock.now());
  if (future) refusals.push(future);
  if (root.target.type === 'external')
    refusals.push(`${root.name} is external: it is never submitted; write its marker with \`rsched mark\``);
  // The downstream runs follow the dependency mappings (docs/hourly.md): the same period for jobs of
  // the root's granularity, the day for a daily job below an hour, the 24 hours for an hourly job below a day.
  const reached = request.downstream && !period ? downstreamRunClosure(deps.dag, root.name, request.date) : [];
  // Downstream runs on dates their calendar excludes stay SKIPPED (docs/calendars.md).
  const excluded = includeExcluded
    ? []
    : reached.flatMap((p) => {
        const why = whyNotOn(jobOf(deps.dag, p.job).calendar, p.date);
        return why ? [{ job: p.job, why }] : [];
      });
  const closure = reached.filter((p) => !excluded.some((e) => e.job === p.job));
  const planned = [{ job: root.name, date: request.date, waitsFor: [] as readonly string[] }, ...closure];
  const currents = await deps.store.getMany(planned.map((p) => ({ job: p.job, date: p.date })));
  const runs: PlannedRun[] = [];
  for (const [i, p] of planned.entries()) {
    const current = currents.find((r) => r.job === p.job && r.date === p.date);
    if (current && IN_FLIGHT_STATES.includes(current.state) && !request.force) {
      refusals.push(`${p.job} ${p.date} is ${current.state}; wait for it or pass --force`);
    }
    runs.push({
      job: p.job,
      date: p.date,
      currentState: current?.state ?? RunState.PENDING,
      currentAttempt: current?.attempt ?? 0,
      start: i === 0 ? 'now' : 'after-upstreams',
      waitsFor: p.waitsFor,
    });
  }
  return { runs, refusals, ...(excluded.length > 0 ? { excluded } : {}) };
}

export interface ReplayResult {
  readonly plan: ReplayPlan;
  readonly started: readonly Run[];
  readonly dispatch: DispatchOutcome;
}

/**
 * A new attempt of a run, now; with `downstream`, every transitive downstream
 * run gets a new attempt that waits for its replayed upstreams (its other
 * upstreams stay done). Old attempts stay in history.
 */
export async function replay(deps: EngineDeps, request: ReplayRequest): Promise<ReplayResult> {
  const plan = await planReplay(deps, request);
  if (plan.refusals.length > 0) throw new OperationRefusedError(plan.refusals.join('; '));
  const started: Run[] = [];
  // Downstream first, so the replayed root's success finds them waiting.
  for (const planned of plan.runs.slice(1).reverse()) {
    const job = jobOf(deps.dag, planned.job);
    started.push(
      await startAttempt(deps, job, planned.date, {
        by: request.by,
        why: `${request.label ?? 'replay'} of ${request.job} --downstream: waits for ${planned.waitsFor.join(', ')}`,
        manual: false,
        waitFor: planned.waitsFor,
        force: request.force,
        cause: request.cause ?? 'replay',
      }),
    );
  }
  const root = jobOf(deps.dag, request.job);
  const rootRun = await startAttempt(deps, root, request.date, {
    by: request.by,
    why: request.label ?? 'replay',
    manual: true,
    force: request.force,
    cause: request.cause ?? 'replay',
  });
  started.unshift(rootRun);
  const outcome = await dispatch(deps, rootRun, request.by);
  // A downstream run whose replayed upstreams were all done already (none, in a plan) is dispatched by them.
  return { plan, started, dispatch: outcome === 'lost-race' ? await claimedElsewhere(deps, rootRun) : outcome };
}

/**
 * The new attempt was claimed by another handler first (the sweeper or an event
 * can see a WAITING run as soon as it exists): the operator's attempt is not
 * lost, it was submitted by whoever won. 'lost-race' only while that is not
 * known yet.
 */
async function claimedElsewhere(deps: EngineDeps, run: Run): Promise<DispatchOutcome> {
  const current = await deps.store.get(run);
  const submitted: readonly string[] = [RunState.SUBMITTED, RunState.SUCCEEDED];
  return current?.attempt === run.attempt && submitted.includes(current.state) ? 'submitted' : 'lost-race';
}

/** `rsched run`: submit one run now, regardless of its upstreams (recorded as manual). */
export async function runNow(deps: EngineDeps, request: Omit<ReplayRequest, 'downstream'>): Promise<ReplayResult> {
  return replay(deps, { label: 'manual run', cause: 'manual', ...request, downstream: false });
}
