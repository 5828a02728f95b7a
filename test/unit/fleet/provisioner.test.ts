import {
  DescribeClusterCommand,
  EMRClient,
  InternalServerError,
  InvalidRequestException,
  ListClustersCommand,
  RunJobFlowCommand,
} from '@aws-sdk/client-emr';
import { describe, expect, it } from 'vitest';
import { AwsEmrControl, jobFlowRoleOf } from '../../../lambdas/adapters/aws/emr-control';
import { loadDag } from '../../../lambdas/domain/config/validate';
import { instanceProfilesFromEnv } from '../../../lambdas/runtime/fleet-deps';
import { useDynalite } from '../../support/dynalite';
import {
  answerLaunch,
  createFleetHarness,
  FLEET_CONFIG,
  FLEET_SETTINGS,
  type FleetHarness,
  windowEvent,
  windowTags,
} from '../../support/fleet-harness';

/** "Service role for Amazon EMR (EMR role)": the v2 managed policy needs this tag on the cluster request. */
const MANAGED_POLICY_TAG = { Key: 'for-use-with-amazon-emr-managed-policies', Value: 'true' };
const dag = loadDag([{ path: 'clusters.json', text: JSON.stringify(FLEET_CONFIG) }]);
const START = '2026-11-22T00:00:00.000Z';
const start = windowEvent('start', 'nightly-etl', '2026-11-22T00:00:00Z');
const LIVE_STATES = ['STARTING', 'BOOTSTRAPPING', 'RUNNING', 'WAITING'];

const emulator = useDynalite();

async function harness(at = '2026-11-22T00:00:04.000Z'): Promise<FleetHarness> {
  return createFleetHarness(emulator(), dag, { start: at });
}

/** The nightly window, claimed at its start by an invocation that then died (or is still at work); the clock at `now`. */
async function deadClaim(now: string): Promise<FleetHarness> {
  const h = await harness();
  await h.registry.claimWindow({
    name: 'nightly-etl',
    windowStart: START,
    windowEnd: '2026-11-22T03:00:00.000Z',
    pools: ['etl'],
    claimedAt: START,
  });
  h.clock.set(now);
  return h;
}

describe('the provisioner at a cluster start', () => {
  it("sends one RunJobFlow built from the cluster's config, tagged with the stack, the cluster and the window", async () => {
    const h = await harness();
    answerLaunch(h, 'j-1NIGHTLY');
    expect(await h.provisioner(start)).toEqual({ cluster: 'nightly-etl', outcome: 'launched' });
    expect(h.calls(RunJobFlowCommand)).toEqual([
      {
        Name: 'rsched-nightly-etl-20261122T0000',
        ReleaseLabel: 'emr-7.5.0',
        Applications: [{ Name: 'Spark' }, { Name: 'Presto' }],
        Instances: {
          InstanceGroups: [
            { Name: 'master', InstanceRole: 'MASTER', InstanceType: 'm5.xlarge', InstanceCount: 1, Market: 'ON_DEMAND' },
            { Name: 'core', InstanceRole: 'CORE', InstanceType: 'r5.2xlarge', InstanceCount: 99, Market: 'ON_DEMAND' },
            { Name: 'task', InstanceRole: 'TASK', InstanceType: 'r5.2xlarge', InstanceCount: 20, Market: 'SPOT' },
          ],
          KeepJobFlowAliveWhenNoSteps: true,
          TerminationProtected: false,
          Ec2SubnetId: 'subnet-0abc1234',
        },
        StepConcurrencyLevel: 20,
        ServiceRole: 'rsched-emr-service',
        JobFlowRole: 'rsched-emr-instance',
        VisibleToAllUsers: true,
        LogUri: 's3://rsched-logs/emr/',
        // The safety net if the terminator never runs: the window (3 h) plus its grace (20 min).
        AutoTerminationPolicy: { IdleTimeout: 3 * 3600 + 20 * 60 },
        // AmazonEMRServicePolicy_v2 acts only for requests carrying for-use-with-amazon-emr-managed-policies=true.
        Tags: [...windowTags('nightly-etl', START), { Key: 'team', Value: 'data' }, MANAGED_POLICY_TAG],
      },
    ]);
    // RunJobFlow is the only EMR call: nothing was looked up first.
    expect(h.emr.calls()).toHaveLength(1);
    expect(await h.window('nightly-etl', START)).toMatchObject({
      name: 'nightly-etl',
      windowStart: START,
      windowEnd: '2026-11-22T03:00:00.000Z',
      pools: ['etl'],
      state: 'STARTING',
      clusterId: 'j-1NIGHTLY',
      claimedAt: '2026-11-22T00:00:04.000Z',
    });
    expect((await h.registry.findByClusterId('j-1NIGHTLY'))?.windowStart).toBe(START);
  });

  it("opens the window in the cluster's time zone: 08:00 Europe/Berlin to 18:00, no subnet or log URI when none is set", async () => {
    const h = await createFleetHarness(emulator(), dag, {
      start: '2026-11-22T07:00:01.000Z',
      settings: { stackTag: 'Rsched', serviceRole: 'svc', jobFlowRole: 'nodes' },
    });
    answerLaunch(h, 'j-BERLIN');
    await h.provisioner(windowEvent('start', 'berlin-adhoc', '2026-11-22T07:00:00Z'));
    const [input] = h.calls(RunJobFlowCommand);
    expect(input).toMatchObject({
      Name: 'rsched-berlin-adhoc-20261122T0700',
      Applications: [{ Name: 'Spark' }],
      Instances: {
        InstanceGroups: [{ Name: 'master', InstanceRole: 'MASTER', InstanceType: 'm5.2xlarge', InstanceCount: 1, Market: 'ON_DEMAND' }],
        KeepJobFlowAliveWhenNoSteps: true,
      },
      StepConcurrencyLevel: 10,
      ServiceRole: 'svc',
      JobFlowRole: 'nodes',
      AutoTerminationPolicy: { IdleTimeout: 10 * 3600 + 30 * 60 },
      Tags: [...windowTags('berlin-adhoc', '2026-11-22T07:00:00.000Z'), MANAGED_POLICY_TAG],
    });
    expect(input?.Instances).not.toHaveProperty('Ec2SubnetId');
    expect(input).not.toHaveProperty('LogUri');
    expect((await h.window('berlin-adhoc', '2026-11-22T07:00:00.000Z'))?.windowEnd).toBe('2026-11-22T17:00:00.000Z');
  });
});

