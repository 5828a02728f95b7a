import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeClusterCommand, EMRClient, ListInstancesCommand, ListStepsCommand, RunJobFlowCommand } from '@aws-sdk/client-emr';
import { mockClient } from 'aws-sdk-client-mock';
import { documentClient } from '../../lambdas/adapters/aws/clients';
import { DynamoClusterRegistry } from '../../lambdas/adapters/aws/dynamodb-cluster-registry';
import { DynamoRunStore } from '../../lambdas/adapters/aws/dynamodb-run-store';
import { AwsEmrControl, type FleetSettings } from '../../lambdas/adapters/aws/emr-control';
import { EmrStepSubmitter } from '../../lambdas/adapters/aws/emr-step-submitter';
import { RoutingSubmitter } from '../../lambdas/adapters/aws/routing-submitter';
import type { Dag } from '../../lambdas/domain/config/dag';
import { TAG_CLUSTER, TAG_STACK, TAG_WINDOW } from '../../lambdas/domain/fleet/cluster-tags';
import type { Run } from '../../lambdas/domain/runs/run';
import { DEFAULT_TUNING } from '../../lambdas/engine/deps';
import type { FleetDeps } from '../../lambdas/engine/fleet/deps';
import { EMR_DETAIL_TYPES } from '../../lambdas/events/emr-event';
import type { FleetEvent } from '../../lambdas/events/fleet-event';
import { makeProvisionerHandler, makeRegistryHandler, makeTerminatorHandler } from '../../lambdas/handlers/fleet';
import { makeSchedulerHandler } from '../../lambdas/handlers/scheduler';
import { createTables, type DynamoEmulator } from '../../lambdas/local/dynamodb-emulator';
import { ManualClock } from '../../lambdas/ports/clock';
import type { ClusterWindowRecord } from '../../lambdas/ports/cluster-registry';
import { silentLog } from '../../lambdas/ports/log';
import { MapMarkerReader, RecordingAlerts, RecordingSubmitter } from './fakes';

/** What the fleet functions get from the stack's environment in these tests. */
export const FLEET_SETTINGS: FleetSettings = {
  stackTag: 'Rsched',
  serviceRole: 'rsched-emr-service',
  jobFlowRole: 'rsched-emr-instance',
  subnetId: 'subnet-0abc1234',
  logUri: 's3://rsched-logs/emr/',
};

/** The fleet of these tests: `nightly-etl` 00:00–03:00 UTC (grace 20), `berlin-adhoc` 08:00–18:00 Europe/Berlin. */
export const FLEET_CONFIG = {
  clusters: [
    {
      name: 'nightly-etl',
      pools: ['etl'],
      start: '0 0 * * *',
      stop: '0 3 * * *',
      releaseLabel: 'emr-7.5.0',
      applications: ['Spark', 'Presto'],
      instances: {
        master: 'm5.xlarge',
        core: { type: 'r5.2xlarge', count: 99 },
        task: { type: 'r5.2xlarge', count: 20, market: 'SPOT' },
      },
      stepConcurrency: 20,
      graceMinutes: 20,
      tags: { team: 'data' },
    },
    {
      name: 'berlin-adhoc',
      pools: ['adhoc'],
      start: '0 8 * * *',
      stop: '0 18 * * *',
      timezone: 'Europe/Berlin',
      releaseLabel: 'emr-7.5.0',
      instances: { master: 'm5.2xlarge' },
    },
  ],
} as const;

export interface FleetHarness {
  readonly deps: FleetDeps;
  readonly registry: DynamoClusterRegistry;
  readonly store: DynamoRunStore;
  readonly clock: ManualClock;
  readonly alerts: RecordingAlerts;
  /** The DynamoDB client under the registry and the run store (for HTTP fault injection). */
  readonly dynamo: DynamoDBClient;
  /** The EMR client of every fleet adapter and the step submitter, mocked (aws-sdk-client-mock). */
  readonly emr: ReturnType<typeof mockClient>;
  readonly provisioner: ReturnType<typeof makeProvisionerHandler>;
  readonly terminator: ReturnType<typeof makeTerminatorHandler>;
  readonly registryHandler: ReturnType<typeof makeRegistryHandler>;
  readonly scheduler: ReturnType<typeof makeSchedulerHandler>;
  /** Inputs of every command of one type sent to EMR, in order. */
  calls<C extends abstract new (...args: never[]) => { readonly input: object }>(command: C): InstanceType<C>['input'][];
  /** The window record of a cluster (a consistent read). */
  window(name: string, windowStart: string): Promise<ClusterWindowRecord | undefined>;
  run(job: string, date: string): Promise<Run | undefined>;
}

/**
 * Fleet dependencies as the Lambdas build them — DynamoDB registry and run
 * store (on fresh tables of a running emulator), AwsEmrControl and the EMR
 * step submitter — with EMR mocked and alerts recorded. EMR answers only
 * what a test sets up with `h.emr.on(...)`.
 */
