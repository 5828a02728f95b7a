import { existsSync, mkdirSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { join } from 'node:path';
import { RequestCounter } from '../adapters/aws/clients';
import { S3MarkerBucket } from '../adapters/aws/s3-marker-bucket';
import { AlertKind } from '../domain/alerts';
import { parseServiceEvent } from '../domain/completion/service-events';
import type { Dag } from '../domain/config/dag';
import { runDateIn } from '../domain/run-date';
import { raiseAlert } from '../engine/alerting';
import type { FleetDeps } from '../engine/fleet/deps';
import { DurationEstimates } from '../engine/predicted-late';
import { makeCompletionHandler } from '../handlers/completion';
import { makeProvisionerHandler, makeRegistryHandler, makeTerminatorHandler } from '../handlers/fleet';
import { makeSchedulerHandler } from '../handlers/scheduler';
import { makeSweeperHandler } from '../handlers/sweeper';
import type { AlertSink } from '../ports/alert-sink';
import type { BackfillStore } from '../ports/backfill-store';
import type { Log } from '../ports/log';
import type { AlertRecord } from '../ports/run-store';
import type { OpsContext } from '../runtime/aws-deps';
import type { Service } from '../runtime/client-settings';
import { awsFleetDeps } from '../runtime/fleet-deps';
import { DataPipelineSimulator } from './control-plane/datapipeline-simulator';
import { type EmrEventEnvelope, EmrSimulator } from './control-plane/emr-simulator';
import { type JsonRpcServer, startJsonRpcServer } from './control-plane/json-rpc-server';
import type { ServiceEventEnvelope } from './control-plane/service-event';
import { ServiceSimulators, SIMULATED_SERVICES } from './control-plane/service-simulators';
import { CONTROL_PLANE_FILE, ControlPlaneStateFile } from './control-plane/state-file';
import { SubmissionLog } from './control-plane/submission-log';
import {
  createTables,
  type DynamoEmulator,
  type DynamoEmulatorKind,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoEmulator,
} from './dynamodb-emulator';
import { InProcessRequestHandler, inProcessSigner } from './in-process-transport';
import { type JobOverrides, NO_OVERRIDES } from './job-behaviour';
import { type DeadLetter, LocalFunction } from './local-function';
import { localS3Client, MarkerWriter } from './marker-writer';
import { withOldScheduler } from './old-scheduler';
import { tagWithRun } from './run-context';
import { observeRunEvents, type TimelineEvent } from './run-events';
import { type S3Emulator, startS3Emulator } from './s3-emulator';
import type { Timeline } from './timeline';
import { type DeliveryPolicy, EXACT_DELIVERY, LocalTopic, localTopicArn } from './topic';

export const LOCAL_BUCKET = 'rsched-markers';
export const LOCAL_TABLES = { runs: 'rsched-runs', clusters: 'rsched-clusters' } as const;
/** The stack tag value clusters get in local mode. */
export const LOCAL_STACK_TAG = 'rsched-local';

export interface LocalRuntimeOptions {
  readonly dag: Dag;
  readonly timeline: Timeline;
  /** How S3 events reach the scheduler (duplicates, reordering). */
  readonly markerDelivery?: DeliveryPolicy;
  readonly overrides?: JobOverrides;
  /** Keep emulator state here (rsched dev); a temporary directory otherwise. */
  readonly stateDir?: string;
  readonly dynamo?: DynamoEmulatorKind;
  readonly ports?: { readonly s3?: number; readonly dynamodb?: number; readonly controlPlane?: number };
  readonly log: Log;
  /**
   * 'in-process' hands DynamoDB and control-plane requests to the emulators in
   * memory (fast simulations); 'http' uses sockets, as external clients must.
   * @default 'http'
   */
  readonly transport?: 'http' | 'in-process';
  /** Called for every alert as it is published (rsched dev prints them). */
  readonly onAlert?: (alert: AlertRecord) => void;
  /** Fault injection: service events to the completion function that this matches are lost (EventBridge is best effort). */
  readonly dropCompletionEvent?: (event: ServiceEventEnvelope) => boolean;
  /** Called with what each handler invocation returned. */
  readonly onActivity?: (fn: string, event: unknown, result: unknown) => void;
  /** Called with the timeline line of every run transition that took effect (rsched dev's console; run-events.ts). */
  readonly onRunEvent?: (event: TimelineEvent) => void;
}

/** Whether a runtime with a state directory started afresh or carried on from saved state. */
export type StateOrigin = 'none' | 'new' | 'resumed';

/** Where the local system listens; written to .rsched/endpoints.json by `rsched dev`. */
export interface LocalEndpoints {
  readonly region: string;
  readonly s3: string;
  readonly dynamodb: string;
  readonly bucket: string;
  readonly controlPlane: string;
  readonly tables: { readonly runs: string; readonly clusters: string };
}

class CapturingAlertSink implements AlertSink {
  readonly sent: AlertRecord[] = [];
  constructor(private readonly onAlert?: (alert: AlertRecord) => void) {}
  async publish(alert: AlertRecord): Promise<void> {
    this.sent.push(alert);
    this.onAlert?.(alert);
  }
}

/**
 * The whole system on a laptop: DynamoDB and S3 emulators, simulated EMR and
 * Data Pipeline control planes, in-process SNS topics, and the real handlers
 * wired to them through the normal AWS SDK clients — only endpoints differ.
 */
const MARKER_TOPIC = 'rsched-markers';
/** EventBridge takes a moment: the same 2 s as the cluster-events topic. */
const EVENTBRIDGE_LATENCY_MS = 2_000;

export class LocalRuntime {
  readonly deps: FleetDeps;
  readonly backfills: BackfillStore;
  readonly endpoints: LocalEndpoints;
  readonly deadLetters: DeadLetter[] = [];
  readonly alerts: CapturingAlertSink;
  readonly emr: EmrSimulator;
  readonly markers: MarkerWriter;
  readonly functions: {
    readonly scheduler: LocalFunction;
    readonly sweeper: LocalFunction;
    readonly provisioner: LocalFunction;
    readonly terminator: LocalFunction;
    readonly registry: LocalFunction;
    /** EventBridge → completion: the services' state-change events of jobs with completion "events" become their markers (docs/completion.md). */
    readonly completion: LocalFunction;
  };
  readonly markerTopic: LocalTopic;
  /** The sweeper's p95 durations, shared with the simulation's planning of sweeps (so both predict alike). */
  readonly estimates: DurationEstimates;
  /** DynamoDB requests made by the handlers, by operation. */
  readonly dynamoRequests = new RequestCounter();
  readonly clusterEventsTopic: LocalTopic;
  /** 'resumed' when a state directory held earlier state (rsched dev says so in its banner). */
  stateOrigin: StateOrigin = 'none';
  /** Writes the control planes' state now if a save is queued (on stop). */
  private flushState: () => void = () => {};

  private constructor(
    readonly options: LocalRuntimeOptions,
    private readonly dynamo: DynamoEmulator,
    private readonly s3: S3Emulator,
    private readonly controlPlane: JsonRpcServer,
    emr: EmrSimulator,
    markers: MarkerWriter,
    /** Every submit call that reached the simulated control planes. */
    readonly submissions: SubmissionLog,
  ) {
    const { dag, timeline, log } = options;
    this.emr = emr;
    this.markers = markers;
    this.endpoints = {
      region: LOCAL_REGION,
      s3: s3.endpoint,
      dynamodb: dynamo.endpoint,
      bucket: s3.bucket,
      controlPlane: controlPlane.endpoint,
      tables: { ...LOCAL_TABLES },
    };
    this.alerts = new CapturingAlertSink(options.onAlert);
    // The services whose requests stay in memory: the control planes', and DynamoDB's when the emulator is in this process.
    const controlPlaneServices: Service[] = ['emr', 'datapipeline', ...SIMULATED_SERVICES];
    const inProcess =
      options.transport === 'in-process' ? [...(dynamo.listener ? (['dynamodb'] as const) : []), ...controlPlaneServices] : undefined;
    const listener = (service: Service) => (service === 'dynamodb' ? (dynamo.listener as RequestListener) : controlPlane.listener);
    const fleet = awsFleetDeps(
      dag,
      { runsTable: LOCAL_TABLES.runs, clustersTable: LOCAL_TABLES.clusters, alertTopicArn: 'local', markerBucket: s3.bucket },
      log,
      { stackTag: LOCAL_STACK_TAG, serviceRole: 'EMR_DefaultRole', jobFlowRole: 'EMR_EC2_DefaultRole' },
      {
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
        endpoints: {
          dynamodb: dynamo.endpoint,
          s3: s3.endpoint,
          emr: controlPlane.endpoint,
          datapipeline: controlPlane.endpoint,
          ...Object.fromEntries(SIMULATED_SERVICES.map((service) => [service, controlPlane.endpoint])),
        },
        requestHandlers: inProcess
          ? Object.fromEntries(inProcess.map((service) => [service, new InProcessRequestHandler(listener(service))]))
          : undefined,
        signers: inProcess ? Object.fromEntries(inProcess.map((service) => [service, inProcessSigner])) : undefined,
        onDataPipelineCommand: tagWithRun,
        onLambdaCommand: tagWithRun,
        instrument: (client, service) => {
          // No client is given a logger, yet the SDK's logger middleware filters every input and output
          // for sensitive fields before handing them to its no-op logger: a few percent of a simulation.
          (client.middlewareStack as { remove(name: string): boolean }).remove('loggerMiddleware');
          if (service === 'dynamodb') this.dynamoRequests.attach(client);
        },
      },
    );
    // Like the Lambda: only the marker bucket and the marker topic are trusted (docs/threat-model.md).
    // Shadow jobs' markers come from the old scheduler: simulated here, over the store (docs/shadow.md#simulation).
    const observed = options.onRunEvent ? observeRunEvents(fleet.store, options.onRunEvent) : fleet.store;
    const store = withOldScheduler(observed, { dag, timeline, markers, overrides: options.overrides ?? NO_OVERRIDES });
    this.deps = {
      ...fleet,
      store,
      alerts: this.alerts,
      clock: timeline,
      trust: { bucket: s3.bucket, topicArn: localTopicArn(MARKER_TOPIC) },
    };
    this.backfills = fleet.backfills;
    this.estimates = new DurationEstimates(this.deps.store);
    const deadLetter = (letter: DeadLetter) => this.deadLetter(letter);
    const fn = (name: string, handler: (event: unknown) => Promise<unknown>) =>
      new LocalFunction(name, handler, timeline, deadLetter, options.onActivity);
    this.functions = {
      scheduler: fn('scheduler', makeSchedulerHandler(this.deps)),
      sweeper: fn('sweeper', makeSweeperHandler(this.deps, fleet.backfills, this.estimates)),
      provisioner: fn('provisioner', makeProvisionerHandler(this.deps)),
      terminator: fn('terminator', makeTerminatorHandler(this.deps)),
      registry: fn('registry', makeRegistryHandler(this.deps)),
      completion: fn(
        'completion',
        makeCompletionHandler({
          dag,
          store: this.deps.store,
          clock: timeline,
          log,
          markers: (fleet.completion as NonNullable<typeof fleet.completion>).markers,
        }),
      ),
    };
    this.markerTopic = new LocalTopic(MARKER_TOPIC, timeline, options.markerDelivery ?? EXACT_DELIVERY);
    this.markerTopic.subscribe((event) => this.functions.scheduler.invoke(event));
    // EventBridge takes a moment: EMR's first event lands after RunJobFlow has answered.
    this.clusterEventsTopic = new LocalTopic('rsched-cluster-events', timeline, { duplicates: 1, jitterMs: 0, latencyMs: 2_000 });
    this.clusterEventsTopic.subscribe((event) => this.functions.registry.invoke(event));
    s3.onNotification((record) => this.markerTopic.publish(JSON.stringify({ Records: [record] })));
  }

  static async start(options: LocalRuntimeOptions): Promise<LocalRuntime> {
    const stateDir = options.stateDir;
    if (stateDir) mkdirSync(stateDir, { recursive: true });
    const hadState = stateDir !== undefined && existsSync(join(stateDir, 'dynamodb'));
    const dynamo = await startDynamoEmulator(options.dynamo ?? 'dynalite', {
      ...(stateDir && (options.dynamo ?? 'dynalite') === 'dynalite' ? { path: join(stateDir, 'dynamodb') } : {}),
      port: options.ports?.dynamodb,
    });
    const client = dynamo.client();
    await createTables(client, LOCAL_TABLES);
    client.destroy();
    const s3 = await startS3Emulator({
      bucket: LOCAL_BUCKET,
      clock: options.timeline,
      ...(stateDir ? { directory: join(stateDir, 's3') } : {}),
      port: options.ports?.s3,
    });
    const markers = new MarkerWriter(s3.endpoint, s3.bucket);
    const overrides = options.overrides ?? NO_OVERRIDES;
    const submissions = new SubmissionLog();
    let runtime: LocalRuntime | undefined;
    // The control planes' state lives beside the emulators' (docs/local.md#dev): saved after every change.
    const stateFile = stateDir ? new ControlPlaneStateFile(join(stateDir, CONTROL_PLANE_FILE)) : undefined;
    let restoring = true;
    let saveQueued = false;
    const saveNow = () => {
      saveQueued = false;
      stateFile?.save({
        version: 1,
        emr: emr.snapshot(),
        dataPipeline: dp.snapshot(),
        submissions: submissions.snapshot(),
        services: services.snapshot(),
      });
    };
    // The changes of one burst (a cluster event and the steps it starts) are written once, on the next turn of the event loop.
    const save = () => {
      if (!stateFile || restoring || saveQueued) return;
      saveQueued = true;
      setImmediate(() => {
        if (saveQueued) saveNow();
      });
    };
    const emr = new EmrSimulator({
      dag: options.dag,
      timeline: options.timeline,
      overrides,
      markers,
      submissions,
      emit: (event) => runtime?.emitEmrEvent(event),
      onChange: save,
    });
    const dp = new DataPipelineSimulator({
      dag: options.dag,
      timeline: options.timeline,
      overrides,
      markers,
      submissions,
      onChange: save,
    });
    const services = new ServiceSimulators({
      dag: options.dag,
      timeline: options.timeline,
      overrides,
      markers,
      submissions,
      emit: (event) => runtime?.deliverCompletionEvent(event),
      onChange: save,
    });
    const saved = stateFile?.load();
    if (saved) {
      submissions.restore(saved.submissions);
      emr.restore(saved.emr);
      dp.restore(saved.dataPipeline);
      services.restore(saved.services);
    } else if (hadState) {
      // State saved before the control planes' was: the registry may hold ids from 1 up; start far above them.
      emr.seedCounter(Math.floor(options.timeline.now().getTime() / 1000));
    }
    restoring = false;
    if (stateFile) saveNow();
    const controlPlane = await startJsonRpcServer(
      { ...emr.operations(), ...dp.operations(), ...services.operations() },
      options.ports?.controlPlane,
    );
    runtime = new LocalRuntime(options, dynamo, s3, controlPlane, emr, markers, submissions);
    runtime.flushState = () => {
      if (saveQueued) saveNow();
    };
    runtime.stateOrigin = stateDir ? (hadState ? 'resumed' : 'new') : 'none';
    return runtime;
  }

  private opsContext: OpsContext | undefined;

  /** What operator commands and the web UI use, over the same emulators. */
  ops(): OpsContext {
    this.opsContext ??= {
      deps: this.deps,
      registry: this.deps.registry,
      backfills: this.backfills,
      bucket: new S3MarkerBucket(localS3Client(this.endpoints.s3), this.endpoints.bucket),
    };
    return this.opsContext;
  }

  /**
   * What EMR sends to EventBridge: every event to the cluster-events topic (the
   * registry), and — like the stack's completion rule — step events to the
   * completion function directly, a moment later (EventBridge's delivery).
   */
  emitEmrEvent(event: EmrEventEnvelope): void {
    this.clusterEventsTopic.publish(JSON.stringify(event));
    if (event['detail-type'] === 'EMR Step Status Change') this.deliverCompletionEvent(event);
  }

  /**
   * What the stack's completion rules do with a service's state-change event
   * (EMR steps, and the EMR Serverless, Glue and Step Functions simulators):
   * hand it to the completion function a moment later — unless the fault
   * injection loses it, as EventBridge's best-effort delivery may.
   */
  deliverCompletionEvent(event: ServiceEventEnvelope): void {
    if (this.options.dropCompletionEvent?.(event) || this.losesEvent(event)) return;
    const at = new Date(this.options.timeline.now().getTime() + EVENTBRIDGE_LATENCY_MS);
    this.options.timeline.schedule(at, 'eventbridge completion', async () => this.functions.completion.invoke(event));
  }

  /** `rsched simulate --lose-event JOB`: the event of a submission of that job is lost. */
  private losesEvent(event: ServiceEventEnvelope): boolean {
    const lost = this.options.overrides?.loseEvents;
    if (!lost || lost.size === 0) return false;
    const change = parseServiceEvent(event);
    if (change.kind !== 'state-change') return false;
    const job = this.submissions.all.find((s) => s.submissionId === change.submissionId)?.job;
    return job !== undefined && lost.has(job);
  }

  private async deadLetter(letter: DeadLetter): Promise<void> {
    this.deadLetters.push(letter);
    await raiseAlert(this.deps, {
      kind: AlertKind.DEAD_LETTER,
      date: runDateIn(new Date(letter.at), 'UTC'),
      subject: `${letter.functionName}#${letter.at}`,
      message: `an event for ${letter.functionName} failed 3 times and was dead-lettered: ${letter.error}`,
      next: "Fix the cause, then redrive it (in AWS: the function's dead-letter queue); `rsched reconcile --date D` repairs missed markers.",
    });
  }

  async stop(): Promise<void> {
    this.flushState();
    await this.controlPlane.stop();
    await this.s3.stop();
    await this.dynamo.stop();
  }
}
