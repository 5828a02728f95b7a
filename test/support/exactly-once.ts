import fc from 'fast-check';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Dag } from '../../lambdas/domain/config/dag';
import type { MarkerStatus } from '../../lambdas/domain/markers';
import { addDays, type RunDate } from '../../lambdas/domain/run-date';
import { RunState } from '../../lambdas/domain/runs/states';
import type { MarkerEvent } from '../../lambdas/engine/markers';
import { sweep } from '../../lambdas/engine/sweep';
import { type DynamoEmulator, type DynamoEmulatorKind, startDynamoEmulator } from '../../lambdas/local/dynamodb-emulator';
import { seededRandom, shuffleInPlace } from '../../lambdas/local/random';
import { MINUTE_MS } from '../../lambdas/ports/clock';
import { dagFrom, EXTERNAL } from './dags';
import { createHarness, type Harness, triggerEvent } from './harness';
import { historyProblems } from './runs';

/**
 * The exactly-once property of SPEC §4 (guarantees 1, 3-6) as a reusable
 * experiment: a random DAG, a random completion schedule, every event
 * delivered 1-4 times, shuffled, from concurrent handler invocations, against
 * whatever DynamoDB the harness runs on.
 */

export interface JobPlan {
  readonly name: string;
  readonly dependsOn: readonly string[];
  /** Roots only: the marker comes from another system, the job is never submitted. */
  readonly external: boolean;
  readonly retries: number;
  readonly retryDelayMinutes: number;
  /**
   * How many attempts write `.failed` before one writes `.done`. More than
   * `retries` (or any, for an external job) means the run ends FAILED.
   */
  readonly failures: number;
}

export interface DayPlan {
  /** In topological order: every job depends only on jobs before it. */
  readonly jobs: readonly JobPlan[];
  /** Drives everything random about delivery: which jobs finish when, copies, delays, order, batches. */
  readonly seed: number;
}

export interface DayPlanOptions {
  /** Let jobs write `.failed` markers (with and without retries left). */
  readonly failures: boolean;
  readonly minJobs?: number;
  readonly maxJobs?: number;
}

const jobName = (i: number) => `job${i}`;

function jobPlan(i: number, opts: DayPlanOptions): fc.Arbitrary<JobPlan> {
  const earlier = Array.from({ length: i }, (_, k) => jobName(k));
  return fc
    .record({
      dependsOn: fc.subarray(earlier, { maxLength: Math.min(i, 4) }),
      externalIfRoot: fc.boolean(),
      retries: fc.integer({ min: 0, max: 2 }),
      retryDelayMinutes: fc.constantFrom(0, 2),
      failures: opts.failures
        ? fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) })
        : fc.constant(0),
    })
    .map(({ dependsOn, externalIfRoot, retries, retryDelayMinutes, failures }) => ({
      name: jobName(i),
      dependsOn,
      external: dependsOn.length === 0 && externalIfRoot,
      retries,
      retryDelayMinutes,
      failures: Math.min(failures, retries + 1),
    }));
}

/** Random DAGs of 3-15 jobs, edges only to earlier jobs, some external roots, some retries. */
export function dayPlans(opts: DayPlanOptions): fc.Arbitrary<DayPlan> {
  return fc
    .integer({ min: opts.minJobs ?? 3, max: opts.maxJobs ?? 15 })
    .chain((n) => fc.record({ jobs: fc.tuple(...Array.from({ length: n }, (_, i) => jobPlan(i, opts))), seed: fc.integer() }));
}

/** The DAG of a plan, through the real config loader. Waits never time out: timeouts are not under test here. */
export function dagOf(plan: DayPlan): Dag {
  const edges = Object.fromEntries(plan.jobs.map((j) => [j.name, [...j.dependsOn]]));
  const overrides = Object.fromEntries(
    plan.jobs.map((j) => [
      j.name,
      {
        retries: j.retries,
        retryDelayMinutes: j.retryDelayMinutes,
        ...(j.external ? EXTERNAL : {}),
      },
    ]),
  );
  return dagFrom(edges, overrides, { defaults: { timeoutMinutes: 7 * 24 * 60 } });
}

export interface ExpectedRun {
  readonly state: RunState;
  /** Attempts submitted to the control plane (0 for external jobs and runs that never started). */
  readonly submissions: number;
}

/** What every run must end as: the plan's outcomes with failures passed down the chain. */
export function expectedOutcome(plan: DayPlan): Map<string, ExpectedRun> {
  const out = new Map<string, ExpectedRun>();
  for (const job of plan.jobs) {
    if (!job.dependsOn.every((u) => out.get(u)?.state === RunState.SUCCEEDED)) {
      out.set(job.name, { state: RunState.UPSTREAM_FAILED, submissions: 0 });
    } else if (job.external) {
      out.set(job.name, { state: job.failures > 0 ? RunState.FAILED : RunState.SUCCEEDED, submissions: 0 });
    } else {
      const fails = job.failures > job.retries;
      out.set(job.name, { state: fails ? RunState.FAILED : RunState.SUCCEEDED, submissions: fails ? job.retries + 1 : job.failures + 1 });
    }
  }
  return out;
}