export async function createFleetHarness(
  emulator: DynamoEmulator,
  dag: Dag,
  opts: { start?: string; settings?: FleetSettings } = {},
): Promise<FleetHarness> {
  const dynamo = emulator.client();
  const tables = { runs: `runs-${randomUUID()}`, clusters: `clusters-${randomUUID()}` };
  await createTables(dynamo, tables);
  const doc = documentClient(dynamo);
  const client = new EMRClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const emr = mockClient(client);
  const store = new DynamoRunStore(doc, { tableName: tables.runs });
  const registry = new DynamoClusterRegistry(doc, tables.clusters, dag);
  const clock = new ManualClock(opts.start ?? '2026-11-22T00:00:00.000Z');
  const alerts = new RecordingAlerts();
  const deps: FleetDeps = {
    dag,
    store,
    submitter: new RoutingSubmitter({ 'emr-step': new EmrStepSubmitter(client), datapipeline: new RecordingSubmitter() }),
    alerts,
    clusters: registry,
    markers: new MapMarkerReader(),
    clock,
    log: silentLog,
    tuning: { ...DEFAULT_TUNING, submitBackoffBaseMs: 1, submitBackoffCapMs: 1 },
    registry,
    emr: new AwsEmrControl(client, opts.settings ?? FLEET_SETTINGS),
  };
  return {
    deps,
    registry,
    store,
    clock,
    alerts,
    dynamo,
    emr,
    provisioner: makeProvisionerHandler(deps),
    terminator: makeTerminatorHandler(deps),
    registryHandler: makeRegistryHandler(deps),
    scheduler: makeSchedulerHandler(deps),
    calls: (command) => emr.commandCalls(command as never).map((c) => c.args[0].input as never),
    window: async (name, windowStart) => (await registry.listWindows(name, windowStart, windowStart))[0],
    run: (job, date) => store.get({ job, date: date as never }),
  };
}

/** What a cluster's start or stop schedule sends (EventBridge Scheduler's `<aws.scheduler.scheduled-time>`). */
export function windowEvent(action: 'start' | 'stop', cluster: string, scheduledTime: string): FleetEvent {
  return { source: 'rsched.fleet', action, cluster, scheduledTime };
}

/** An EventBridge EMR event as the registry receives it: wrapped in an SNS notification of the cluster-events topic. */
export function emrSnsEvent(detailType: string, detail: Record<string, unknown>, time = '2026-11-22T00:00:00Z'): unknown {
  const event = {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: 'aws.emr',
    account: '123456789012',
    time,
    region: 'us-east-1',
    resources: [],
    detail,
  };
  return { Records: [{ EventSource: 'aws:sns', Sns: { MessageId: randomUUID(), Message: JSON.stringify(event) } }] };
}

/** "EMR Cluster State Change"; `stateChangeReason` is a JSON-encoded string, as EMR sends it. */
export function clusterStateEvent(clusterId: string, state: string, reason?: { code: string; message: string }): unknown {
  return emrSnsEvent(EMR_DETAIL_TYPES.cluster, {
    severity: state === 'TERMINATED_WITH_ERRORS' ? 'CRITICAL' : 'INFO',
    stateChangeReason: JSON.stringify(reason ?? {}),
    name: 'rsched-nightly-etl-20261122T0000',
    clusterId,
    state,
    message: `Amazon EMR cluster ${clusterId} is ${state}`,
  });
}

/** "EMR Step Status Change". */
export function stepStatusEvent(clusterId: string, stepId: string, name: string, state: string, time?: string): unknown {
  return emrSnsEvent(
    EMR_DETAIL_TYPES.step,
    { severity: 'ERROR', actionOnFailure: 'CONTINUE', stepId, name, clusterId, state, message: `Step ${stepId} (${name}) is ${state}` },
    time,
  );
}

/** The tags AwsEmrControl puts on the cluster of a window. */
export function windowTags(cluster: string, windowStart: string, stackTag = FLEET_SETTINGS.stackTag) {
  return [
    { Key: TAG_STACK, Value: stackTag },
    { Key: TAG_CLUSTER, Value: cluster },
    { Key: TAG_WINDOW, Value: windowStart },
  ];
}

/** EMR answers: RunJobFlow → `clusterId`; the master at `ip`, its DNS name from DescribeCluster; no failed steps. */
export function answerLaunch(h: FleetHarness, clusterId: string, ip = '10.0.3.17'): void {
  h.emr
    .on(RunJobFlowCommand)
    .resolves({ JobFlowId: clusterId, ClusterArn: `arn:aws:elasticmapreduce:us-east-1:123456789012:cluster/${clusterId}` });
  h.emr
    .on(ListInstancesCommand)
    .resolves({ Instances: [{ Id: 'ci-1', PrivateIpAddress: ip, PrivateDnsName: `ip-${ip.replaceAll('.', '-')}.ec2.internal` }] });
  h.emr.on(ListStepsCommand).resolves({ Steps: [] });
  h.emr.on(DescribeClusterCommand).resolves({
    Cluster: {
      Id: clusterId,
      Name: 'x',
      MasterPublicDnsName: `ip-${ip.replaceAll('.', '-')}.ec2.internal`,
      Status: { State: 'WAITING' },
    },
  });
}

/**
 * The nightly window (00:00–03:00) started by its schedule as cluster
 * j-1NIGHTLY (EMR answering as answerLaunch does), and READY at 00:09 when
 * `ready`; EMR's call history is cleared, so a test sees only its own calls.
 */
export async function nightlyLaunched(emulator: DynamoEmulator, dag: Dag, opts: { ready?: boolean } = {}): Promise<FleetHarness> {
  const h = await createFleetHarness(emulator, dag, { start: '2026-11-22T00:00:02.000Z' });
  answerLaunch(h, 'j-1NIGHTLY');
  await h.provisioner(windowEvent('start', 'nightly-etl', '2026-11-22T00:00:00Z'));
  if (opts.ready) {
    h.clock.set('2026-11-22T00:09:00.000Z');
    await h.registryHandler(clusterStateEvent('j-1NIGHTLY', 'WAITING'));
  }
  h.emr.resetHistory();
  return h;
}
