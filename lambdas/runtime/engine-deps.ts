import { DynamoBackfillStore } from '../adapters/aws/dynamodb-backfill-store';
import { DynamoClusterRegistry } from '../adapters/aws/dynamodb-cluster-registry';
import { DynamoRunStore } from '../adapters/aws/dynamodb-run-store';
import { loadOnce } from '../adapters/load-once';
import type { Dag } from '../domain/config/dag';
import { DEFAULT_TUNING, type EngineDeps } from '../engine/deps';
import type { BackfillStore } from '../ports/backfill-store';
import { systemClock } from '../ports/clock';
import type { Log } from '../ports/log';
import type { ClientSettings } from './client-settings';
import { dynamoDocuments } from './dynamo-documents';
import { lazyAlertSink, lazyMarkerReader, lazyMarkerSink } from './lazy-ports';
import { lazyTargets } from './lazy-targets';
import type { S3Markers } from './s3-markers';

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

export interface EngineParts {
  readonly engine: EngineDeps;
  readonly registry: DynamoClusterRegistry;
  readonly backfills: BackfillStore;
}

/**
 * The engine wired to AWS (or, with endpoint overrides, to the local
 * emulators). DynamoDB is built now; S3, SNS and each target's client when
 * first used, through `import()` (lazy-ports.ts), so a Lambda's cold start
 * loads only what its events need. A function whose every event needs S3
 * (the scheduler reads each marker) passes it in `built`, imported statically.
 */
export function awsEngineParts(
  dag: Dag,
  resources: AwsResources,
  log: Log,
  settings: ClientSettings = {},
  built: { readonly s3?: S3Markers } = {},
): EngineParts {
  const doc = dynamoDocuments(settings);
  const registry = new DynamoClusterRegistry(doc, resources.clustersTable, dag);
  const s3 = loadOnce(async () => built.s3 ?? (await import('./s3-markers.js')).s3Markers(settings));
  const targets = lazyTargets(settings);
  const markerBucket = resources.markerBucket;
  const engine: EngineDeps = {
    dag,
    store: new DynamoRunStore(doc, { tableName: resources.runsTable, retentionDays: resources.retentionDays }),
    submitter: targets.submitter,
    alerts: lazyAlertSink(loadOnce(async () => (await import('./sns-alerts.js')).snsAlertSink(settings, resources.alertTopicArn))),
    clusters: registry,
    markers: lazyMarkerReader(async () => (await s3()).reader),
    clock: systemClock,
    log,
    tuning: DEFAULT_TUNING,
    ...(markerBucket
      ? { completion: { markers: lazyMarkerSink(async () => (await s3()).bucket(markerBucket)), status: targets.status } }
      : {}),
  };
  return { engine, registry, backfills: new DynamoBackfillStore(doc, resources.runsTable) };
}

/** The engine's dependencies alone (tests, the local runtime): see awsEngineParts. */
export function awsEngineDeps(dag: Dag, resources: AwsResources, log: Log, settings: ClientSettings = {}): EngineDeps {
  return awsEngineParts(dag, resources, log, settings).engine;
}
