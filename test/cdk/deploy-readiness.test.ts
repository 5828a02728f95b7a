import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterFleet } from '../../lib/cluster-fleet';
import { arnOf, logicalId, policyStatements, type Synthesized, synthesize } from './support';

// What a real account needs beyond what offline tests see (issue 13): dead-man's switches, the AWS/Scheduler
// alarms, the dashboard, the EMR subnet warning, and the instance role's data access.
const CLUSTERS = [
  {
    name: 'etl',
    pools: ['etl'],
    start: '0 1 * * *',
    stop: '0 2 * * *',
    releaseLabel: 'emr-7.5.0',
    instances: { master: 'm5.xlarge', core: { type: 'm5.xlarge', count: 2 } },
  },
];
const JOBS = [{ name: 'sessions', target: { type: 'emr-step', pool: 'etl', step: { args: ['spark-submit', 's3://code/sessions.py'] } } }];
const configDir = mkdtempSync(join(tmpdir(), 'rsched-readiness-config-'));
writeFileSync(join(configDir, 'fleet.json'), JSON.stringify({ clusters: CLUSTERS, jobs: JOBS }));
let noSubnet: Synthesized;
let ready: Synthesized;
beforeAll(() => {
  noSubnet = synthesize({}, configDir);
  ready = synthesize(
    {
      emr: {
        subnetId: 'subnet-0abc1234',
        instanceDataBuckets: ['acme-etl-code'],
        instanceManagedPolicyArns: ['arn:aws:iam::123456789012:policy/acme-etl-data'],
        securityConfiguration: 'rsched-encrypted',
      },
    },
    configDir,
  );
});
afterAll(() => rmSync(configDir, { recursive: true, force: true }));

const alarmNamed = (s: Synthesized, name: string) =>
  Object.values(s.template.findResources('AWS::CloudWatch::Alarm')).find((a) => a.Properties.AlarmName === `Rsched-${name}`)?.Properties;

describe("dead-man's switches", () => {
  it.each([
    ['sweeper-heartbeat', (s: Synthesized) => s.stack.scheduler.sweeperFunction],
    ['fleet-reconcile-heartbeat', (s: Synthesized) => (s.stack.fleet as ClusterFleet).registry],
  ])('%s: fewer than 1 invocation in 5 minutes alarms, and so does no data at all', (name, fn) => {
    const alarm = alarmNamed(ready, name);
    expect(alarm).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(fn(ready)) } }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: logicalId(ready.stack.alerts.topic) }],
    });
  });

  // "Monitoring Amazon EventBridge Scheduler with Amazon CloudWatch": namespace AWS/Scheduler, dimension ScheduleGroup.
  it.each([
    ['schedule-target-errors', 'TargetErrorCount'],
    ['schedule-invocations-dropped', 'InvocationDroppedCount'],
    ['schedule-dead-letters-failed', 'InvocationsFailedToBeSentToDeadLetterCount'],
  ])('%s alarms on AWS/Scheduler %s of the stack schedule group', (name, metric) => {
    expect(alarmNamed(ready, name)).toMatchObject({
      Namespace: 'AWS/Scheduler',
      MetricName: metric,
      Dimensions: [{ Name: 'ScheduleGroup', Value: ready.stack.scheduler.scheduleGroup.scheduleGroupName }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });
});

describe('the operations dashboard', () => {
  it('shows run transitions, submissions, alerts, handler p99, dead-letter depth and the schedules', () => {
    const [dashboard] = Object.values(ready.template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(ready.stack.resolve(dashboard?.Properties.DashboardBody));
    for (const title of [
      'Run transitions',
      'Submissions and refusals',
      'Alerts by kind',
      'Handler duration p99',
      'Dead-letter queue depth',
      'EventBridge Scheduler',
    ]) {
      expect(body).toContain(title);
    }
    expect(body).toContain('p99');
    expect(body).toContain('ApproximateNumberOfMessagesVisible');
    expect(body).toContain("filter message = 'alert'");
  });
});

describe('EMR readiness', () => {
  it('warns at synth when the stack creates the EMR service role and no subnet is given', () => {
    const warnings = (s: Synthesized) =>
      (s.stack.fleet as ClusterFleet).node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(warnings(noSubnet)).toEqual([
      expect.stringMatching(/rsched:emrSubnetId is empty.*for-use-with-amazon-emr-managed-policies=true/),
    ]);
    expect(warnings(ready)).toEqual([]);
  });

  it("gives a created node role the operator's data buckets and managed policies", () => {
    const fleet = ready.stack.fleet as ClusterFleet;
    const role = ready.template.toJSON().Resources[logicalId(fleet.nodeRoles.forPools(['etl']).role)];
    expect(role.Properties.ManagedPolicyArns).toEqual(['arn:aws:iam::123456789012:policy/acme-etl-data']);
    const statements = policyStatements(ready.template)
      .filter(({ statement }) => JSON.stringify(statement.Resource).includes('acme-etl-code'))
      .map(({ statement }) => statement);
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::acme-etl-code']] },
      },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::acme-etl-code/*']] },
      },
    ]);
  });

  it('warns that data access given in context does not reach an imported instance profile', () => {
    const imported = synthesize(
      { emr: { subnetId: 'subnet-0abc1234', instanceProfileName: 'EMR_EC2_DefaultRole', instanceDataBuckets: ['acme-etl-code'] } },
      configDir,
    );
    const warnings = (imported.stack.fleet as ClusterFleet).node.metadata
      .filter((m) => m.type === 'aws:cdk:warning')
      .map((m) => String(m.data));
    expect(warnings).toEqual([expect.stringContaining('grant that data to your own instance role')]);
  });

  it('passes the EMR security configuration to the provisioning functions', () => {
    const fleet = ready.stack.fleet as ClusterFleet;
    ready.template.hasResourceProperties('AWS::Lambda::Function', {
      Role: arnOf(fleet.provisioner.executionRole),
      Environment: { Variables: Match.objectLike({ RSCHED_EMR_SECURITY_CONFIGURATION: 'rsched-encrypted' }) },
    });
  });
});

describe('aws:SourceAccount on the service principals of the topics', () => {
  it('lets S3 publish markers only for this bucket of this account', () => {
    const policies = Object.values(ready.template.findResources('AWS::SNS::TopicPolicy'));
    const s3 = policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((st: { Principal?: { Service?: string } }) => st.Principal?.Service === 's3.amazonaws.com');
    expect(s3).toEqual([
      expect.objectContaining({
        Action: 'sns:Publish',
        Condition: {
          ArnLike: { 'aws:SourceArn': arnOf(ready.stack.markers.bucket) },
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        },
      }),
    ]);
  });

  it('lets EventBridge publish EMR events only for its rule in this account', () => {
    const fleet = ready.stack.fleet as ClusterFleet;
    const policies = Object.values(ready.template.findResources('AWS::SNS::TopicPolicy'));
    const events = policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((st: { Principal?: { Service?: string } }) => st.Principal?.Service === 'events.amazonaws.com');
    expect(events).toEqual([
      expect.objectContaining({
        Condition: {
          ArnEquals: { 'aws:SourceArn': arnOf(fleet.emrEventsRule) },
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        },
      }),
    ]);
  });
});