describe('the instance profile of a cluster (docs/fleet.md, "Roles")', () => {
  it('launches each cluster with the node role of the pools it serves, when the stack created one per pool set', async () => {
    const h = await createFleetHarness(emulator(), dag, {
      start: '2026-11-22T07:00:01.000Z',
      settings: { stackTag: 'Rsched', serviceRole: 'svc', jobFlowRole: { adhoc: 'nodes-adhoc', etl: 'nodes-etl' } },
    });
    answerLaunch(h, 'j-BERLIN');
    await h.provisioner(windowEvent('start', 'berlin-adhoc', '2026-11-22T07:00:00Z'));
    expect(h.calls(RunJobFlowCommand)[0]).toMatchObject({ JobFlowRole: 'nodes-adhoc' });
  });

  it('refuses to launch a cluster whose pools have no node role (a config newer than the deployed stack)', () => {
    const cluster = dag.clusters.get('berlin-adhoc');
    if (!cluster) throw new Error('fixture lacks berlin-adhoc');
    expect(() => jobFlowRoleOf(cluster, { stackTag: 'Rsched', serviceRole: 'svc', jobFlowRole: { etl: 'nodes-etl' } })).toThrow(
      /no instance profile for pools "adhoc" of cluster berlin-adhoc: .*cdk deploy/,
    );
  });

  it('reads the profiles from the environment the CDK app writes: one shared name, or JSON per pool set', () => {
    expect(instanceProfilesFromEnv({ RSCHED_EMR_INSTANCE_PROFILE: 'EMR_EC2_DefaultRole' })).toBe('EMR_EC2_DefaultRole');
    expect(instanceProfilesFromEnv({ RSCHED_EMR_INSTANCE_PROFILES: '{"etl":"p-etl","adhoc+etl":"p-both"}' })).toEqual({
      etl: 'p-etl',
      'adhoc+etl': 'p-both',
    });
    expect(() => instanceProfilesFromEnv({ RSCHED_EMR_INSTANCE_PROFILES: '{"etl":1}' })).toThrow(
      /must be a JSON object of instance profile names/,
    );
    expect(() => instanceProfilesFromEnv({})).toThrow(/RSCHED_EMR_INSTANCE_PROFILE/);
  });
});

