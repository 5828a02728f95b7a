import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { documentClient, RequestCounter } from '../../lambdas/adapters/aws/clients';
import { DynamoRunStore } from '../../lambdas/adapters/aws/dynamodb-run-store';
import type { Dag } from '../../lambdas/domain/config/dag';
import { formatMarkerKey, type MarkerStatus } from '../../lambdas/domain/markers';
import type { RunDate } from '../../lambdas/domain/run-date';
import type { Run } from '../../lambdas/domain/runs/run';
import { DEFAULT_TUNING, type EngineDeps, type Tuning } from '../../lambdas/engine/deps';
import type { MarkerEvent } from '../../lambdas/engine/markers';
import type { TriggerEvent } from '../../lambdas/events/trigger-event';
import { makeSchedulerHandler } from '../../lambdas/handlers/scheduler';
import { createTables, type DynamoEmulator } from '../../lambdas/local/dynamodb-emulator';
import { ManualClock } from '../../lambdas/ports/clock';
import { silentLog } from '../../lambdas/ports/log';
import type { MarkerBucket } from '../../lambdas/ports/marker-bucket';
import { FixedClusters, MapMarkerReader, RecordingAlerts, RecordingSubmitter } from './fakes';

export const BUCKET = 'markers-test';

/** A cluster of pool `etl` that is up for the whole of 2026-11-22. */
export const ETL_CLUSTER = {
  id: 'j-1',
  name: 'etl-cluster',
  pools: ['etl'],
  masterIp: '10.0.0.1',
  windowStart: '2026-11-22T00:00:00Z',
  windowEnd: '2026-11-22T23:00:00Z',
} as const;

/** A marker bucket over the harness's marker reader: what `mark` writes, the scheduler reads. */
export function bucketOf(h: Pick<Harness, 'markers'>): MarkerBucket {
  return {
    bucket: BUCKET,
    read: (bucket, key) => h.markers.read(bucket, key),
    list: async () => [],
    write: async (key, body) => {
      h.markers.bodies.set(key, body);
    },
  };
}

export interface Harness {
  /** The DynamoDB client under the store: inject HTTP faults here (test/support/http-faults.ts). */
  readonly client: DynamoDBClient;
  readonly deps: EngineDeps;
  readonly store: DynamoRunStore;
  readonly clock: ManualClock;
  readonly submitter: RecordingSubmitter;
  readonly alerts: RecordingAlerts;
  readonly clusters: FixedClusters;
  readonly markers: MapMarkerReader;
  readonly counter: RequestCounter;
  readonly handler: ReturnType<typeof makeSchedulerHandler>;
  /** A marker event as S3 would send it; each call gets a higher sequencer for its key. */
  marker(job: string, date: string, status?: MarkerStatus, opts?: { body?: string; prefix?: string; sequencer?: string }): MarkerEvent;
  /** The SNS-wrapped S3 notification for some marker events, as the scheduler Lambda receives it. */
  snsEvent(...events: MarkerEvent[]): unknown;
  /** The run as stored now (a consistent read). */
  run(job: string, date: string): Promise<Run | undefined>;
  /** The same tables and fakes with some dependencies replaced (another DAG, a faulty store), and a handler over them. */
  variant(parts: Partial<EngineDeps>): { deps: EngineDeps; handler: ReturnType<typeof makeSchedulerHandler> };
}

/** What EventBridge Scheduler sends when a root job's schedule fires for `date` (00:00 UTC). */
export function triggerEvent(job: string, date: string): TriggerEvent {
  return { source: 'rsched.trigger', job, scheduledTime: `${date}T00:00:00.000Z` };
}

/** Engine dependencies on fresh tables of a running emulator, with recording fakes at the edges. */
export async function createHarness(
  emulator: DynamoEmulator,
  dag: Dag,
  opts: { start?: string; tuning?: Partial<Tuning> } = {},
): Promise<Harness> {
  const client = emulator.client();
  const counter = new RequestCounter().attach(client);
  const tables = { runs: `runs-${randomUUID()}`, clusters: `clusters-${randomUUID()}` };
  await createTables(client, tables);
  const store = new DynamoRunStore(documentClient(client), { tableName: tables.runs });
  const clock = new ManualClock(opts.start ?? '2026-11-22T00:00:00.000Z');
  const submitter = new RecordingSubmitter();
  const alerts = new RecordingAlerts();
  const clusters = new FixedClusters();
  const markers = new MapMarkerReader();
  const deps: EngineDeps = {
    dag,
    store,
    submitter,
    alerts,
    clusters,
    markers,
    clock,
    log: silentLog,
    // Tests use run dates far from the harness clock; the marker date window has its own tests.
    tuning: { ...DEFAULT_TUNING, markerDaysBack: 100_000, markerDaysAhead: 100_000, ...opts.tuning },
  };
  const sequencers = new Map<string, number>();
  return {
    client,
    deps,
    store,
    clock,
    submitter,
    alerts,
    clusters,
    markers,
    counter,
    handler: makeSchedulerHandler(deps),
    run: (job, date) => store.get({ job, date: date as RunDate }),
    variant(parts) {
      const changed = { ...deps, ...parts };
      return { deps: changed, handler: makeSchedulerHandler(changed) };
    },
    marker(job, date, status = 'done', o = {}) {
      const key = formatMarkerKey(job, date as RunDate, status, o.prefix ?? 'markers/');
      const seq = (sequencers.get(key) ?? 0) + 1;
      sequencers.set(key, seq);
      // The object exists in the bucket, as S3 would have it when it sends the event.
      markers.bodies.set(key, o.body ?? '');
      return {
        bucket: BUCKET,
        key,
        size: Buffer.byteLength(o.body ?? ''),
        eventTime: clock.now().toISOString(),
        sequencer: o.sequencer ?? seq.toString(16).toUpperCase().padStart(16, '0'),
      };
    },
    snsEvent(...events) {
      return {
        Records: [
          {
            EventSource: 'aws:sns',
            Sns: {
              MessageId: randomUUID(),
              Message: JSON.stringify({
                Records: events.map((e) => ({
                  eventVersion: '2.1',
                  eventSource: 'aws:s3',
                  eventName: 'ObjectCreated:Put',
                  eventTime: e.eventTime,
                  s3: {
                    bucket: { name: e.bucket, arn: `arn:aws:s3:::${e.bucket}` },
                    object: {
                      key: encodeURIComponent(e.key).replace(/%2F/g, '/').replace(/%20/g, '+'),
                      size: e.size,
                      sequencer: e.sequencer,
                    },
                  },
                })),
              }),
            },
          },
        ],
      };
    },
  };
}
