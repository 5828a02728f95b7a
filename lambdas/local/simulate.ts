import { AlertKind } from '../domain/alerts';
import { runsOn } from '../domain/calendar';
import type { Dag, Job } from '../domain/config/dag';
import { scheduledInvocations, skippedInvocations } from '../domain/cron';
import { windowInForce, windowsStartingBetween } from '../domain/fleet/windows';
import { lateDeadlinesBetween } from '../domain/late';
import { addDays, type RunDate, runDateIn, wallClockInstant } from '../domain/run-date';
import { hoursOf, periodEnd } from '../domain/run-hour';
import type { Run } from '../domain/runs/run';
import { listDay } from '../engine/day-runs';
import { predictRuns } from '../engine/predicted-late';
import { LATE_CURSOR } from '../engine/sweep';
import type { ClusterWindowRecord } from '../ports/cluster-registry';
import { silentLog } from '../ports/log';
import type { DynamoEmulatorKind } from './dynamodb-emulator';
import { type JobOverrides, NO_OVERRIDES, simulatedOutcome } from './job-behaviour';
import { alertEvent, clusterEvent, runEvents, sortEvents, type TimelineEvent } from './run-events';
import { LocalRuntime, type LocalRuntimeOptions } from './runtime';
import { buildReport, exactlyOnceEvidence, type SimulationReport } from './simulation-report';
import { VirtualTimeline } from './timeline';

/** One day of the DAG: `rsched simulate`. */
export interface SimulateOptions extends Omit<SessionOptions, 'start'> {
  readonly date: RunDate;
}

export type { TimelineEvent };

export interface SimulationResult {
  readonly report: SimulationReport;
  readonly events: TimelineEvent[];
  readonly runs: readonly Run[];
  readonly elapsedMs: number;
  readonly deadLetters: number;
  /** DynamoDB requests made, by operation. */
  readonly requests: Readonly<Record<string, number>>;
}

const MINUTE = 60_000;
/** With --shuffle, each delivery is delayed by up to this much (S3 says "usually seconds, sometimes a minute or longer"). */
const SHUFFLE_JITTER_MS = 90_000;

function ceilToMinute(ms: number): number {
  return Math.ceil(ms / MINUTE) * MINUTE;
}

export interface SessionOptions {
  readonly dag: Dag;
  /** Where the virtual clock starts. */
  readonly start: Date;
  readonly overrides?: JobOverrides;
  /** Every S3 event is delivered this many times. */
  readonly duplicates?: number;
  /** Deliveries overtake each other (random delays, shuffled order of simultaneous tasks). */
  readonly shuffle?: boolean;
  readonly seed?: number;
  readonly dynamo?: DynamoEmulatorKind;
  /** @default 'in-process' (see LocalRuntimeOptions.transport) */
  readonly transport?: 'http' | 'in-process';
  /** Fault injection: S3 notifications whose message this matches are lost. */
  readonly dropMarkerEvent?: (message: string) => boolean;
  /** Fault injection: EMR step events to the completion function that this matches are lost (docs/completion.md). */
  readonly dropCompletionEvent?: LocalRuntimeOptions['dropCompletionEvent'];
}

/**
 * The embedded runtime under a virtual clock, day by day: `scheduleDay` lays
 * out what EventBridge Scheduler would fire for a run date (root triggers,
 * external markers, cluster windows), `run` lets everything happen until
 * nothing more can. Operator actions (replay, backfill, reconcile) can be
 * taken between runs, through `runtime.ops()`.
 */
export class SimulationSession {
  private horizon: Date;
  private readonly lateDates = new Set<RunDate>();
  private sweepAt: number | undefined;
  private lastSweep = -Infinity;

  private constructor(
    readonly runtime: LocalRuntime,
    readonly timeline: VirtualTimeline,
    private readonly overrides: JobOverrides,
  ) {
    this.horizon = timeline.now();
  }

  static async start(opts: SessionOptions): Promise<SimulationSession> {
    const timeline = new VirtualTimeline(opts.start, { seed: opts.seed ?? 1, shuffle: opts.shuffle ?? false });
    const overrides = opts.overrides ?? NO_OVERRIDES;
    const runtime = await LocalRuntime.start({
      dag: opts.dag,
      timeline,
      overrides,
      markerDelivery: {
        duplicates: Math.max(1, opts.duplicates ?? 1),
        jitterMs: opts.shuffle ? SHUFFLE_JITTER_MS : 0,
        drop: opts.dropMarkerEvent,
      },
      log: silentLog,
      dropCompletionEvent: opts.dropCompletionEvent,
      dynamo: opts.dynamo,
      transport: opts.transport ?? 'in-process',
    });
    await runtime.deps.store.moveCursor(LATE_CURSOR, undefined, opts.start.toISOString());
    return new SimulationSession(runtime, timeline, overrides);
  }

