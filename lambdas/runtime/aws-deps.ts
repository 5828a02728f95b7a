import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ActivatePipelineCommand, DataPipelineClient } from '@aws-sdk/client-data-pipeline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EMRClient } from '@aws-sdk/client-emr';
import { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import { GlueClient } from '@aws-sdk/client-glue';
import { type InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { documentClient } from '../adapters/aws/clients';
import { DataPipelineSubmitter } from '../adapters/aws/datapipeline-submitter';
import { DynamoBackfillStore } from '../adapters/aws/dynamodb-backfill-store';
import { DynamoClusterRegistry } from '../adapters/aws/dynamodb-cluster-registry';
import { DynamoRunStore } from '../adapters/aws/dynamodb-run-store';
import { AwsEmrControl, type FleetSettings } from '../adapters/aws/emr-control';
import { EmrServerlessRunStatus } from '../adapters/aws/emr-serverless-run-status';
import { EmrServerlessSubmitter } from '../adapters/aws/emr-serverless-submitter';
import { EmrStepRunStatus } from '../adapters/aws/emr-step-run-status';
import { EmrStepSubmitter } from '../adapters/aws/emr-step-submitter';
import { GlueRunStatus } from '../adapters/aws/glue-run-status';
import { GlueSubmitter } from '../adapters/aws/glue-submitter';
import { LambdaSubmitter } from '../adapters/aws/lambda-submitter';
import { RoutingSubmitter } from '../adapters/aws/routing-submitter';
import { S3MarkerBucket } from '../adapters/aws/s3-marker-bucket';
import { S3MarkerReader } from '../adapters/aws/s3-marker-reader';
import { SEND_ONCE } from '../adapters/aws/send-once';
import { SnsAlertSink } from '../adapters/aws/sns-alert-sink';
import { StepFunctionsRunStatus } from '../adapters/aws/stepfunctions-run-status';
import { StepFunctionsSubmitter } from '../adapters/aws/stepfunctions-submitter';
import { CONFIG_BUNDLE_FILE, dagFromBundle } from '../domain/config/bundle';
import type { Dag } from '../domain/config/dag';
import { DEFAULT_TUNING, type EngineDeps } from '../engine/deps';
import type { FleetDeps } from '../engine/fleet/deps';
import type { CompletionHandlerDeps } from '../handlers/completion';
import type { BackfillStore } from '../ports/backfill-store';
import { systemClock } from '../ports/clock';
import type { ClusterRegistry } from '../ports/cluster-registry';
import type { Log } from '../ports/log';
import type { MarkerBucket } from '../ports/marker-bucket';
import { type RunStatusReader, RunStatusReaders } from '../ports/run-status';
import type { SubmitRequest, Submitter } from '../ports/submitter';
import { ENV, optionalIntEnv, requireEnv } from './env';

/** Client settings for every AWS client the engine makes: endpoints differ only in local mode. */
export interface ClientSettings {
  readonly region?: string;
  /** Per-service endpoint overrides (the embedded emulators in `rsched dev`). */
  readonly endpoints?: Partial<
    Record<'dynamodb' | 's3' | 'sns' | 'emr' | 'datapipeline' | 'emrserverless' | 'glue' | 'sfn' | 'lambda', string>
  >;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Per-service request handlers replacing HTTP (the simulator's in-process transport). */
  readonly requestHandlers?: Partial<Record<Service, unknown>>;
  /** Sees each ActivatePipeline command (the local runtime tags it with its run). */
  readonly onDataPipelineCommand?: (command: ActivatePipelineCommand, request: SubmitRequest) => void;
  /** Sees each Lambda Invoke command (the local runtime tags it with its run). */
  readonly onLambdaCommand?: (command: InvokeCommand, request: SubmitRequest) => void;
  /** Hook for every client made (the local runtime tags submit calls with their run, and counts requests). */
  readonly instrument?: (client: InstrumentableClient, service: Service) => void;
}

type Service = keyof NonNullable<ClientSettings['endpoints']>;
export type InstrumentableClient =
  | DynamoDBClient
  | S3Client
  | SNSClient
  | EMRClient
  | DataPipelineClient
  | EMRServerlessClient
  | GlueClient
  | SFNClient
  | LambdaClient;

function base(settings: ClientSettings, service: Service) {
  const endpoint = settings.endpoints?.[service];
  const requestHandler = settings.requestHandlers?.[service];
  return {
    ...(requestHandler ? { requestHandler: requestHandler as never } : {}),
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
}

function instrumented<C extends InstrumentableClient>(client: C, settings: ClientSettings, service: Service): C {
  settings.instrument?.(client, service);
  return client;
}

/**
 * The submitters of the targets that need no cluster (docs/targets.md). Step
 * Functions and EMR Serverless keep the SDK's retries: an execution name and a
 * client token make their start calls idempotent.
 */
function serviceSubmitters(settings: ClientSettings): Record<string, Submitter> {
  return {
    stepfunctions: new StepFunctionsSubmitter(instrumented(new SFNClient(base(settings, 'sfn')), settings, 'sfn')),
    // clientToken makes StartJobRun idempotent: the SDK's retries stay on.
    'emr-serverless': new EmrServerlessSubmitter(
      instrumented(new EMRServerlessClient(base(settings, 'emrserverless')), settings, 'emrserverless'),
    ),
    // StartJobRun has no token: sent once, looked up by its --rsched-run argument before any resend.
    // Invoke (Event) has no token and leaves nothing to look up: sent once; a maybe-applied call parks the run.
    lambda: new LambdaSubmitter(instrumented(new LambdaClient({ ...base(settings, 'lambda'), ...SEND_ONCE }), settings, 'lambda'), {
      onCommand: settings.onLambdaCommand,
    }),
    glue: new GlueSubmitter(instrumented(new GlueClient({ ...base(settings, 'glue'), ...SEND_ONCE }), settings, 'glue'), {
      readClient: instrumented(new GlueClient(base(settings, 'glue')), settings, 'glue'),
    }),
  };
}

/**
 * The status readers of every target type the sweeper can poll past
 * maxRuntimeMinutes (docs/completion.md): reads only, with the SDK's retries.
 */
function runStatusReaders(settings: ClientSettings): RunStatusReader[] {
  const emrServerless = instrumented(new EMRServerlessClient(base(settings, 'emrserverless')), settings, 'emrserverless');
  return [
    new EmrStepRunStatus(instrumented(new EMRClient(base(settings, 'emr')), settings, 'emr')),
    new GlueRunStatus(instrumented(new GlueClient(base(settings, 'glue')), settings, 'glue')),
    // Application names resolve as the submitter resolves them (ListApplications, cached).
    new EmrServerlessRunStatus(emrServerless, new EmrServerlessSubmitter(emrServerless)),
    new StepFunctionsRunStatus(instrumented(new SFNClient(base(settings, 'sfn')), settings, 'sfn')),
  ];
}

export interface AwsResources {
  readonly runsTable: string;
  readonly clustersTable: string;
  readonly alertTopicArn: string;
  readonly retentionDays?: number;
  /**
   * The marker bucket, where the scheduler writes the markers of jobs with
   * completion "events" (docs/completion.md). @default - no completion markers:
   * the sweeper times such runs out as before.
   */
  readonly markerBucket?: string;
}

interface AwsParts {
  readonly engine: EngineDeps;
  readonly registry: DynamoClusterRegistry;
  readonly backfills: BackfillStore;
  readonly s3: S3Client;
}

/** Every AWS client and adapter, built once. */
function awsParts(dag: Dag, resources: AwsResources, log: Log, settings: ClientSettings): AwsParts {
  const dynamo = instrumented(new DynamoDBClient(base(settings, 'dynamodb')), settings, 'dynamodb');
  const doc = documentClient(dynamo);
  const s3 = instrumented(
    new S3Client({
      ...base(settings, 's3'),
      forcePathStyle: settings.endpoints?.s3 !== undefined,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
    settings,
    's3',
  );
  const registry = new DynamoClusterRegistry(doc, resources.clustersTable, dag);
  // One status reader per target type that can be polled (docs/completion.md); a new target adds its class to runStatusReaders.
  const completion = resources.markerBucket
    ? {
        markers: new S3MarkerBucket(s3, resources.markerBucket),
        status: new RunStatusReaders(runStatusReaders(settings)),
      }
    : undefined;
  const engine: EngineDeps = {
    dag,
    store: new DynamoRunStore(doc, { tableName: resources.runsTable, retentionDays: resources.retentionDays }),
    // Submit calls have no idempotency token: sent once (SEND_ONCE), looked up by their reads before any resend.
    submitter: new RoutingSubmitter({
      datapipeline: new DataPipelineSubmitter(
        instrumented(new DataPipelineClient({ ...base(settings, 'datapipeline'), ...SEND_ONCE }), settings, 'datapipeline'),
        {
          readClient: instrumented(new DataPipelineClient(base(settings, 'datapipeline')), settings, 'datapipeline'),
          onCommand: settings.onDataPipelineCommand,
        },
      ),
      'emr-step': new EmrStepSubmitter(instrumented(new EMRClient({ ...base(settings, 'emr'), ...SEND_ONCE }), settings, 'emr'), {
        readClient: instrumented(new EMRClient(base(settings, 'emr')), settings, 'emr'),
      }),
      ...serviceSubmitters(settings),
    }),
    alerts: new SnsAlertSink(instrumented(new SNSClient(base(settings, 'sns')), settings, 'sns'), resources.alertTopicArn),
    clusters: registry,
    markers: new S3MarkerReader(s3),
    clock: systemClock,
    log,
    tuning: DEFAULT_TUNING,
    ...(completion ? { completion } : {}),
  };
  return { engine, registry, backfills: new DynamoBackfillStore(doc, resources.runsTable), s3 };
}

/** The engine wired to AWS (or, with endpoint overrides, to the local emulators). */
export function awsEngineDeps(dag: Dag, resources: AwsResources, log: Log, settings: ClientSettings = {}): EngineDeps {
  return awsParts(dag, resources, log, settings).engine;
}

/** What operator commands (CLI, web UI) work with: the engine, the registry, backfills and the bucket. */
export interface OpsContext {
  readonly deps: EngineDeps;
  readonly registry: ClusterRegistry;
  readonly backfills: BackfillStore;
  readonly bucket: MarkerBucket;
}

export function awsOpsContext(
  dag: Dag,
  resources: AwsResources & { readonly bucket: string },
  log: Log,
  settings: ClientSettings = {},
): OpsContext {
  const parts = awsParts(dag, resources, log, settings);
  return {
    deps: parts.engine,
    registry: parts.registry,
    backfills: parts.backfills,
    bucket: new S3MarkerBucket(parts.s3, resources.bucket),
  };
}

/** Cold start of a Lambda: the config from the bundle, resource names from the environment. */
function lambdaInputs(env: NodeJS.ProcessEnv): { dag: Dag; resources: AwsResources } {
  const configFile = env[ENV.CONFIG_FILE] ?? join(__dirname, CONFIG_BUNDLE_FILE);
  return {
    dag: dagFromBundle(readFileSync(configFile, 'utf8')),
    resources: {
      runsTable: requireEnv(ENV.RUNS_TABLE, env),
      clustersTable: requireEnv(ENV.CLUSTERS_TABLE, env),
      alertTopicArn: requireEnv(ENV.ALERT_TOPIC_ARN, env),
      retentionDays: optionalIntEnv(ENV.RETENTION_DAYS, 400, env),
      markerBucket: env[ENV.MARKER_BUCKET] || undefined,
    },
  };
}

/** The scheduler Lambda's dependencies; it trusts marker events only from its bucket, through its topic. */
export function lambdaEngineDeps(log: Log, env: NodeJS.ProcessEnv = process.env): EngineDeps {
  const { dag, resources } = lambdaInputs(env);
  const engine = awsEngineDeps(dag, resources, log);
  return {
    ...engine,
    tuning: {
      ...engine.tuning,
      markerDaysBack: optionalIntEnv(ENV.MARKER_DAYS_BACK, engine.tuning.markerDaysBack, env),
      markerDaysAhead: optionalIntEnv(ENV.MARKER_DAYS_AHEAD, engine.tuning.markerDaysAhead, env),
    },
    trust: { bucket: requireEnv(ENV.MARKER_BUCKET, env), topicArn: requireEnv(ENV.MARKER_TOPIC_ARN, env) },
  };
}

/** The sweeper Lambda's dependencies: the engine and the backfill records it advances. */
export function lambdaSweeperDeps(log: Log, env: NodeJS.ProcessEnv = process.env): { deps: EngineDeps; backfills: BackfillStore } {
  const { dag, resources } = lambdaInputs(env);
  const parts = awsParts(dag, resources, log, {});
  return { deps: parts.engine, backfills: parts.backfills };
}

/** The completion Lambda's dependencies: it reads runs and writes markers, nothing else (docs/completion.md). */
export function lambdaCompletionDeps(log: Log, env: NodeJS.ProcessEnv = process.env): CompletionHandlerDeps {
  const { dag, resources } = lambdaInputs(env);
  const engine = awsEngineDeps(dag, { ...resources, markerBucket: requireEnv(ENV.MARKER_BUCKET, env) }, log);
  if (!engine.completion) throw new Error(`environment variable ${ENV.MARKER_BUCKET} is not set`);
  return { dag, store: engine.store, clock: engine.clock, log, markers: engine.completion.markers };
}

/** The fleet Lambdas' (provisioner, terminator, registry) dependencies; EMR settings from the environment. */
export function lambdaFleetDeps(log: Log, env: NodeJS.ProcessEnv = process.env): FleetDeps {
  const { dag, resources } = lambdaInputs(env);
  return awsFleetDeps(dag, resources, log, {
    stackTag: requireEnv(ENV.STACK_TAG, env),
    serviceRole: requireEnv(ENV.EMR_SERVICE_ROLE, env),
    jobFlowRole: instanceProfilesFromEnv(env),
    subnetId: env[ENV.EMR_SUBNET_ID] || undefined,
    logUri: env[ENV.EMR_LOG_URI] || undefined,
    securityConfiguration: env[ENV.EMR_SECURITY_CONFIGURATION] || undefined,
  });
}

/** The shared instance profile, or the profile of each pool set (JSON written by the CDK app). Exported for tests. */
export function instanceProfilesFromEnv(env: NodeJS.ProcessEnv): FleetSettings['jobFlowRole'] {
  const byPools = env[ENV.EMR_INSTANCE_PROFILES];
  if (!byPools) return requireEnv(ENV.EMR_INSTANCE_PROFILE, env);
  const parsed: unknown = JSON.parse(byPools);
  if (typeof parsed !== 'object' || parsed === null || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw new Error(`${ENV.EMR_INSTANCE_PROFILES} must be a JSON object of instance profile names, got ${byPools}`);
  }
  return parsed as Record<string, string>;
}

/** The engine plus the fleet's registry and EMR control (provisioner, terminator, registry functions). */
export function awsFleetDeps(
  dag: Dag,
  resources: AwsResources,
  log: Log,
  fleet: FleetSettings,
  settings: ClientSettings = {},
): FleetDeps & { readonly backfills: BackfillStore } {
  const parts = awsParts(dag, resources, log, settings);
  return {
    ...parts.engine,
    registry: parts.registry,
    emr: new AwsEmrControl(instrumented(new EMRClient(base(settings, 'emr')), settings, 'emr'), fleet),
    backfills: parts.backfills,
  };
}
