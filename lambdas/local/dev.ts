import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Dag } from '../domain/config/dag';
import { runDateIn } from '../domain/run-date';
import type { Log } from '../ports/log';
import type { AlertRecord } from '../ports/run-store';
import { CONTROL_PLANE_FILE } from './control-plane/state-file';
import { cronLoop } from './cron-loop';
import { type EndpointsFile, removeEndpoints, STATE_DIR, writeEndpoints } from './endpoints-file';
import { NO_OVERRIDES } from './job-behaviour';
import { alertEvent, clusterEvent, type TimelineEvent } from './run-events';
import { LocalRuntime } from './runtime';
import { RealTimeline } from './timeline';

export interface DevOptions {
  readonly dag: Dag;
  readonly configDir: string;
  /** Simulated seconds per real second. */
  readonly speed: number;
  /** Where the (accelerated) clock starts; now by default. */
  readonly from?: Date;
  /** Simulate external jobs' markers at their `simulation.arrivesAt` (off: drop them by hand). */
  readonly externals: boolean;
  readonly stateDir?: string;
  /** Delete the saved state (runs, markers, simulated clusters) first: `rsched dev --reset`. */
  readonly reset?: boolean;
  readonly ports?: { s3?: number; dynamodb?: number; controlPlane?: number };
  readonly log: Log;
  readonly onAlert?: (alert: AlertRecord) => void;
  /** Called with what each handler did. */
  readonly onActivity?: (fn: string, event: unknown, result: unknown) => void;
  /**
   * Called with each line of the readable timeline as it happens — run
   * transitions, clusters starting, ready and gone, alerts — the same lines
   * `rsched simulate` prints (run-events.ts).
   */
  readonly onTimeline?: (event: TimelineEvent) => void;
  /** Starts the web UI against the runtime; returns its plain URL and the token its changes need. */
  readonly startUi?: (runtime: LocalRuntime) => Promise<{ url: string; token: string; stop(): Promise<void> }>;
}

export interface DevSession {
  readonly runtime: LocalRuntime;
  readonly endpoints: EndpointsFile;
  readonly endpointsPath: string;
  stop(): Promise<void>;
}

/** Cluster lines for the timeline, from the EMR events the registry gets (the simulated cluster has the config name and IP). */
function followClusters(runtime: LocalRuntime, onTimeline: (event: TimelineEvent) => void): void {
  const ready = new Set<string>();
  runtime.clusterEventsTopic.subscribe((event) => {
    const message = (event as { Records?: { Sns?: { Message?: string } }[] }).Records?.[0]?.Sns?.Message;
    const emr = message
      ? (JSON.parse(message) as { 'detail-type'?: string; time?: string; detail?: { clusterId?: string; state?: string } })
      : {};
    if (emr['detail-type'] !== 'EMR Cluster State Change' || !emr.detail?.clusterId || !emr.detail.state) return;
    const cluster = runtime.emr.list().find((c) => c.id === emr.detail?.clusterId);
    // A cluster is READY once: later WAITING states (between steps) are not news.
    if (!cluster || (emr.detail.state === 'WAITING' && ready.has(cluster.id))) return;
    if (emr.detail.state === 'WAITING') ready.add(cluster.id);
    const line = clusterEvent(cluster, emr.detail.state, new Date(emr.time ?? runtime.options.timeline.now()));
    if (line) onTimeline(line);
  });
}

/** What `rsched dev --reset` deletes under the state directory (endpoints.json is rewritten anyway). */
export const DEV_STATE_ENTRIES = ['dynamodb', 's3', CONTROL_PLANE_FILE] as const;

/**
 * `rsched dev`: the whole system on a real (optionally accelerated) clock,
 * with state kept under .rsched/ across restarts — the emulators' and the
 * simulated control planes' (docs/local.md#dev), so a restart resumes where
 * it stopped; `reset` starts from nothing. Schedules fire as
 * EventBridge Scheduler would fire them; the sweeper and the fleet reconcile
 * run every minute.
 */
export async function startDev(opts: DevOptions): Promise<DevSession> {
  const stateDir = opts.stateDir ?? STATE_DIR;
  if (opts.reset) for (const entry of DEV_STATE_ENTRIES) rmSync(join(stateDir, entry), { recursive: true, force: true });
  const timeline = new RealTimeline(opts.speed, opts.from ?? new Date());
  const runtime = await LocalRuntime.start({
    dag: opts.dag,
    timeline,
    overrides: NO_OVERRIDES,
    stateDir,
    ports: opts.ports,
    log: opts.log,
    onAlert: (alert) => {
      opts.onAlert?.(alert);
      opts.onTimeline?.(alertEvent(alert));
    },
    onActivity: opts.onActivity,
    onRunEvent: opts.onTimeline,
  });
  if (opts.onTimeline) followClusters(runtime, opts.onTimeline);
  const { functions, dag } = { functions: runtime.functions, dag: opts.dag };
  for (const job of dag.jobs.values()) {
    if (job.schedule) {
      cronLoop(timeline, `trigger ${job.name}`, job.schedule, job.timezone, (at) =>
        functions.scheduler.invoke({ source: 'rsched.trigger', job: job.name, scheduledTime: at.toISOString() }),
      );
    }
    if (job.target.type === 'external' && opts.externals) {
      const [hh, mm] = job.simulation.arrivesAt.split(':').map(Number) as [number, number];
      cronLoop(timeline, `external ${job.name}`, `${mm} ${hh} * * *`, job.timezone, (at) => {
        void runtime.markers.write(job.name, runDateIn(at, job.timezone), 'done');
      });
    }
  }
  for (const cluster of dag.clusters.values()) {
    const event = (action: 'start' | 'stop', at: Date) => ({
      source: 'rsched.fleet',
      action,
      cluster: cluster.name,
      scheduledTime: at.toISOString(),
    });
    cronLoop(timeline, `start ${cluster.name}`, cluster.start, cluster.timezone, (at) => functions.provisioner.invoke(event('start', at)));
    cronLoop(timeline, `stop ${cluster.name}`, cluster.stop, cluster.timezone, (at) => functions.terminator.invoke(event('stop', at)));
  }
  cronLoop(timeline, 'sweep', '* * * * *', 'UTC', () => {
    functions.sweeper.invoke({ source: 'aws.scheduler' });
    functions.registry.invoke({ source: 'rsched.fleet', action: 'reconcile' });
  });
  // A window already open when dev starts is provisioned now (the reconcile's catch-up).
  functions.registry.invoke({ source: 'rsched.fleet', action: 'reconcile' });

  const ui = opts.startUi ? await opts.startUi(runtime) : undefined;
  timeline.start();
  const endpoints: EndpointsFile = {
    region: runtime.endpoints.region,
    s3: runtime.endpoints.s3,
    dynamodb: runtime.endpoints.dynamodb,
    bucket: runtime.endpoints.bucket,
    ui: ui?.url ?? '',
    uiToken: ui?.token ?? '',
    controlPlane: runtime.endpoints.controlPlane,
    tables: runtime.endpoints.tables,
    clock: timeline.spec,
    configDir: opts.configDir,
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
  const endpointsPath = writeEndpoints(endpoints, stateDir);
  return {
    runtime,
    endpoints,
    endpointsPath,
    stop: async () => {
      timeline.stop();
      removeEndpoints(stateDir);
      await ui?.stop();
      await runtime.stop();
    },
  };
}