  get dag(): Dag {
    return this.runtime.options.dag;
  }

  /** The first instant a day's events need: 00:00 UTC, or the start of a cluster window already open then. */
  static dayStart(dag: Dag, date: RunDate): Date {
    const dayStart = new Date(`${date}T00:00:00.000Z`);
    const open = [...dag.clusters.values()].map((c) => windowInForce(c, dayStart)?.start.getTime() ?? dayStart.getTime());
    return new Date(Math.min(dayStart.getTime(), ...open));
  }

  /** Lays out what fires for `date`: root triggers, external markers, cluster windows. */
  scheduleDay(date: RunDate): void {
    const { dag, timeline } = this;
    const { functions } = this.runtime;
    const dayStart = new Date(`${date}T00:00:00.000Z`);
    const dayEnd = new Date(`${addDays(date, 1)}T00:00:00.000Z`);
    this.lateDates.add(date);
    const horizon = new Date(`${addDays(date, 3)}T00:00:00.000Z`);
    if (horizon > this.horizon) this.horizon = horizon;
    for (const job of dag.jobs.values()) {
      if (job.schedule) {
        // As EventBridge Scheduler invokes it: a time inside a DST gap is skipped, a repeated one fires once (domain/cron.ts).
        const fires = scheduledInvocations(
          job.schedule,
          job.timezone,
          new Date(dayStart.getTime() - 86_400_000),
          new Date(dayEnd.getTime() + 86_400_000),
        );
        // In AWS the sweeper, every minute, starts a run whose time the gap swallowed (catchUpSkippedRoots): sweep then.
        const skips = skippedInvocations(
          job.schedule,
          job.timezone,
          new Date(dayStart.getTime() - 86_400_000),
          new Date(dayEnd.getTime() + 86_400_000),
        );
        for (const skip of skips.filter((s) => s.date === date)) {
          timeline.schedule(new Date(ceilToMinute(skip.shiftedTo.getTime())), 'sweep (DST catch-up)', async () =>
            functions.sweeper.invoke({ source: 'aws.scheduler' }),
          );
        }
        for (const at of fires.filter((t) => runDateIn(t, job.timezone) === date)) {
          timeline.schedule(at, `trigger ${job.name}`, async () =>
            functions.scheduler.invoke({ source: 'rsched.trigger', job: job.name, scheduledTime: at.toISOString() }),
          );
        }
      }
      // The other system keeps the same calendar: no marker on a date it excludes (docs/calendars.md).
      if (job.target.type === 'external' && runsOn(job, date)) scheduleExternal(this.runtime, job, date, this.overrides);
    }
    const windows = [...dag.clusters.values()].flatMap((cluster) => {
      const inForce = windowInForce(cluster, dayStart);
      const today = windowsStartingBetween(cluster, dayStart, dayEnd);
      return inForce && inForce.start < dayStart ? [inForce, ...today] : today;
    });
    for (const window of windows) {
      const event = (action: 'start' | 'stop', at: Date) => ({
        source: 'rsched.fleet',
        action,
        cluster: window.cluster,
        scheduledTime: at.toISOString(),
      });
      timeline.schedule(window.start, `start ${window.cluster}`, async () => functions.provisioner.invoke(event('start', window.start)));
      timeline.schedule(window.end, `stop ${window.cluster}`, async () => functions.terminator.invoke(event('stop', window.end)));
      // In AWS the reconcile runs every minute; here, when this window's grace period ends.
      const graceEnd = new Date(window.end.getTime() + (dag.clusters.get(window.cluster)?.graceMinutes ?? 0) * MINUTE);
      timeline.schedule(graceEnd, `reconcile ${window.cluster}`, async () =>
        functions.registry.invoke({ source: 'rsched.fleet', action: 'reconcile', options: { describe: false, catchUp: false } }),
      );
    }
  }

  /**
   * The sweeper runs every minute in AWS; here it runs at the minutes when
   * something is due (a dueAt, a LATE deadline, a running backfill).
   */
  private async planSweep(): Promise<void> {
    const { timeline } = this;
    const { functions } = this.runtime;
    const now = timeline.now().getTime();
    // Looking ahead: every deadline up to the horizon, not only those of the last days before it (no look-back cap).
    const late = lateDeadlinesBetween(this.dag, new Date(now - 1), this.horizon, Number.POSITIVE_INFINITY).find((d) =>
      this.lateDates.has(d.date),
    );
    const tables = await this.tablesNow();
    const candidates = [await this.nextUsefulDueAt(now, tables.nextDueAt), late?.at.toISOString()]
      .filter((c): c is string => c !== undefined)
      .map((c) => Date.parse(c));
    if (tables.backfillRunning) candidates.push(now + MINUTE);
    const predicted = await this.nextPredictedLateAt(now);
    if (predicted !== undefined) candidates.push(predicted);
    if (candidates.length === 0) return;
    let at = ceilToMinute(Math.max(now, Math.min(...candidates)));
    if (at <= this.lastSweep) at = this.lastSweep + MINUTE;
    if (at > this.horizon.getTime() || (this.sweepAt !== undefined && this.sweepAt <= at && this.sweepAt > now)) return;
    this.sweepAt = at;
    timeline.schedule(new Date(at), 'sweep', async () => {
      if (this.sweepAt !== at) return;
      this.sweepAt = undefined;
      this.lastSweep = at;
      functions.sweeper.invoke({ source: 'aws.scheduler' });
    });
  }