describe('provisioning is idempotent: one cluster per window', () => {
  it('creates nothing when invoked again for the same window', async () => {
    const h = await harness();
    answerLaunch(h, 'j-1NIGHTLY');
    await h.provisioner(start);
    h.clock.advance(90_000);
    expect(await h.provisioner(start)).toEqual({ cluster: 'nightly-etl', outcome: 'exists' });
    expect(h.calls(RunJobFlowCommand)).toHaveLength(1);
    expect(h.emr.calls()).toHaveLength(1);
  });

  it('launches once when two invocations for the window run at the same time', async () => {
    const h = await harness();
    answerLaunch(h, 'j-1NIGHTLY');
    const outcomes = await Promise.all([h.provisioner(start), h.provisioner(start), h.provisioner(start)]);
    // The losers see the claim either before or after the winner recorded the cluster id.
    expect(outcomes.filter((o) => o.outcome === 'launched')).toHaveLength(1);
    for (const o of outcomes) expect(['launched', 'in-progress', 'exists']).toContain(o.outcome);
    expect(h.calls(RunJobFlowCommand)).toHaveLength(1);
  });

  it('leaves a fresh claim alone: its invocation may still be waiting for RunJobFlow', async () => {
    const h = await deadClaim('2026-11-22T00:01:59.000Z');
    expect((await h.provisioner(start)).outcome).toBe('in-progress');
    expect(h.emr.calls()).toHaveLength(0);
  });

  it('resolves a claim left by a dead invocation by the tags of the clusters EMR lists, and launches nothing when one is found', async () => {
    const h = await deadClaim('2026-11-22T00:02:30.000Z');
    const name = 'rsched-nightly-etl-20261122T0000';
    h.emr.on(ListClustersCommand).resolves({
      Clusters: [
        { Id: 'j-STAGING', Name: name },
        { Id: 'j-OTHERSTACK', Name: name },
        { Id: 'j-UNRELATED', Name: 'analysts-sandbox' },
        { Id: 'j-LOST', Name: name },
      ],
    });
    h.emr
      .on(DescribeClusterCommand, { ClusterId: 'j-OTHERSTACK' })
      .resolves({ Cluster: { Tags: windowTags('nightly-etl', START, 'OtherStack') } });
    // Our IAM policy lets the fleet describe only clusters tagged with its stack: another stack's is refused.
    h.emr
      .on(DescribeClusterCommand, { ClusterId: 'j-STAGING' })
      .rejects(Object.assign(new Error('not authorized to perform: elasticmapreduce:DescribeCluster'), { name: 'AccessDeniedException' }));
    h.emr.on(DescribeClusterCommand, { ClusterId: 'j-LOST' }).resolves({ Cluster: { Tags: windowTags('nightly-etl', START) } });
    expect((await h.provisioner(start)).outcome).toBe('recovered');
    expect(h.calls(ListClustersCommand)).toEqual([{ ClusterStates: LIVE_STATES }]);
    expect(h.calls(DescribeClusterCommand)).toEqual([{ ClusterId: 'j-STAGING' }, { ClusterId: 'j-OTHERSTACK' }, { ClusterId: 'j-LOST' }]);
    expect(h.calls(RunJobFlowCommand)).toEqual([]);
    expect(await h.window('nightly-etl', START)).toMatchObject({ clusterId: 'j-LOST', state: 'STARTING' });
  });

  it('launches after a dead claim when EMR lists no cluster of the window', async () => {
    const h = await deadClaim('2026-11-22T00:05:00.000Z');
    h.emr.on(ListClustersCommand).resolves({ Clusters: [] });
    answerLaunch(h, 'j-2NIGHTLY');
    expect((await h.provisioner(start)).outcome).toBe('launched');
    expect(h.calls(RunJobFlowCommand)).toHaveLength(1);
    expect((await h.window('nightly-etl', START))?.claimedAt).toBe('2026-11-22T00:05:00.000Z');
  });

  it('lets only one of two invocations take over the same dead claim', async () => {
    const h = await deadClaim('2026-11-22T00:05:00.000Z');
    h.emr.on(ListClustersCommand).resolves({ Clusters: [] });
    answerLaunch(h, 'j-2NIGHTLY');
    const outcomes = await Promise.all([h.provisioner(start), h.registryHandler({ source: 'rsched.fleet', action: 'reconcile' })]);
    expect(h.calls(RunJobFlowCommand)).toHaveLength(1);
    expect(h.calls(ListClustersCommand)).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ cluster: 'nightly-etl' });
  });
});

