import type { Dag, Job } from './config/dag';
import type { Run } from './runs/run';
import { IN_FLIGHT_STATES, isFailure, RunState } from './runs/states';

/**
 * When will a run finish, if every job still to run takes its p95 duration?
 * (docs/scheduling.md#predicted-late-alerts-predicted_late). Pure: the sweeper reads the runs and
 * the durations, this decides.
 *
 * An estimate is `max(now + a, b)`: a part that moves with the clock (a job
 * not started yet starts no earlier than now; a job running longer than its
 * p95 may end any moment) and a fixed part (a finish already known, a start
 * gate). Sums and maxima of such terms keep that form, so one estimate tells
 * both the finish predicted now and the instant the prediction will cross a
 * deadline if nothing happens meanwhile:
 *
 * ```
 *   finish(now) = max(now + a, b)
 *   late now            when b > deadline or now + a > deadline
 *   late from           deadline − a (if b ≤ deadline): what rsched simulate sweeps at
 * ```
 */
export interface Estimate {
  /** Milliseconds after `now` (−Infinity: does not move with the clock). */
  readonly a: number;
  /** A fixed instant in epoch ms (−Infinity: none). */
  readonly b: number;
}

const NONE = Number.NEGATIVE_INFINITY;
const NOW: Estimate = { a: 0, b: NONE };
const fixed = (ms: number): Estimate => ({ a: NONE, b: ms });
const latest = (xs: readonly Estimate[]): Estimate => ({
  a: Math.max(NONE, ...xs.map((x) => x.a)),
  b: Math.max(NONE, ...xs.map((x) => x.b)),
});
const plus = (x: Estimate, ms: number): Estimate => ({ a: x.a + ms, b: x.b + ms });

/** The estimate's instant for a given `now`. */
export function estimateAt(x: Estimate, now: number): number {
  return Math.max(now + x.a, x.b);
}

export interface PredictionInput {
  readonly dag: Dag;
  /** The job whose finish is predicted (one with `expectedBy`). */
  readonly job: string;
  /** Runs of the date for the job and its upstream closure (missing: PENDING). */
  readonly runs: ReadonlyMap<string, Run>;
  /** p95 duration in minutes; undefined when there are too few samples (then nothing is predicted). */
  readonly p95Minutes: (job: string) => number | undefined;
  /** A start no earlier than this besides its upstreams (epoch ms): notBefore, a root's schedule. */
  readonly earliestStart: (job: Job) => number | undefined;
  /** Picks the path shown in the alert: the upstream that finishes last at this instant. */
  readonly now: number;
}

export interface Prediction {
  readonly finish: Estimate;
  /** The jobs still to finish that decide the estimate, upstream first, ending with the job. */
  readonly path: readonly string[];
}

const MINUTE = 60_000;

/**
 * The predicted finish of `input.job`, or undefined when it cannot be told:
 * a run on the path ended in failure (its own alerts say so), or a job still
 * to run has too few successful runs to know its p95.
 */
export function predictFinish(input: PredictionInput): Prediction | undefined {
  const memo = new Map<string, Prediction | undefined>();
  const visit = (name: string): Prediction | undefined => {
    if (memo.has(name)) return memo.get(name);
    memo.set(name, undefined); // the DAG has no cycles; this only guards against a broken one
    const result = finishOf(name);
    memo.set(name, result);
    return result;
  };
  const finishOf = (name: string): Prediction | undefined => {
    const job = input.dag.jobs.get(name);
    if (!job) return undefined;
    const run = input.runs.get(name);
    const state = run?.state ?? RunState.PENDING;
    if (state === RunState.SUCCEEDED) return { finish: fixed(Date.parse(run?.finishedAt ?? run?.attemptStartedAt ?? '')), path: [] };
    if (isFailure(state)) return undefined;
    const external = job.target.type === 'external';
    const p95 = external ? 0 : input.p95Minutes(name);
    if (p95 === undefined) return undefined;
    if (IN_FLIGHT_STATES.includes(state) || state === RunState.SHADOW_SUBMITTED) {
      const since = Date.parse(run?.submittedAt ?? run?.claimedAt ?? run?.attemptStartedAt ?? '');
      return { finish: latest([NOW, fixed(since + p95 * MINUTE)]), path: [name] };
    }
    // Not started: after its upstreams (unless an operator started it), its gate, its retry time, and now.
    const done = new Set(run?.doneUpstreams ?? []);
    const upstreams = run?.manual ? [] : job.dependsOn.filter((u) => !done.has(u));
    const starts: Estimate[] = [NOW];
    let critical: Prediction | undefined;
    for (const u of upstreams) {
      const up = visit(u);
      if (!up) return undefined;
      starts.push(up.finish);
      if (!critical || estimateAt(up.finish, input.now) > estimateAt(critical.finish, input.now)) critical = up;
    }
    const gate = input.earliestStart(job);
    if (gate !== undefined) starts.push(fixed(gate));
    if (run?.retryAt) starts.push(fixed(Date.parse(run.retryAt)));
    return { finish: plus(latest(starts), p95 * MINUTE), path: [...(critical?.path ?? []), name] };
  };
  return visit(input.job);
}

/** Whether the prediction misses `deadline` at `now`, and, if not yet, from when it will (if nothing changes). */
export function judgePrediction(p: Prediction, deadline: number, now: number): { late: boolean; finishAt: number; lateFrom?: number } {
  const finishAt = estimateAt(p.finish, now);
  if (finishAt > deadline) return { late: true, finishAt };
  // finish(t) = max(t + a, b) exceeds the deadline once t > deadline − a (b ≤ deadline here).
  return { late: false, finishAt, ...(Number.isFinite(p.finish.a) ? { lateFrom: deadline - p.finish.a + 1 } : {}) };
}