  /**
   * The earliest `dueAt` a sweep can act on. A run that was already due at the
   * last sweep and is unchanged since (same state, attempt, upstreams, history)
   * is stuck: the sweeper could not move it, and under a virtual clock nothing
   * but another event can — sweeping again every minute until the horizon would
   * only spin (a hung external job with upstreams cost 61 s of wall time, issue
   * 12). Such runs are passed over: the next due instant is the earliest later
   * `dueAt` among the simulated dates' runs. Any change to a stuck run (or a new
   * due run) makes it count again.
   */
  private async nextUsefulDueAt(now: number, next: string | undefined): Promise<string | undefined> {
    const { store } = this.runtime.deps;
    if (next === undefined || Date.parse(next) > this.lastSweep) return next;
    const signature = await this.dueSignature(now);
    if (this.afterSweep?.at !== this.lastSweep) {
      // First look after a sweep: what it left behind, compared with what the sweep before it left.
      this.afterSweep = { at: this.lastSweep, signature, previous: this.afterSweep?.signature };
    }
    const stuck = signature === this.afterSweep.signature && signature === this.afterSweep.previous;
    if (!stuck) return next;
    const later: string[] = [];
    for (const date of this.lateDates) {
      for (const run of await listDay({ store, dag: this.dag }, date)) {
        if (run.dueAt !== undefined && Date.parse(run.dueAt) > this.lastSweep) later.push(run.dueAt);
      }
    }
    return later.sort()[0];
  }

  private afterSweep: { at: number; signature: string; previous: string | undefined } | undefined;

  /**
   * What planning reads from the tables: the earliest `dueAt` and whether a
   * backfill runs. Both change only through a write, and many idle instants
   * follow none (a cluster becoming ready, a delivery delayed by --shuffle),
   * so the answer is kept until the emulator has seen another write: half the
   * requests a large simulation made were these two queries. A backfill's
   * record is only ever written whole, by PutItem (DynamoBackfillStore.saveBackfill),
   * never by the UpdateItems that move runs: whether one runs is asked again
   * only after a PutItem (a twentieth of a simulated day's requests otherwise).
   */
  private async tablesNow(): Promise<{ nextDueAt: string | undefined; backfillRunning: boolean }> {
    const { dynamoRequests } = this.runtime;
    const writes = dynamoRequests.writes;
    const puts = dynamoRequests.counts.get('PutItemCommand') ?? 0;
    if (this.tables?.writes !== writes) {
      const nextDueAt = await this.runtime.deps.store.nextDueAt();
      const backfillRunning =
        this.tables?.puts === puts
          ? this.tables.backfillRunning
          : (await this.runtime.backfills.listBackfills()).some((b) => b.state === 'RUNNING');
      this.tables = { writes, puts, nextDueAt, backfillRunning };
    }
    return this.tables;
  }

  private tables: { writes: number; puts: number; nextDueAt: string | undefined; backfillRunning: boolean } | undefined;

  /**
   * In AWS the sweeper predicts every minute; here a sweep is planned for the
   * minute a prediction turns late if nothing changes (docs/scheduling.md#predicted-late-alerts-predicted_late),
   * or at once when it already is and has not been alerted.
   */
  private async nextPredictedLateAt(now: number): Promise<number | undefined> {
    const { deps, estimates } = this.runtime;
    let best: number | undefined;
    for (const p of await predictRuns(deps, estimates, new Date(now))) {
      if (!this.lateDates.has(p.date)) continue;
      let at = p.lateFrom?.getTime();
      if (p.late) {
        const alerts = await deps.store.listAlerts(p.date);
        const raised = alerts.some((a) => a.kind === AlertKind.PREDICTED_LATE && a.job === p.job.name && a.attempt === p.attempt);
        at = raised ? undefined : now;
      }
      if (at !== undefined && (best === undefined || at < best)) best = at;
    }
    return best;
  }

