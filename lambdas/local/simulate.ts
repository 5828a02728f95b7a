import type { Dag, Job } from '../domain/config/dag';
import { occurrences } from '../domain/cron';
import { windowInForce, windowsStartingBetween } from '../domain/fleet/windows';
import { lateDeadlinesBetween } from '../domain/late';
import { addDays, type RunDate, runDateIn, wallClockInstant } from '../domain/run-date';
import type { Run } from '../domain/runs/run';
import { LATE_CURSOR } from '../engine/sweep';
import type { ClusterWindowRecord } from '../ports/cluster-registry';
import { silentLog } from '../ports/log';
import type { DynamoEmulatorKind } from './dynamodb-emulator';
import { type JobOverrides, NO_OVERRIDES, simulatedOutcome } from './job-behaviour';
import { LocalRuntime } from './runtime';
import { buildReport, type SimulationReport } from './simulation-report';
import { VirtualTimeline } from './timeline';

export interface SimulateOptions {
  readonly dag: Dag;
  readonly date: RunDate;
  readonly overrides?: JobOverrides;
  /** Every S3 event is delivered this many times. */
  readonly duplicates?: number;
  /** Deliveries overtake each other (random delays, shuffled order of simultaneous tasks). */
  readonly shuffle?: boolean;
  readonly seed?: number;
  readonly dynamo?: DynamoEmulatorKind;
  /** @default 'in-process' (see LocalRuntimeOptions.transport) */
  readonly transport?: 'http' | 'in-process';
}

/** What happened, in order, for the human-readable timeline. */
export interface TimelineEvent {
  readonly at: string;
  readonly subject: string;
  readonly what: string;
  readonly detail: string;
}

export interface SimulationResult {
  readonly report: SimulationReport;
  readonly events: TimelineEvent[];
  readonly runs: readonly Run[];
  readonly elapsedMs: number;
  readonly deadLetters: number;
}

const MINUTE = 60_000;
/** With --shuffle, each delivery is delayed by up to this much (S3 says "usually seconds, sometimes a minute or longer"). */
const SHUFFLE_JITTER_MS = 90_000;

function ceilToMinute(ms: number): number {
  return Math.ceil(ms / MINUTE) * MINUTE;
}

/**
 * Runs one day of the DAG on the embedded runtime under a virtual clock, until
 * nothing more can happen: root triggers, external markers, cluster windows,
 * simulated jobs, timeouts and retries, exactly as deployed.
 */
