import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ActivatePipelineCommand, DataPipelineClient } from '@aws-sdk/client-data-pipeline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EMRClient } from '@aws-sdk/client-emr';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { documentClient } from '../adapters/aws/clients';
import { DataPipelineSubmitter } from '../adapters/aws/datapipeline-submitter';
import { DynamoClusterRegistry } from '../adapters/aws/dynamodb-cluster-registry';
import { DynamoRunStore } from '../adapters/aws/dynamodb-run-store';
import { AwsEmrControl, type FleetSettings } from '../adapters/aws/emr-control';
import { EmrStepSubmitter } from '../adapters/aws/emr-step-submitter';
import { RoutingSubmitter } from '../adapters/aws/routing-submitter';
import { S3MarkerReader } from '../adapters/aws/s3-marker-reader';
import { SnsAlertSink } from '../adapters/aws/sns-alert-sink';
import { CONFIG_BUNDLE_FILE, dagFromBundle } from '../domain/config/bundle';
import type { Dag } from '../domain/config/dag';
import { DEFAULT_TUNING, type EngineDeps } from '../engine/deps';
import type { FleetDeps } from '../engine/fleet/deps';
import { systemClock } from '../ports/clock';
import type { Log } from '../ports/log';
import type { SubmitRequest } from '../ports/submitter';
import { ENV, optionalIntEnv, requireEnv } from './env';

/** Client settings for every AWS client the engine makes: endpoints differ only in local mode. */
export interface ClientSettings {
  readonly region?: string;
  /** Per-service endpoint overrides (the embedded emulators in `rsched dev`). */
  readonly endpoints?: Partial<Record<'dynamodb' | 's3' | 'sns' | 'emr' | 'datapipeline', string>>;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Per-service request handlers replacing HTTP (the simulator's in-process transport). */
  readonly requestHandlers?: Partial<Record<Service, unknown>>;
  /** Sees each ActivatePipeline command (the local runtime tags it with its run). */
  readonly onDataPipelineCommand?: (command: ActivatePipelineCommand, request: SubmitRequest) => void;
  /** Hook for every client made (the local runtime tags submit calls with their run, and counts requests). */
  readonly instrument?: (client: InstrumentableClient, service: Service) => void;
}

type Service = keyof NonNullable<ClientSettings['endpoints']>;
export type InstrumentableClient = DynamoDBClient | S3Client | SNSClient | EMRClient | DataPipelineClient;

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

export interface AwsResources {
  readonly runsTable: string;
  readonly clustersTable: string;
  readonly alertTopicArn: string;
  readonly retentionDays?: number;
}

/** The engine wired to AWS (or, with endpoint overrides, to the local emulators). */
export function awsEngineDeps(dag: Dag, resources: AwsResources, log: Log, settings: ClientSettings = {}): EngineDeps {
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
  return {
    dag,
    store: new DynamoRunStore(doc, { tableName: resources.runsTable, retentionDays: resources.retentionDays }),
    submitter: new RoutingSubmitter({
      datapipeline: new DataPipelineSubmitter(
        instrumented(new DataPipelineClient(base(settings, 'datapipeline')), settings, 'datapipeline'),
        {
          onCommand: settings.onDataPipelineCommand,
        },
      ),
      'emr-step': new EmrStepSubmitter(instrumented(new EMRClient(base(settings, 'emr')), settings, 'emr')),
    }),
    alerts: new SnsAlertSink(instrumented(new SNSClient(base(settings, 'sns')), settings, 'sns'), resources.alertTopicArn),
    clusters: new DynamoClusterRegistry(doc, resources.clustersTable, dag),
    markers: new S3MarkerReader(s3),
    clock: systemClock,
    log,
    tuning: DEFAULT_TUNING,
  };
}

/** Cold start of a Lambda: config from the bundle, names from the environment. */
export function lambdaEngineDeps(log: Log, env: NodeJS.ProcessEnv = process.env): EngineDeps {
  const configFile = env[ENV.CONFIG_FILE] ?? join(__dirname, CONFIG_BUNDLE_FILE);
  const dag = dagFromBundle(readFileSync(configFile, 'utf8'));
  return awsEngineDeps(
    dag,
    {
      runsTable: requireEnv(ENV.RUNS_TABLE, env),
      clustersTable: requireEnv(ENV.CLUSTERS_TABLE, env),
      alertTopicArn: requireEnv(ENV.ALERT_TOPIC_ARN, env),
      retentionDays: optionalIntEnv(ENV.RETENTION_DAYS, 400, env),
    },
    log,
  );
}

/** The engine plus the fleet's registry and EMR control (provisioner, terminator, registry functions). */
export function awsFleetDeps(dag: Dag, resources: AwsResources, log: Log, fleet: FleetSettings, settings: ClientSettings = {}): FleetDeps {
  const engine = awsEngineDeps(dag, resources, log, settings);
  return {
    ...engine,
    registry: engine.clusters as DynamoClusterRegistry,
    emr: new AwsEmrControl(instrumented(new EMRClient(base(settings, 'emr')), settings, 'emr'), fleet),
  };
}
