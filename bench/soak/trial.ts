import type { RequestListener } from 'node:http';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfiguredRetryStrategy } from '@smithy/util-retry';
import { documentClient } from '../../lambdas/adapters/aws/clients';
import { DynamoRunStore } from '../../lambdas/adapters/aws/dynamodb-run-store';
import type { Dag } from '../../lambdas/domain/config/dag';
import type { OnLateUpstream } from '../../lambdas/domain/config/schema';
import { loadDag } from '../../lambdas/domain/config/validate';
import { formatMarkerKey, type MarkerStatus } from '../../lambdas/domain/markers';
import type { RunDate } from '../../lambdas/domain/run-date';
import { hoursOf } from '../../lambdas/domain/run-hour';
import { listDay } from '../../lambdas/engine/day-runs';
import { DEFAULT_TUNING, type EngineDeps } from '../../lambdas/engine/deps';
import type { MarkerEvent } from '../../lambdas/engine/markers';
import { OperationRefusedError } from '../../lambdas/engine/operations/errors';
import { mark } from '../../lambdas/engine/operations/mark';
import { replay } from '../../lambdas/engine/operations/replay';
import { sweep } from '../../lambdas/engine/sweep';
import { makeSchedulerHandler } from '../../lambdas/handlers/scheduler';
import { createTables, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lambdas/local/dynamodb-emulator';
import { InProcessRequestHandler } from '../../lambdas/local/in-process-transport';
import { seededRandom, shuffleInPlace } from '../../lambdas/local/random';
import type { AlertSink } from '../../lambdas/ports/alert-sink';
import { ManualClock, MINUTE_MS } from '../../lambdas/ports/clock';
import type { ClusterDirectory } from '../../lambdas/ports/cluster-directory';
import { silentLog } from '../../lambdas/ports/log';
import type { MarkerBucket } from '../../lambdas/ports/marker-bucket';
import type { MarkerReader } from '../../lambdas/ports/marker-reader';
import { type SubmissionRef, SubmitError, type SubmitRequest, type SubmitResult, type Submitter } from '../../lambdas/ports/submitter';
import { HTTP_FAULTS, injectHttpFaults } from '../../test/support/http-faults';
import { judge, runAttemptId, type Verdicts } from './judge';
import type { LateDataInput } from './late-data-check';
import { planSdkJobs, type SdkJob, sdkTargetConfig } from './sdk-jobs';
import { SimulatedServicePlane } from './service-plane';

/**
 * One soak trial (issue 11/12 "soak"): a random DAG of up to 200 jobs runs a
 * day against dynalite over the real SDK (in process, no sockets), with every
 * S3 event delivered 1-5 times, shuffled, up to 8 handler invocations at once,
 * sweeps, operator replays and marks, jobs that fail or hang, and faults at the HTTP layer
 * of DynamoDB (throttle, 5xx, applied-then-5xx, applied-answer-lost) and of the
 * control plane (applied then failed). At the end the system is driven to
 * quiescence and checked:
 *
 * - double submission: one (job, attempt) applied twice by the control plane;
 * - lost completion: a job's marker for its run's current attempt was delivered,
 *   yet the run did not end the way the marker says;
 * - stuck run: a run that has not ended while nothing is due any more;
 * - needless uncertain park: a run of a target whose lookup is conclusive
 *   (EMR Serverless, Glue, Step Functions) parked SUBMIT_UNCERTAIN.
 *
 * A share of the submitted jobs (issue 15) targets EMR Serverless, Glue, Step
 * Functions, Lambda and Data Pipeline through the real submitters and SDK
 * clients, against simulated services with HTTP-layer faults
 * (bench/soak/service-plane.ts); the others go to the Submitter-level fake
 * below, as before. That share is drawn from a random stream of its own: with
 * `sdkShare: 0` a seed plays exactly the trial it played before.
 *
 * In a share of the trials (issue 18, late data; again a random stream of its
 * own, drawn after the day is quiet so the day itself plays as before) every
 * job gets an `onLateUpstream` and the DAG a `maxConcurrentReruns` of 1-3;
 * once the day is quiet, one SUCCEEDED upstream writes a newer `.done` an hour
 * later, and in half of them a retried write of it 30 s after — each delivered
 * 1-5 times, shuffled. The judge checks LATE_DATA once per new marker and
 * reruns exactly once (bench/soak/late-data-check.ts).
 */

export type { TargetTally } from './judge';

export interface TrialResult extends Verdicts {
  readonly seed: number;
  readonly jobs: number;
  /** The trial had the hourly part (HOURLY_JOBS): 24 hourly markers and the daily jobs over them. */
  readonly hourly: boolean;
  /** With the hourly part: how it ended (hours of hc that SUCCEEDED, the daily runs' states, the hours that failed). */
  readonly hourlyOutcome?: { readonly hcSucceeded: number; readonly hd: string; readonly hl: string; readonly failedHours: string[] };
  readonly problems: readonly string[];
}

export interface TrialOptions {
  /**
   * Share of the submitted jobs sent through the real submitters (SDK_TARGETS).
   * 0 plays each seed exactly as the soak did before (bench/results/soak.md up
   * to 2026-12-02). @default drawn per trial, 25-75 %
   */
  readonly sdkShare?: number;
  /** At most this many jobs a trial (shorter trials for the test suite). @default 200 */
  readonly maxJobs?: number;
  /** Share of the real submitters' submit calls that start a burst of HTTP faults. @default SUBMIT_FAULT_RATE (12 %) */
  readonly submitFaultRate?: number;
  /**
   * Share of the jobs given the calendar "weekdays" (MON-FRI), each with its
   * whole downstream chain (so the config stays valid: docs/calendars.md). The
   * trial's day is a Sunday: their runs must all end SKIPPED, none submitted.
   * Drawn from its own random stream, so the other draws stay as they were.
   * @default 0 when `sdkShare` is 0 (the trials as they were before), else drawn per trial, 0-30 %
   */
  readonly calendarShare?: number;
  /** Wraps the real submitters (a test breaks one on purpose to show that the checks catch it). */
  readonly wrapSubmitter?: (submitter: Submitter) => Submitter;
  /** Whether the day ends with a late re-delivery. @default drawn per trial, 40 % */
  readonly lateData?: boolean;
}

/** The late-data share of a trial: each job's onLateUpstream, and the cap on reruns at once. */
interface LatePlan {
  readonly settings: ReadonlyMap<string, OnLateUpstream>;
  readonly maxConcurrentReruns: number;
}

function planLate(plans: readonly JobPlan[], random: () => number): LatePlan {
  const setting = (): OnLateUpstream => {
    const r = random();
    return r < 0.45 ? 'rerun' : r < 0.85 ? 'alert' : 'ignore';
  };
  return { settings: new Map(plans.map((p) => [p.name, setting()])), maxConcurrentReruns: 1 + Math.floor(random() * 3) };
}

/** A Sunday: jobs on the "weekdays" calendar are SKIPPED. */
const DATE = '2026-11-22' as RunDate;
const START = '2026-11-22T00:00:00.000Z';

interface JobPlan {
  readonly name: string;
  readonly dependsOn: string[];
  readonly external: boolean;
  readonly retries: number;
  /** Attempts that write `.failed` before one writes `.done`. */
  readonly failures: number;
  /** Never writes a marker (its run ends at maxRuntimeMinutes, or times out). */
  readonly hangs: boolean;
}

function jobCount(random: () => number): number {
  const r = random();
  if (r < 0.6) return 2 + Math.floor(random() * 9);
  if (r < 0.93) return 11 + Math.floor(random() * 30);
  return 41 + Math.floor(random() * 160);
}

function planJobs(random: () => number, maxJobs = Number.POSITIVE_INFINITY): JobPlan[] {
  const n = Math.min(jobCount(random), maxJobs);
  const jobs: JobPlan[] = [];
  for (let i = 0; i < n; i++) {
    const dependsOn: string[] = [];
    if (i > 0 && random() > 0.25) {
      const k = 1 + Math.floor(random() * Math.min(3, i));
      while (dependsOn.length < k) {
        const up = `j${Math.floor(random() * i)}`;
        if (!dependsOn.includes(up)) dependsOn.push(up);
      }
    }
    const external = dependsOn.length === 0 && random() < 0.3;
    jobs.push({
      name: `j${i}`,
      dependsOn,
      external,
      retries: random() < 0.3 ? 1 : 0,
      failures: random() < 0.08 ? 1 + Math.floor(random() * 2) : 0,
      hangs: random() < 0.03,
    });
  }
  return jobs;
}

/** Jobs drawn with probability `share`, and every job downstream of one of them: the jobs on the "weekdays" calendar. */
function calendarJobs(jobs: readonly JobPlan[], share: number, random: () => number): Set<string> {
  const chosen = new Set<string>();
  // Plans list every job after its upstreams: one pass reaches the whole downstream chain.
  for (const job of jobs) {
    if (random() < share || job.dependsOn.some((u) => chosen.has(u))) chosen.add(job.name);
  }
  return chosen;
}

/**
 * The hourly part of a trial (docs/hourly.md), drawn from a stream of its own
 * so that a seed without it plays exactly the trial it played before: an
 * hourly external root whose 24 hours arrive as markers (some failing), an
 * hourly job on each hour, a daily job waiting for all 24 hours of it and one
 * for the last hour only.
 */
interface HourlyPlan {
  readonly failedHours: ReadonlySet<string>;
}

const HOURLY_JOBS = [
  { name: 'hx', granularity: 'hourly', target: { type: 'external' }, timeoutMinutes: 240 },
  {
    name: 'hc',
    granularity: 'hourly',
    dependsOn: ['hx'],
    target: { type: 'datapipeline', pipeline: 'hc-pipeline', parameters: { h: '{{hour}}' } },
    timeoutMinutes: 240,
    maxRuntimeMinutes: 120,
    retries: 1,
    retryDelayMinutes: 2,
  },
  {
    name: 'hd',
    dependsOn: ['hc'],
    target: { type: 'datapipeline', pipeline: 'hd-pipeline', parameters: { d: '{{date}}' } },
    timeoutMinutes: 240,
    maxRuntimeMinutes: 120,
  },
  {
    name: 'hl',
    dependsOn: ['hx'],
    hourlyDependency: { hx: 'last' },
    target: { type: 'datapipeline', pipeline: 'hl-pipeline', parameters: { d: '{{date}}' } },
    timeoutMinutes: 240,
    maxRuntimeMinutes: 120,
  },
];

function planHourly(random: () => number): HourlyPlan | undefined {
  if (random() >= 0.3) return undefined;
  const failedHours = new Set<string>();
  if (random() < 0.3) failedHours.add(String(Math.floor(random() * 24)).padStart(2, '0'));
  return { failedHours };
}

function dagOf(
  jobs: readonly JobPlan[],
  sdk: ReadonlyMap<string, SdkJob>,
  onCalendar: ReadonlySet<string>,
  late?: LatePlan,
  hourly?: HourlyPlan,
): Dag {
  const targetOf = (j: JobPlan) => {
    const real = sdk.get(j.name);
    if (real) return sdkTargetConfig(j.name, real);
    return j.external ? { type: 'external' } : { type: 'datapipeline', pipeline: `${j.name}-pipeline`, parameters: { d: '{{date}}' } };
  };
  const config = {
    ...(late ? { defaults: { maxConcurrentReruns: late.maxConcurrentReruns } } : {}),
    jobs: jobs.map((j) => ({
      name: j.name,
      dependsOn: j.dependsOn,
      target: targetOf(j),
      timeoutMinutes: 240,
      ...(j.external ? {} : { maxRuntimeMinutes: 120 }),
      retries: j.retries,
      retryDelayMinutes: 2,
      ...(late ? { onLateUpstream: late.settings.get(j.name) } : {}),
      ...(onCalendar.has(j.name) ? { calendar: 'weekdays' } : {}),
    })),
    ...(onCalendar.size > 0 ? { calendars: { weekdays: { weekdays: ['MON', 'TUE', 'WED', 'THU', 'FRI'] } } } : {}),
  };
  if (hourly) config.jobs.push(...(HOURLY_JOBS as never[]));
  return loadDag([{ path: 'soak.json', text: JSON.stringify(config) }]);
}

/**
 * A control plane that may apply a call and then fail it (as AddJobFlowSteps
 * or ActivatePipeline can). Lookups are truthful, like EMR's ListSteps by step
 * name, except for "opaque" jobs, which answer like Data Pipeline with no
 * activation to show: 'unknown' unless the call was applied.
 */
class FlakyControlPlane implements Submitter {
  /** Applied submissions: `job#attempt` -> times applied. */
  readonly applied = new Map<string, number>();
  readonly fresh: SubmitRequest[] = [];
  constructor(
    private readonly random: () => number,
    private readonly opaque: ReadonlySet<string>,
  ) {}

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const r = this.random();
    if (r < 0.03) throw new SubmitError('ThrottlingException (soak)', true);
    if (r < 0.06) throw new SubmitError('InternalServerError before the call (soak)', true, { maybeApplied: true });
    this.apply(request);
    if (r < 0.1) throw new SubmitError('InternalServerError after the call took effect (soak)', true, { maybeApplied: true });
    return { submissionId: `s-${request.job}-${request.date}-${request.attempt}` };
  }

  private apply(request: SubmitRequest): void {
    const key = runAttemptId(request.job, request.date, request.attempt);
    this.applied.set(key, (this.applied.get(key) ?? 0) + 1);
    this.fresh.push(request);
  }

  async findSubmission(ref: SubmissionRef): Promise<SubmitResult | undefined | 'unknown'> {
    if (this.applied.has(runAttemptId(ref.job, ref.date, ref.attempt))) return { submissionId: `s-${ref.job}-${ref.date}-${ref.attempt}` };
    return this.opaque.has(ref.job) ? 'unknown' : undefined;
  }
}