export async function simulate(opts: SimulateOptions): Promise<SimulationResult> {
  const started = Date.now();
  const { dag, date } = opts;
  const overrides = opts.overrides ?? NO_OVERRIDES;
  const dayStart = new Date(`${date}T00:00:00.000Z`);
  const dayEnd = new Date(`${addDays(date, 1)}T00:00:00.000Z`);
  const horizon = new Date(`${addDays(date, 3)}T00:00:00.000Z`);

  const windows = [...dag.clusters.values()].flatMap((cluster) => {
    const inForce = windowInForce(cluster, dayStart);
    const today = windowsStartingBetween(cluster, dayStart, dayEnd);
    return inForce && inForce.start < dayStart ? [inForce, ...today] : today;
  });
  const start = new Date(Math.min(dayStart.getTime(), ...windows.map((w) => w.start.getTime())));
  const timeline = new VirtualTimeline(start, { seed: opts.seed ?? 1, shuffle: opts.shuffle ?? false });
  const runtime = await LocalRuntime.start({
    dag,
    timeline,
    overrides,
    markerDelivery: { duplicates: Math.max(1, opts.duplicates ?? 1), jitterMs: opts.shuffle ? SHUFFLE_JITTER_MS : 0 },
    log: silentLog,
    dynamo: opts.dynamo,
    transport: opts.transport ?? 'in-process',
  });
  try {
    const { deps, functions } = runtime;
    await deps.store.moveCursor(LATE_CURSOR, undefined, start.toISOString());

    for (const job of dag.jobs.values()) {
      if (job.schedule) {
        const fires = occurrences(
          job.schedule,
          job.timezone,
          new Date(dayStart.getTime() - 86_400_000),
          new Date(dayEnd.getTime() + 86_400_000),
        );
        for (const at of fires.filter((t) => runDateIn(t, job.timezone) === date)) {
          timeline.schedule(at, `trigger ${job.name}`, async () =>
            functions.scheduler.invoke({ source: 'rsched.trigger', job: job.name, scheduledTime: at.toISOString() }),
          );
        }
      }
      if (job.target.type === 'external') scheduleExternal(runtime, job, date, overrides);
    }
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

    // The sweeper runs every minute in AWS; here it runs at the minutes when something is due.
    let sweepAt: number | undefined;
    let lastSweep = -Infinity;
    const planSweep = async () => {
      const now = timeline.now().getTime();
      const late = lateDeadlinesBetween(dag, new Date(now - 1), dayEnd).find((d) => d.date === date);
      const candidates = [await deps.store.nextDueAt(), late?.at.toISOString()]
        .filter((c): c is string => c !== undefined)
        .map((c) => Date.parse(c));
      if (candidates.length === 0) return;
      let at = ceilToMinute(Math.max(now, Math.min(...candidates)));
      if (at <= lastSweep) at = lastSweep + MINUTE;
      if (at > horizon.getTime() || (sweepAt !== undefined && sweepAt <= at && sweepAt > now)) return;
      sweepAt = at;
      timeline.schedule(new Date(at), 'sweep', async () => {
        if (sweepAt !== at) return;
        sweepAt = undefined;
        lastSweep = at;
        functions.sweeper.invoke({ source: 'aws.scheduler' });
      });
    };
    await timeline.run({ until: horizon, onIdle: planSweep });
    if (timeline.errors.length > 0) {
      const first = timeline.errors[0] as { label: string; error: unknown };
      throw new Error(`simulation task "${first.label}" failed: ${String(first.error)}`);
    }

    const runs = await deps.store.listByDate(date);
    const clusterWindows: ClusterWindowRecord[] = [];
    for (const cluster of dag.clusters.values()) {
      clusterWindows.push(...(await deps.registry.listWindows(cluster.name, start.toISOString(), horizon.toISOString())));
    }
    const alerts = await deps.store.listAlerts(date);
    const report = buildReport({
      dag,
      date,
      runs,
      submissionsOf: (job) => runtime.submissions.countFor(job, date),
      clusters: clusterWindows,
      alerts,
      durationOf: (job) => simulatedOutcome(job, overrides).durationMinutes,
    });
    return {
      report,
      events: timelineEvents(runs, runtime),
      runs,
      elapsedMs: Date.now() - started,
      deadLetters: runtime.deadLetters.length,
      requests: Object.fromEntries(runtime.dynamoRequests.counts),
    } as SimulationResult;
  } finally {
    await runtime.stop();
  }
}

function scheduleExternal(runtime: LocalRuntime, job: Job, date: RunDate, overrides: JobOverrides): void {
  const outcome = simulatedOutcome(job, overrides);
  if (outcome.result === 'hang') return;
  const at = wallClockInstant(date, job.simulation.arrivesAt, job.timezone);
  runtime.options.timeline.schedule(at, `external ${job.name}`, async () => {
    const body = outcome.result === 'failed' ? JSON.stringify({ meta: { error: 'simulated failure (--fail)' } }) : '';
    await runtime.markers.write(job.name, date, outcome.result === 'failed' ? 'failed' : 'done', body);
  });
}

const SHOWN_STATES = new Set(['WAITING_FOR_CLUSTER', 'SUBMITTED', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'UPSTREAM_FAILED', 'RETRYING']);

function timelineEvents(runs: readonly Run[], runtime: LocalRuntime): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  for (const run of runs) {
    let waitingShown = false;
    for (const entry of run.history) {
      if (entry.to === 'WAITING' && !waitingShown && entry.from === 'PENDING' && run.doneUpstreams.length > 0) {
        waitingShown = true;
        events.push({ at: entry.at, subject: run.job, what: 'WAITING', detail: entry.why });
      }
      if (!SHOWN_STATES.has(entry.to) || entry.from === entry.to) continue;
      events.push({ at: entry.at, subject: run.job, what: entry.to, detail: entry.why });
    }
  }
  for (const cluster of runtime.emr.list()) {
    for (const h of cluster.history) {
      if (!['STARTING', 'WAITING', 'TERMINATED', 'TERMINATED_WITH_ERRORS'].includes(h.state)) continue;
      if (h.state === 'WAITING' && cluster.history.findIndex((x) => x.state === 'WAITING') !== cluster.history.indexOf(h)) continue;
      const detail = h.state === 'WAITING' ? `ready, master ${cluster.masterIp}` : cluster.id;
      events.push({
        at: h.at.toISOString(),
        subject: `cluster ${cluster.configName ?? cluster.name}`,
        what: h.state === 'WAITING' ? 'READY' : h.state,
        detail,
      });
    }
  }
  for (const alert of runtime.alerts.sent) {
    events.push({ at: alert.at, subject: alert.job ?? alert.subject ?? '', what: `ALERT ${alert.kind}`, detail: alert.message });
  }
  return events.sort((a, b) => a.at.localeCompare(b.at));
}