describe('when RunJobFlow fails', () => {
  it('records FAILED_TO_START and raises CLUSTER_FAILED when EMR refuses; starting the window again launches it', async () => {
    const h = await harness();
    h.emr
      .on(RunJobFlowCommand)
      .rejectsOnce(new InvalidRequestException({ message: 'Subnet subnet-0abc1234 does not exist', $metadata: {} }));
    expect((await h.provisioner(start)).outcome).toBe('failed');
    expect(await h.window('nightly-etl', START)).toMatchObject({
      state: 'FAILED_TO_START',
      stateReason: 'RunJobFlow refused: InvalidRequestException: Subnet subnet-0abc1234 does not exist',
    });
    expect(h.alerts.sent).toHaveLength(1);
    expect(h.alerts.sent[0]).toMatchObject({ kind: 'CLUSTER_FAILED', subject: `nightly-etl@${START}`, date: '2026-11-22' });
    expect(h.alerts.sent[0]?.message).toContain('Jobs of pools etl wait and will time out');
    expect(h.alerts.sent[0]?.next).toContain('"action":"start","cluster":"nightly-etl"');

    // The operator fixed the subnet and follows the alert's advice.
    answerLaunch(h, 'j-3NIGHTLY');
    h.clock.advance(600_000);
    expect((await h.provisioner(start)).outcome).toBe('launched');
    expect(h.calls(RunJobFlowCommand)).toHaveLength(2);
    // The first launch was refused: nothing to look for.
    expect(h.calls(ListClustersCommand)).toHaveLength(0);
    expect(await h.window('nightly-etl', START)).toMatchObject({ state: 'STARTING', clusterId: 'j-3NIGHTLY' });
  });

  it('keeps the claim when the answer is lost (5xx), and the reconcile finds the cluster by its tags instead of launching again', async () => {
    const h = await harness();
    h.emr.on(RunJobFlowCommand).rejects(new InternalServerError({ message: 'We encountered an internal error', $metadata: {} }));
    // The handler fails, so Lambda retries the event; the claim stays until someone resolves it.
    await expect(h.provisioner(start)).rejects.toThrow('We encountered an internal error');
    expect(await h.window('nightly-etl', START)).toMatchObject({ state: 'PROVISIONING' });
    expect(h.alerts.sent).toEqual([]);

    h.clock.set('2026-11-22T00:01:04.000Z'); // Lambda's first retry, inside the lease
    expect((await h.provisioner(start)).outcome).toBe('in-progress');

    // EMR had created the cluster after all.
    h.clock.set('2026-11-22T00:03:00.000Z');
    h.emr.on(ListClustersCommand).resolves({ Clusters: [{ Id: 'j-CREATED', Name: 'rsched-nightly-etl-20261122T0000' }] });
    h.emr
      .on(DescribeClusterCommand)
      .resolves({ Cluster: { Id: 'j-CREATED', Status: { State: 'STARTING' }, Tags: windowTags('nightly-etl', START) } });
    const report = await h.registryHandler({ source: 'rsched.fleet', action: 'reconcile' });
    expect(report).toMatchObject({ provisioned: 1 });
    expect(h.calls(RunJobFlowCommand)).toHaveLength(1);
    expect(await h.window('nightly-etl', START)).toMatchObject({ clusterId: 'j-CREATED', state: 'STARTING' });
  });

  it('sends RunJobFlow exactly once even when EMR answers 500: the SDK must not retry a call without a client token', async () => {
    let requests = 0;
    const failing = {
      handle: async () => {
        requests++;
        const { HttpResponse } = await import('@smithy/protocol-http');
        const { Readable } = await import('node:stream');
        const body = Readable.from([Buffer.from(JSON.stringify({ __type: 'InternalServerError', Message: 'boom' }))]);
        return { response: new HttpResponse({ statusCode: 500, headers: { 'content-type': 'application/x-amz-json-1.1' }, body }) };
      },
    };
    const client = new EMRClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
      requestHandler: failing as never,
    });
    const control = new AwsEmrControl(client, FLEET_SETTINGS);
    const cluster = dag.clusters.get('nightly-etl');
    if (!cluster) throw new Error('fixture');
    const window = { cluster: cluster.name, start: new Date(START), end: new Date('2026-11-22T03:00:00.000Z') };
    await expect(control.launch(cluster, window)).rejects.toMatchObject({ name: 'InternalServerError' });
    expect(requests).toBe(1);
    // Other calls keep the SDK's retries.
    await expect(control.describe('j-1')).rejects.toMatchObject({ name: 'InternalServerError' });
    expect(requests).toBe(1 + 3);
  });
});

describe('what the provisioner ignores or refuses', () => {
  it('does nothing for a window that is already over, or a cluster the config does not know', async () => {
    const h = await harness('2026-11-22T03:00:00.000Z');
    expect((await h.provisioner(start)).outcome).toBe('window-over');
    expect((await h.provisioner(windowEvent('start', 'retired', '2026-11-22T03:00:00Z'))).outcome).toBe('unknown-cluster');
    expect(h.emr.calls()).toHaveLength(0);
  });

  it('rejects an event without a cluster or with a scheduled time that is not an instant', async () => {
    const h = await harness();
    await expect(h.provisioner({ source: 'rsched.fleet', action: 'start' })).rejects.toThrow('needs "cluster"');
    await expect(h.provisioner({ ...start, scheduledTime: 'yesterday' })).rejects.toThrow('"scheduledTime" as an ISO instant');
    await expect(h.provisioner({ ...start, action: 'stop' })).rejects.toThrow(
      'expected a {"source":"rsched.fleet","action":"start"} event',
    );
    expect(h.emr.calls()).toHaveLength(0);
  });
});