class Bodies implements MarkerReader {
  readonly bodies = new Map<string, string>();
  async read(_bucket: string, key: string): Promise<string | undefined> {
    return this.bodies.get(key);
  }
}

const noClusters: ClusterDirectory = { liveClusterFor: async () => undefined };

type Delivery = { readonly kind: 'marker'; readonly event: MarkerEvent } | { readonly kind: 'trigger'; readonly job: string };

/** Sends the jobs of the SDK share to the real submitters, the others to the fake. */
function byJob(sdk: ReadonlyMap<string, SdkJob>, real: Submitter, fake: Submitter): Submitter {
  const route = (job: string) => (sdk.has(job) ? real : fake);
  return {
    submit: (request) => route(request.job).submit(request),
    findSubmission: (ref) => route(ref.job).findSubmission(ref),
  };
}

/** Runs one trial against the dynalite behind `listener`. */
export async function runTrial(seed: number, listener: RequestListener, options: TrialOptions = {}): Promise<TrialResult> {
  const random = seededRandom(seed);
  const plans = planJobs(random, options.maxJobs);
  const byName = new Map(plans.map((p) => [p.name, p]));
  // The SDK share's own stream: the main one draws exactly what it drew before these targets existed.
  const sdkRandom = seededRandom(seed + 0x9e3779b9);
  const sdkShare = options.sdkShare ?? 0.25 + sdkRandom() * 0.5;
  const sdk = sdkShare > 0 ? planSdkJobs(plans, sdkShare, sdkRandom) : new Map<string, SdkJob>();
  const lateRandom = seededRandom(seed + 0x6a09e667);
  const late = (options.lateData ?? lateRandom() < 0.4) ? planLate(plans, lateRandom) : undefined;
  const calendarRandom = seededRandom(seed + 0x85ebca6b);
  const calendarShare = options.calendarShare ?? (options.sdkShare === 0 ? 0 : calendarRandom() * 0.3);
  const onCalendar = calendarShare > 0 ? calendarJobs(plans, calendarShare, calendarRandom) : new Set<string>();
  const hourly = planHourly(seededRandom(seed + 0x5bd1e995));
  const dag = dagOf(plans, sdk, onCalendar, late, hourly);

  const client = new DynamoDBClient({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: new InProcessRequestHandler(listener) as never,
    // The SDK's own retries (3 tries), without the real-time backoff: the soak's clock is virtual.
    retryStrategy: new ConfiguredRetryStrategy(3, () => 0),
  });
  const tables = { runs: `soak-${seed}-runs`, clusters: `soak-${seed}-clusters` };
  await createTables(client, tables);
  const faults = injectHttpFaults(client, () => (random() < 0.015 ? HTTP_FAULTS[Math.floor(random() * HTTP_FAULTS.length)] : undefined));

  const clock = new ManualClock(START);
  const opaque = new Set(plans.filter(() => random() < 0.2).map((p) => p.name));
  const controlPlane = new FlakyControlPlane(random, opaque);
  const services =
    sdk.size > 0
      ? new SimulatedServicePlane({
          dag,
          clock,
          random: sdkRandom,
          hang: new Set(plans.filter((p) => p.hangs).map((p) => p.name)),
          durations: new Map([...sdk].map(([name, job]) => [name, job.durationMinutes])),
          submitFaultRate: options.submitFaultRate,
        })
      : undefined;
  const realSubmitter = services && (options.wrapSubmitter ?? ((s: Submitter) => s))(services.submitter);
  const bodies = new Bodies();
  const alerts: AlertSink = { publish: async () => {} };
  const deps: EngineDeps = {
    dag,
    store: new DynamoRunStore(documentClient(client), { tableName: tables.runs }),
    submitter: realSubmitter ? byJob(sdk, realSubmitter, controlPlane) : controlPlane,
    alerts,
    clusters: noClusters,
    markers: bodies,
    clock,
    log: silentLog,
    tuning: { ...DEFAULT_TUNING, submitBackoffBaseMs: 1_000, submitBackoffCapMs: 8_000 },
  };
  const handler = makeSchedulerHandler(deps);

  const sequencers = new Map<string, number>();
  /** Markers written for (job, attempt): what the run must end as. */
  const written = new Map<string, MarkerStatus>();
  const markerEvent = (job: string, status: MarkerStatus, attempt: number, body?: string, date: RunDate = DATE): MarkerEvent => {
    const key = formatMarkerKey(job, date, status, 'markers/');
    const seq = (sequencers.get(key) ?? 0) + 1;
    sequencers.set(key, seq);
    // Half the jobs echo their attempt in the body; the others rely on the event's time.
    bodies.bodies.set(key, body ?? (random() < 0.5 ? JSON.stringify({ attempt }) : ''));
    written.set(runAttemptId(job, date, attempt), status);
    return {
      bucket: 'soak',
      key,
      size: Buffer.byteLength(bodies.bodies.get(key) ?? ''),
      eventTime: clock.now().toISOString(),
      // S3's sequencers grow per key but vary in length: a longer one is the shorter's order plus digits on the right.
      sequencer: seq.toString(16).toUpperCase().padStart(16, '0') + 'A7F'.slice(0, Math.floor(random() * 4)),
    };
  };

  const pending: Delivery[] = [];
  for (const p of plans) {
    if (p.dependsOn.length > 0) continue;
    if (p.external) {
      // The other system keeps the same calendar: no marker on a date it excludes.
      if (!p.hangs && !onCalendar.has(p.name))
        pending.push({ kind: 'marker', event: markerEvent(p.name, p.failures > 0 ? 'failed' : 'done', 1) });
    } else pending.push({ kind: 'trigger', job: p.name });
  }
  for (const hour of hourly ? hoursOf(DATE) : []) {
    const failed = hourly?.failedHours.has(hour.slice(11)) === true;
    pending.push({ kind: 'marker', event: markerEvent('hx', failed ? 'failed' : 'done', 1, undefined, hour) });
  }
  /** Failed invocations after Lambda's retries: redriven from the dead-letter queue, as an operator would. */
  const deadLetters: Delivery[] = [];
  const problems: string[] = [];

  const invoke = async (d: Delivery): Promise<void> => {
    const event =
      d.kind === 'trigger'
        ? { source: 'rsched.trigger', job: d.job, scheduledTime: START }
        : { Records: [{ EventSource: 'aws:sns', Sns: { MessageId: `${seed}`, Message: JSON.stringify(s3Records(d.event)) } }] };
    for (let tries = 1; ; tries++) {
      try {
        await handler(event);
        return;
      } catch {
        if (tries >= 3) {
          deadLetters.push(d);
          return;
        }
      }
    }
  };

  const replayAt = random() < 0.25 ? 1 + Math.floor(random() * 6) : -1;
  const markAt = random() < 0.25 ? 2 + Math.floor(random() * 8) : -1;
  // `rsched mark` as an operator uses it to recover: what it writes is delivered like any marker.
  const bucket: MarkerBucket = {
    bucket: 'soak',
    read: (b, key) => bodies.read(b, key),
    list: async () => [],
    write: async (key, body) => {
      bodies.bodies.set(key, body);
      const seq = (sequencers.get(key) ?? 0) + 1;
      sequencers.set(key, seq);
      const event = {
        bucket: 'soak',
        key,
        size: Buffer.byteLength(body),
        eventTime: clock.now().toISOString(),
        sequencer: seq.toString(16).padStart(16, '0'),
      };
      pending.push({ kind: 'marker', event });
    },
  };
  /** Once the day is quiet: one SUCCEEDED upstream re-delivers an hour later (and retries that write 30 s after). */
  let lateInput: LateDataInput | undefined;
  const redeliver = async (): Promise<void> => {
    clock.advance(60 * MINUTE_MS);
    const runs = await deps.store.listByDate(DATE);
    // A SKIPPED dependent (its calendar excludes the day) gets nothing from new data (docs/calendars.md).
    const withRun = new Set(runs.filter((r) => r.state !== 'SKIPPED').map((r) => r.job));
    const candidates = runs.filter((r) => r.state === 'SUCCEEDED' && dag.jobs.get(r.job)?.dependents.some((d) => withRun.has(d)));
    const upstream = candidates[Math.floor(lateRandom() * candidates.length)];
    if (!upstream) return;
    const dependents = (dag.jobs.get(upstream.job)?.dependents ?? []).filter((d) => withRun.has(d));
    lateInput = { upstream: upstream.job, dependents };
    const body = JSON.stringify({ attempt: upstream.attempt, meta: { redelivered: clock.now().toISOString() } });
    pending.push({ kind: 'marker', event: markerEvent(upstream.job, 'done', upstream.attempt, body) });
    if (lateRandom() < 0.5) {
      // An SDK retry of that PutObject that had taken effect: a newer version, the same body, seconds later.
      const retried = markerEvent(upstream.job, 'done', upstream.attempt, body);
      pending.push({ kind: 'marker', event: { ...retried, eventTime: new Date(clock.now().getTime() + 30_000).toISOString() } });
    }
  };
  let lateDone = false;
  const attemptsSeen = new Map<string, number>();
  for (let round = 0; round < 400; round++) {
    // Jobs the control planes started write their marker now (or never, if they hang): the fake's, then the services'.
    for (const request of [...controlPlane.fresh.splice(0), ...(services?.fresh() ?? [])]) {
      if (hourly && ['hc', 'hd', 'hl'].includes(request.job)) {
        // The hourly part's jobs always finish: each writes .done for the run (hour or day) it was started for.
        pending.push({ kind: 'marker', event: markerEvent(request.job, 'done', request.attempt, undefined, request.date as RunDate) });
        continue;
      }
      const plan = byName.get(request.job);
      if (!plan || plan.hangs) continue;
      attemptsSeen.set(request.job, (attemptsSeen.get(request.job) ?? 0) + 1);
      const status: MarkerStatus = (attemptsSeen.get(request.job) ?? 0) <= plan.failures ? 'failed' : 'done';
      pending.push({ kind: 'marker', event: markerEvent(request.job, status, request.attempt) });
    }
    // Operator actions belong to the day: once it was quiet they never came (the loop ended), so not after the late phase either.
    if (round === replayAt && !lateDone) {
      const candidates = plans.filter((p) => !p.external);
      const target = candidates[Math.floor(random() * candidates.length)];
      if (target) {
        try {
          await replay(deps, { job: target.name, date: DATE, downstream: true, by: 'operator:soak' });
        } catch (err) {
          if (!(err instanceof OperationRefusedError)) throw err;
        }
      }
    }
    if (round === markAt && !lateDone) {
      const ended = (await deps.store.listByDate(DATE)).filter((r) => ['FAILED', 'TIMED_OUT'].includes(r.state) && byName.has(r.job));
      const target = ended[Math.floor(random() * ended.length)];
      if (target) {
        const result = await mark(deps, bucket, {
          job: target.job,
          date: DATE,
          failed: false,
          params: {},
          by: 'operator:soak',
          prefix: 'markers/',
        });
        written.set(runAttemptId(target.job, DATE, result.attempt), 'done');
      }
    }
    if (pending.length > 0) {
      const copies = pending.splice(0).flatMap((d) => Array.from({ length: 1 + Math.floor(random() * 5) }, () => d));
      shuffleInPlace(copies, random);
      for (let i = 0; i < copies.length; i += 8) await Promise.all(copies.slice(i, i + 8).map(invoke));
      clock.advance(MINUTE_MS);
      await sweepSafely(deps, problems);
      continue;
    }
    if (controlPlane.fresh.length > 0 || services?.hasFresh()) continue;
    if (deadLetters.length > 0) {
      pending.push(...deadLetters.splice(0));
      continue;
    }
    const next = await deps.store.nextDueAt();
    if (!next && late && !lateDone) {
      lateDone = true;
      await redeliver();
      continue;
    }
    if (!next) break;
    clock.set(new Date(Math.max(Date.parse(next), clock.now().getTime()) + 1000));
    await sweepSafely(deps, problems);
  }

  faults.setPlan(() => undefined);
  const runs = await listDay(deps, DATE);
  const alertRecords = await deps.store.listAlerts(DATE);
  // One dynalite serves thousands of trials: what a trial leaves behind would make every later one slower.
  for (const table of [tables.runs, tables.clusters]) await client.send(new DeleteTableCommand({ TableName: table }));
  client.destroy();
  const verdicts = judge({
    runs,
    written,
    fakeApplied: controlPlane.applied,
    sdk,
    submissions: services?.submissions.all ?? [],
    submitFaults: services?.submitFaults ?? new Map(),
    dag,
    alerts: alertRecords,
    ...(lateInput ? { late: lateInput } : {}),
    onCalendar,
  });
  const hourlyOutcome = hourly && {
    hcSucceeded: runs.filter((r) => r.job === 'hc' && r.state === 'SUCCEEDED').length,
    hd: runs.find((r) => r.job === 'hd')?.state ?? 'PENDING',
    hl: runs.find((r) => r.job === 'hl')?.state ?? 'PENDING',
    failedHours: [...hourly.failedHours],
  };
  return {
    seed,
    jobs: plans.length + (hourly ? HOURLY_JOBS.length : 0),
    hourly: hourly !== undefined,
    ...(hourlyOutcome ? { hourlyOutcome } : {}),
    ...verdicts,
    problems,
  };
}

async function sweepSafely(deps: EngineDeps, problems: string[]): Promise<void> {
  for (let tries = 1; tries <= 3; tries++) {
    try {
      await sweep(deps);
      return;
    } catch (err) {
      if (tries === 3) problems.push(`sweep failed 3 times: ${String(err)}`);
    }
  }
}

function s3Records(event: MarkerEvent) {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        eventTime: event.eventTime,
        s3: {
          bucket: { name: event.bucket, arn: `arn:aws:s3:::${event.bucket}` },
          object: { key: event.key, size: event.size, sequencer: event.sequencer },
        },
      },
    ],
  };
}