/** Every job downstream of `roots`, transitively (not the roots themselves). */
export function downstreamClosure(dag: Dag, roots: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const queue = [...roots].flatMap((r) => dag.jobs.get(r)?.dependents ?? []);
  while (queue.length > 0) {
    const name = queue.shift() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...(dag.jobs.get(name)?.dependents ?? []));
  }
  return seen;
}

/**
 * Makes the harness's submitter check every submission as it happens, with
 * consistent reads: the run must be claimed (SUBMITTING) for the attempt being
 * submitted, and every upstream of the job SUCCEEDED. Returns the list of
 * violations it fills.
 */
export function watchSubmissions(h: Harness, dag: Dag): string[] {
  const problems: string[] = [];
  h.submitter.onSubmit = async (request) => {
    const job = dag.jobs.get(request.job);
    const [self, ...upstreams] = await Promise.all([request.job, ...(job?.dependsOn ?? [])].map((name) => h.run(name, request.date)));
    const what = `${request.job} ${request.date} attempt ${request.attempt}`;
    if (self?.state !== RunState.SUBMITTING || self.attempt !== request.attempt) {
      problems.push(`${what} submitted while the run was ${self?.state} attempt ${self?.attempt}`);
    }
    upstreams.forEach((u, i) => {
      if (u?.state !== RunState.SUCCEEDED)
        problems.push(`${what} submitted while upstream ${job?.dependsOn[i]} was ${u?.state ?? RunState.PENDING}`);
    });
  };
  return problems;
}

type Delivery = { readonly round: number } & ({ readonly trigger: string } | { readonly marker: MarkerEvent });

export interface DayOptions {
  /** Run 1-2 sweeps concurrently with every round's deliveries (needed for retries with a delay). */
  readonly sweeps: boolean;
}

/** Rounds with nothing to deliver before the day counts as over: longer than any retry delay in a plan. */
const QUIET_ROUNDS = 4;
const MAX_ROUNDS = 200;

/**
 * Plays one run date. Each round: some jobs that can finish do (external jobs
 * at any time; submitted jobs once per submitted attempt, `.failed` while the
 * plan says so), each marker and each root trigger is scheduled 1-4 times over
 * this and the next two rounds, and the round's deliveries go out shuffled, in
 * random batches, all invocations at once. The clock moves a minute per round.
 *
 * Returns the problems the submit hook saw: submissions of a run that was not
 * claimed for that attempt, or whose upstreams were not all SUCCEEDED.
 */
export async function playDay(h: Harness, plan: DayPlan, date: RunDate, opts: DayOptions): Promise<string[]> {
  const random = seededRandom(plan.seed);
  const int = (n: number) => Math.floor(random() * n);
  const dag = dagOf(plan);
  const { deps, handler } = h.variant({ dag });
  const problems = watchSubmissions(h, dag);

  let pending: Delivery[] = [];
  const schedule = (round: number, what: { trigger: string } | { marker: MarkerEvent }) => {
    for (let copies = 1 + int(4); copies > 0; copies--) pending.push({ round: round + int(3), ...what });
  };
  for (const job of plan.jobs) if (job.dependsOn.length === 0 && !job.external) schedule(0, { trigger: job.name });

  const written = new Map<string, number>(); // markers written per job, one per attempt
  const completable = (): { job: JobPlan; status: MarkerStatus }[] =>
    plan.jobs.flatMap((job) => {
      const done = written.get(job.name) ?? 0;
      const attempts = job.external ? 1 : h.submitter.submitted.filter((s) => s.request.job === job.name && s.request.date === date).length;
      if (done >= attempts) return [];
      const failed = job.external ? job.failures > 0 : done + 1 <= job.failures;
      return [{ job, status: failed ? 'failed' : 'done' }];
    });

  let quiet = 0;
  for (let round = 0; round < MAX_ROUNDS && quiet < QUIET_ROUNDS; round++) {
    for (const { job, status } of completable()) {
      if (random() < 0.5) continue;
      written.set(job.name, (written.get(job.name) ?? 0) + 1);
      schedule(round, { marker: h.marker(job.name, date, status) });
    }
    const due = shuffleInPlace(
      pending.filter((d) => d.round <= round),
      random,
    );
    pending = pending.filter((d) => d.round > round);
    const invocations: Promise<unknown>[] = [];
    let batch: MarkerEvent[] = [];
    let batchSize = 1 + int(4);
    const flush = () => {
      if (batch.length > 0) invocations.push(handler(h.snsEvent(...batch)));
      batch = [];
      batchSize = 1 + int(4);
    };
    for (const d of due) {
      if ('trigger' in d) invocations.push(handler(triggerEvent(d.trigger, date)));
      else {
        batch.push(d.marker);
        if (batch.length >= batchSize) flush();
      }
    }
    flush();
    if (opts.sweeps) for (let n = 1 + int(2); n > 0; n--) invocations.push(sweep(deps));
    await Promise.all(invocations);
    h.clock.advance(MINUTE_MS);
    quiet = due.length === 0 && pending.length === 0 && completable().length === 0 ? quiet + 1 : 0;
  }
  h.submitter.onSubmit = () => {};
  return problems.filter((p) => p.includes(date));
}