  private async dueSignature(now: number): Promise<string> {
    const due = await this.runtime.deps.store.listDue(new Date(now).toISOString(), 1_000);
    return due.runs
      .map((r) => `${r.job}@${r.date}:${r.state}:${r.attempt}:${r.dueAt}:${r.doneUpstreams.length}:${r.history.length}`)
      .sort()
      .join('|');
  }

  /** Lets everything happen until nothing more can (or `until`). */
  async run(until?: Date): Promise<void> {
    if (until && until > this.horizon) this.horizon = until;
    await this.timeline.run({ until: until ?? this.horizon, onIdle: () => this.planSweep() });
    if (this.timeline.errors.length > 0) {
      const first = this.timeline.errors[0] as { label: string; error: unknown };
      throw new Error(`simulation task "${first.label}" failed: ${String(first.error)}`);
    }
  }

  async report(date: RunDate): Promise<{ report: SimulationReport; runs: Run[] }> {
    const { deps } = this.runtime;
    const runs = await listDay(deps, date);
    const clusterWindows: ClusterWindowRecord[] = [];
    const from = SimulationSession.dayStart(this.dag, date).toISOString();
    for (const cluster of this.dag.clusters.values()) {
      clusterWindows.push(...(await deps.registry.listWindows(cluster.name, from, `${addDays(date, 1)}T00:00:00.000Z`)));
    }
    const report = buildReport({
      dag: this.dag,
      date,
      runs,
      submissionsOf: (job, period) => this.runtime.submissions.countFor(job, period ?? date),
      clusters: clusterWindows,
      alerts: await deps.store.listAlerts(date),
      durationOf: (job) => simulatedOutcome(job, this.overrides).durationMinutes,
      exactlyOnce: exactlyOnceEvidence(this.runtime.submissions.all, date, {
        markerEvents: this.runtime.markerTopic.published,
        deliveries: this.runtime.markerTopic.delivered,
      }),
      now: this.timeline.now(),
    });
    return { report, runs };
  }

  stop(): Promise<void> {
    return this.runtime.stop();
  }
}

/**
 * Runs one day of the DAG on the embedded runtime under a virtual clock, until
 * nothing more can happen: root triggers, external markers, cluster windows,
 * simulated jobs, timeouts and retries, exactly as deployed.
 */
export async function simulate(opts: SimulateOptions): Promise<SimulationResult> {
  const started = Date.now();
  const session = await SimulationSession.start({ ...opts, start: SimulationSession.dayStart(opts.dag, opts.date) });
  try {
    session.scheduleDay(opts.date);
    await session.run();
    const { report, runs } = await session.report(opts.date);
    return {
      report,
      events: timelineEvents(runs, session.runtime),
      runs,
      elapsedMs: Date.now() - started,
      deadLetters: session.runtime.deadLetters.length,
      requests: Object.fromEntries(session.runtime.dynamoRequests.counts),
    };
  } finally {
    await session.stop();
  }
}

function scheduleExternal(runtime: LocalRuntime, job: Job, date: RunDate, overrides: JobOverrides): void {
  const outcome = simulatedOutcome(job, overrides);
  if (outcome.result === 'hang') return;
  const body = outcome.result === 'failed' ? JSON.stringify({ meta: { error: 'simulated failure (--fail)' } }) : '';
  const status = outcome.result === 'failed' ? 'failed' : 'done';
  if (job.granularity === 'hourly') {
    // An hourly external job's marker of hour H arrives once the hour is over, `arrivesAt` (HH:MM) after its end (docs/hourly.md#simulate).
    const [h, m] = job.simulation.arrivesAt.split(':').map(Number) as [number, number];
    for (const hour of hoursOf(date)) {
      const at = new Date(periodEnd(hour).getTime() + (h * 60 + m) * MINUTE);
      runtime.options.timeline.schedule(at, `external ${job.name} ${hour}`, async () => {
        await runtime.markers.write(job.name, hour, status, body);
      });
    }
    return;
  }
  const at = wallClockInstant(date, job.simulation.arrivesAt, job.timezone);
  runtime.options.timeline.schedule(at, `external ${job.name}`, async () => {
    await runtime.markers.write(job.name, date, status, body);
  });
}

/** The readable timeline of a simulated day: every run's transitions, the clusters, the alerts sent (run-events.ts). */
export function timelineEvents(runs: readonly Run[], runtime: LocalRuntime): TimelineEvent[] {
  const events: TimelineEvent[] = runs.flatMap(runEvents);
  for (const cluster of runtime.emr.list()) {
    const firstReady = cluster.history.find((h) => h.state === 'WAITING');
    for (const h of cluster.history) {
      if (h.state === 'WAITING' && h !== firstReady) continue;
      const event = clusterEvent(cluster, h.state, h.at);
      if (event) events.push(event);
    }
  }
  events.push(...runtime.alerts.sent.map(alertEvent));
  return sortEvents(events);
}