/**
 * Checks a played day against the plan: every run in its expected end state
 * with a clean history and nothing left for the sweeper, each attempt
 * submitted exactly once, FAILED/UPSTREAM_FAILED exactly the failed jobs and
 * their downstream closure, one FAILED alert per FAILED run and no other.
 * Returns every problem found (empty when the day is right).
 */
export async function dayProblems(h: Harness, plan: DayPlan, date: RunDate, opts: { exactHistory: boolean }): Promise<string[]> {
  const dag = dagOf(plan);
  const expected = expectedOutcome(plan);
  const problems: string[] = [];
  const failed = new Set<string>();
  const upstreamFailed = new Set<string>();
  for (const job of plan.jobs) {
    const want = expected.get(job.name) as ExpectedRun;
    const run = await h.run(job.name, date);
    if (run?.state !== want.state) problems.push(`${job.name}: ${run?.state ?? 'no run'}, expected ${want.state}`);
    if (run?.state === RunState.FAILED) failed.add(job.name);
    if (run?.state === RunState.UPSTREAM_FAILED) upstreamFailed.add(job.name);
    if (run?.dueAt !== undefined) problems.push(`${job.name}: still due at ${run.dueAt}`);
    for (const p of historyProblems(run)) problems.push(`${job.name} history: ${p}`);
    const calls = h.submitter.submitted.filter((s) => s.request.job === job.name && s.request.date === date);
    const attempts = calls.map((s) => s.request.attempt);
    const once = Array.from({ length: want.submissions }, (_, i) => i + 1);
    if (attempts.join() !== once.join()) problems.push(`${job.name}: submitted attempts [${attempts}], expected [${once}]`);
    if (opts.exactHistory && run) {
      const shape = run.history.map((e) => e.to).join(' ');
      const ups = job.dependsOn.length === 0 ? (job.external ? 0 : 1) : job.dependsOn.length;
      const wanted = [
        ...Array(ups).fill(RunState.WAITING),
        ...(job.external ? [] : [RunState.SUBMITTING, RunState.SUBMITTED]),
        RunState.SUCCEEDED,
      ].join(' ');
      if (shape !== wanted) problems.push(`${job.name} history: ${shape}, expected ${wanted}`);
    }
  }
  const closure = downstreamClosure(dag, failed);
  if ([...closure].sort().join() !== [...upstreamFailed].sort().join()) {
    problems.push(`UPSTREAM_FAILED [${[...upstreamFailed].sort()}] is not the downstream closure of FAILED [${[...closure].sort()}]`);
  }
  const alerts = (await h.store.listAlerts(date)).map((a) => `${a.kind}:${a.job}`).sort();
  const sent = h.alerts.sent.filter((a) => a.date === date).map((a) => `${a.kind}:${a.job}`);
  const wantAlerts = [...failed].map((j) => `FAILED:${j}`).sort();
  if (alerts.join() !== wantAlerts.join()) problems.push(`alerts recorded [${alerts}], expected [${wantAlerts}]`);
  if (sent.sort().join() !== wantAlerts.join()) problems.push(`alerts sent [${sent}], expected [${wantAlerts}]`);
  return problems;
}

/** One emulator and one set of tables for a whole property file; each iteration takes the next run date. */
export interface DayBench {
  harness(): Harness;
  nextDate(): RunDate;
}

/**
 * Registers hooks that start a `kind` emulator with one harness before the
 * file's tests and stop it after. The harness DAG is a placeholder: each
 * iteration plays its own DAG through Harness.variant.
 */
export function useDayBench(kind: DynamoEmulatorKind): DayBench {
  let emulator: DynamoEmulator | undefined;
  let harness: Harness | undefined;
  let date = '2030-01-01' as RunDate;
  beforeAll(async () => {
    emulator = await startDynamoEmulator(kind);
    harness = await createHarness(emulator, dagFrom({ unused: [] }));
  });
  afterAll(async () => {
    await emulator?.stop();
  });
  return {
    harness: () => harness as Harness,
    nextDate: () => {
      date = addDays(date, 1);
      return date;
    },
  };
}

/**
 * The exactly-once property as fast-check runs it: each generated plan is played
 * on a new run date of the bench and checked. With `failures`, jobs write
 * `.failed` markers and sweeps run alongside; without, every run must also have
 * the exact history of a clean day.
 */
export function exactlyOnceProperty(bench: DayBench, opts: { readonly failures: boolean }) {
  return fc.asyncProperty(dayPlans({ failures: opts.failures }), async (plan) => {
    const date = bench.nextDate();
    const h = bench.harness();
    const seen = await playDay(h, plan, date, { sweeps: opts.failures });
    expect([...seen, ...(await dayProblems(h, plan, date, { exactHistory: !opts.failures }))]).toEqual([]);
  });
}
