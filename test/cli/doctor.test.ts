/**
 * `rsched doctor` against recorded-shape AWS answers (aws-sdk-client-mock): a
 * fresh account before deploy, a healthy deployed stack, and one with every
 * problem the checks look for. Identifiers and the webhook are fake.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DataPipelineClient, DescribePipelinesCommand, ListPipelinesCommand } from '@aws-sdk/client-data-pipeline';
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import { GlueClient } from '@aws-sdk/client-glue';
import { GetInstanceProfileCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { printChecks, registerDoctor } from '../../bin/cli/commands/doctor';
import { type CheckResult, checkMarkerWriters, type DoctorClients, type DoctorInputs, runDoctor } from '../../bin/cli/doctor/checks';
import { loadDag } from '../../lambdas/domain/config/validate';
import { readAppInputs } from '../../lib/context';

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const credentials = { accessKeyId: 'FAKE-ACCESS-KEY', secretAccessKey: 'fake-secret-key' };
const config = { region: REGION, credentials };
const clients: DoctorClients = {
  sts: new STSClient(config),
  cloudFormation: new CloudFormationClient(config),
  ec2: new EC2Client(config),
  iam: new IAMClient(config),
  dataPipeline: new DataPipelineClient(config),
  lambda: new LambdaClient(config),
  secrets: new SecretsManagerClient(config),
  s3: new S3Client(config),
  scheduler: new SchedulerClient(config),
  cloudWatch: new CloudWatchClient(config),
  sns: new SNSClient(config),
  glue: new GlueClient(config),
  emrServerless: new EMRServerlessClient(config),
  sfn: new SFNClient(config),
};
const mocks = Object.fromEntries(Object.entries(clients).map(([k, c]) => [k, mockClient(c as never)])) as Record<
  keyof DoctorClients,
  ReturnType<typeof mockClient>
>;

const dag = loadDag([
  {
    path: 'fleet.json',
    text: JSON.stringify({
      clusters: [
        {
          name: 'etl',
          pools: ['etl'],
          start: '0 1 * * *',
          stop: '0 4 * * *',
          releaseLabel: 'emr-7.5.0',
          instances: { master: 'm5.xlarge', core: { type: 'm5.xlarge', count: 2 } },
        },
      ],
      jobs: [
        {
          name: 'sessions',
          schedule: '0 2 * * *',
          target: { type: 'emr-step', pool: 'etl', step: { args: ['spark-submit', 's3://code/s.py'] } },
          markers: { prefix: 'etl/', writers: ['arn:aws:iam::123456789012:role/etl-*'] },
        },
        { name: 'export', dependsOn: ['sessions'], target: { type: 'datapipeline', pipeline: 'export-pipeline' } },
      ],
    }),
  },
]);
const SECRET = 'rsched/slack-webhook';
const FAKE_WEBHOOK = 'https://hooks.slack.com/services/T00FAKE00/B00FAKE00/fakefakefakefakefakefake';
const inputs = (context: Record<string, unknown> = {}): DoctorInputs => ({
  stackName: 'Rsched',
  app: readAppInputs((k) => ({ 'rsched:stackName': 'Rsched', ...context })[k]),
  dag,
  now: new Date('2026-12-02T07:00:00Z'),
});
const READY = {
  'rsched:emrSubnetId': 'subnet-0abc1234',
  'rsched:slackWebhookSecretName': SECRET,
  'rsched:alertEmails': ['oncall@example.com'],
};
const trust = (service: string) =>
  encodeURIComponent(
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] }),
  );
const OUTPUTS = {
  MarkerBucketName: 'rsched-markersbucket-1a2b3c',
  MarkerTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:Rsched-MarkerTopic`,
  AlertTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:Rsched-AlertTopic`,
  SweeperFunctionName: 'Rsched-SweeperFunction-AbC123',
  ScheduleGroupName: 'Rsched-Scheduler-Schedules-72A7600B',
  EmrServiceRoleName: 'Rsched-FleetServiceRole-XyZ',
  // The stack creates one instance profile per pool set (docs/fleet.md, "Roles").
  EmrInstanceProfileNames: JSON.stringify({
    adhoc: 'Rsched-NodeRolesInstanceProfileadhoc-XyZ',
    etl: 'Rsched-NodeRolesInstanceProfileetl-XyZ',
  }),
};

/** A deployed, healthy account, as AWS answers. */
function healthy(): void {
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/ops`, UserId: 'AIDAFAKE' });
  mocks.cloudFormation.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'Rsched',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date('2026-11-01T00:00:00Z'),
        Outputs: Object.entries(OUTPUTS).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  });
  mocks.ec2.on(DescribeSubnetsCommand).resolves({
    Subnets: [
      {
        SubnetId: 'subnet-0abc1234',
        VpcId: 'vpc-0fake',
        AvailabilityZone: `${REGION}a`,
        Tags: [{ Key: 'for-use-with-amazon-emr-managed-policies', Value: 'true' }],
      },
    ],
  });
  mocks.ec2.on(DescribeSecurityGroupsCommand).resolves({
    SecurityGroups: [
      {
        GroupId: 'sg-0master',
        GroupName: 'ElasticMapReduce-master',
        Tags: [{ Key: 'for-use-with-amazon-emr-managed-policies', Value: 'true' }],
      },
      {
        GroupId: 'sg-0slave',
        GroupName: 'ElasticMapReduce-slave',
        Tags: [{ Key: 'for-use-with-amazon-emr-managed-policies', Value: 'true' }],
      },
    ],
  });
  mocks.iam.on(GetRoleCommand).resolves({
    Role: {
      RoleName: OUTPUTS.EmrServiceRoleName,
      Arn: `arn:aws:iam::${ACCOUNT}:role/${OUTPUTS.EmrServiceRoleName}`,
      Path: '/',
      RoleId: 'AROAFAKE',
      CreateDate: new Date(),
      AssumeRolePolicyDocument: trust('elasticmapreduce.amazonaws.com'),
    },
  });
  mocks.iam.on(GetInstanceProfileCommand).resolves({
    InstanceProfile: {
      InstanceProfileName: 'Rsched-NodeRolesInstanceProfileetl-XyZ',
      InstanceProfileId: 'AIPAFAKE',
      Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/x`,
      Path: '/',
      CreateDate: new Date(),
      Roles: [
        {
          RoleName: 'Rsched-FleetInstanceRole',
          Arn: 'arn:aws:iam::111122223333:role/x',
          Path: '/',
          RoleId: 'AROAX',
          CreateDate: new Date(),
          AssumeRolePolicyDocument: trust('ec2.amazonaws.com'),
        },
      ],
    },
  });
  mocks.dataPipeline
    .on(ListPipelinesCommand)
    .resolves({ pipelineIdList: [{ id: 'df-0FAKE0001', name: 'export-pipeline' }], hasMoreResults: false });
  mocks.dataPipeline.on(DescribePipelinesCommand).resolves({
    pipelineDescriptionList: [
      { pipelineId: 'df-0FAKE0001', name: 'export-pipeline', fields: [], tags: [{ key: 'rsched:stack', value: 'Rsched' }] },
    ],
  });
  mocks.lambda
    .on(GetAccountSettingsCommand)
    .resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 977 } });
  mocks.secrets.on(GetSecretValueCommand).resolves({ Name: SECRET, SecretString: JSON.stringify({ url: FAKE_WEBHOOK }) });
  mocks.s3.on(GetBucketNotificationConfigurationCommand).resolves({
    TopicConfigurations: ['.done', '.failed'].map((suffix) => ({
      TopicArn: OUTPUTS.MarkerTopicArn,
      Events: ['s3:ObjectCreated:*'],
      // S3 answers the rule name capitalised ("Suffix"), whatever the SDK's type says.
      Filter: { Key: { FilterRules: [{ Name: 'Suffix' as 'suffix', Value: suffix }] } },
    })),
  });
  mocks.scheduler.on(ListSchedulesCommand).resolves({
    Schedules: ['sessions', 'SweeperSchedule', 'etl-start', 'etl-stop', 'ReconcileSchedule'].map((Name) => ({
      Name,
      State: 'ENABLED',
      GroupName: OUTPUTS.ScheduleGroupName,
    })),
  });
  mocks.cloudWatch
    .on(GetMetricStatisticsCommand)
    .resolves({ Label: 'Invocations', Datapoints: [{ Sum: 1 }, { Sum: 1 }, { Sum: 1 }, { Sum: 1 }] });
  mocks.sns.on(ListSubscriptionsByTopicCommand).resolves({
    Subscriptions: [
      {
        Protocol: 'email',
        Endpoint: 'oncall@example.com',
        SubscriptionArn: `${OUTPUTS.AlertTopicArn}:0f1e2d3c`,
        TopicArn: OUTPUTS.AlertTopicArn,
      },
    ],
  });
}

const byId = (results: readonly CheckResult[]) => Object.fromEntries(results.map((r) => [r.id, r]));
const statuses = (results: readonly CheckResult[]) => Object.fromEntries(results.map((r) => [r.id, r.status]));

beforeEach(() => {
  for (const m of Object.values(mocks)) m.reset();
});
afterEach(() => vi.restoreAllMocks());

describe('rsched doctor', () => {
  it('passes every check on a healthy deployed stack', async () => {
    healthy();
    const results = await runDoctor(inputs(READY), clients);
    expect(statuses(results)).toEqual({
      account: 'ok',
      stack: 'ok',
      'emr-subnet': 'ok',
      'emr-security-groups': 'ok',
      'emr-service-role': 'ok',
      'emr-instance-profile': 'ok',
      'data-pipeline': 'ok',
      'pipeline export-pipeline': 'ok',
      'marker writers': 'ok',
      'lambda-concurrency': 'ok',
      'slack-secret': 'ok',
      'bucket-notifications': 'ok',
      schedules: 'ok',
      sweeper: 'ok',
      'alert-emails': 'ok',
    });
    // The webhook is a credential: it never appears in the output.
    expect(JSON.stringify(results)).not.toContain(FAKE_WEBHOOK);
    // Every pool set's instance profile is checked.
    expect(mocks.iam.commandCalls(GetInstanceProfileCommand).map((c) => c.args[0].input.InstanceProfileName)).toEqual([
      'Rsched-NodeRolesInstanceProfileadhoc-XyZ',
      'Rsched-NodeRolesInstanceProfileetl-XyZ',
    ]);
    expect(results.filter((r) => r.id === 'emr-instance-profile')).toHaveLength(2);
  });

  it('fails a fresh account before deploy: no subnet for the created EMR role, a concurrency pool of 10, no Data Pipeline', async () => {
    healthy();
    mocks.cloudFormation
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id Rsched does not exist'), { name: 'ValidationError' }));
    mocks.lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });
    mocks.dataPipeline
      .on(ListPipelinesCommand)
      .rejects(Object.assign(new Error('The security token included in the request is invalid.'), { name: 'UnrecognizedClientException' }));
    const results = byId(await runDoctor(inputs(), clients));
    expect(results.stack?.status).toBe('warn');
    expect(results['emr-subnet']).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('for-use-with-amazon-emr-managed-policies,Value=true'),
    });
    expect(results['emr-service-role']?.status).toBe('ok');
    expect(results['lambda-concurrency']).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('rsched:reserveConcurrency=false'),
    });
    expect(results['data-pipeline']).toMatchObject({ status: 'fail', message: expect.stringContaining('closed to new customers') });
    // Nothing deployed: the post-deploy checks are not run.
    expect(results.schedules).toBeUndefined();
    expect(results.sweeper).toBeUndefined();
  });

  it('reports every problem of a broken deployed stack, each with its fix', async () => {
    healthy();
    mocks.ec2.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [
        { GroupId: 'sg-0master', GroupName: 'ElasticMapReduce-master', Tags: [] },
        {
          GroupId: 'sg-0slave',
          GroupName: 'ElasticMapReduce-slave',
          Tags: [{ Key: 'for-use-with-amazon-emr-managed-policies', Value: 'true' }],
        },
      ],
    });
    mocks.dataPipeline.on(DescribePipelinesCommand).resolves({
      pipelineDescriptionList: [{ pipelineId: 'df-0FAKE0001', name: 'export-pipeline', fields: [], tags: [] }],
    });
    mocks.secrets.on(GetSecretValueCommand).resolves({ Name: SECRET, SecretString: 'not-a-webhook' });
    mocks.s3.on(GetBucketNotificationConfigurationCommand).resolves({ TopicConfigurations: [] });
    mocks.scheduler.on(ListSchedulesCommand).resolves({
      Schedules: [
        { Name: 'SweeperSchedule', State: 'DISABLED' },
        { Name: 'sessions', State: 'ENABLED' },
      ],
    });
    mocks.cloudWatch.on(GetMetricStatisticsCommand).resolves({ Label: 'Invocations', Datapoints: [] });
    mocks.sns.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [
        { Protocol: 'email', Endpoint: 'oncall@example.com', SubscriptionArn: 'PendingConfirmation', TopicArn: OUTPUTS.AlertTopicArn },
      ],
    });
    const results = byId(await runDoctor(inputs(READY), clients));
    expect(results['emr-security-groups']).toMatchObject({ status: 'fail', fix: expect.stringContaining('sg-0master') });
    expect(results['pipeline export-pipeline']).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('key=rsched:stack,value=Rsched'),
    });
    expect(results['slack-secret']?.status).toBe('fail');
    expect(results['slack-secret']?.message).not.toContain('not-a-webhook');
    expect(results['bucket-notifications']?.status).toBe('fail');
    expect(results.schedules).toMatchObject({ status: 'fail', message: expect.stringContaining('SweeperSchedule') });
    expect(results.sweeper).toMatchObject({ status: 'fail', message: expect.stringContaining('not invoked in the last 10 minutes') });
    expect(results['alert-emails']?.status).toBe('warn');
    for (const r of Object.values(results)) if (r.status !== 'ok') expect(r.fix, r.id).toBeTruthy();
  });

  it('fails on a missing Slack secret and an untagged subnet with an imported service role only warns', async () => {
    healthy();
    mocks.secrets
      .on(GetSecretValueCommand)
      .rejects(new ResourceNotFoundException({ $metadata: {}, message: "Secrets Manager can't find the specified secret." }));
    mocks.ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: 'subnet-0abc1234', VpcId: 'vpc-0fake', Tags: [] }] });
    const results = byId(await runDoctor(inputs({ ...READY, 'rsched:emrServiceRoleName': 'MyEmrRole' }), clients));
    expect(results['slack-secret']).toMatchObject({ status: 'fail', fix: expect.stringContaining('create-secret') });
    expect(results['emr-subnet']?.status).toBe('warn');
  });

  it('stops at the first check without credentials', async () => {
    mocks.sts
      .on(GetCallerIdentityCommand)
      .rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const results = await runDoctor(inputs(), clients);
    expect(results).toEqual([expect.objectContaining({ id: 'account', status: 'fail', fix: expect.stringContaining('AWS_PROFILE') })]);
  });

  it('prints ok / warn / FAIL lines with the fix under each, and a summary', () => {
    const lines: string[] = [];
    printChecks(
      [
        { id: 'account', status: 'ok', message: 'account 1' },
        { id: 'sweeper', status: 'fail', message: 'silent', fix: 'check the schedule' },
      ],
      (s) => lines.push(s),
    );
    expect(lines.join('')).toBe('ok   account: account 1\nFAIL sweeper: silent\n     fix: check the schedule\n1 ok, 0 warn, 1 fail\n');
  });

  it('exits 1 with --json when a check fails', async () => {
    healthy();
    mocks.cloudWatch.on(GetMetricStatisticsCommand).resolves({ Datapoints: [] });
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out.push(String(s));
      return true;
    });
    const program = new Command('rsched');
    registerDoctor(program, () => clients);
    const previous = process.exitCode;
    await program.parseAsync(['node', 'rsched', 'doctor', '--json', '--config', 'dag-config']);
    const exitCode = process.exitCode;
    process.exitCode = previous;
    const report = JSON.parse(out.join(''));
    expect(report.ok).toBe(false);
    expect(report.checks.find((c: CheckResult) => c.id === 'sweeper').status).toBe('fail');
    expect(exitCode).toBe(1);
  });
});

describe('marker writers', () => {
  it('warns when no job restricts who may write its markers', () => {
    const unrestricted = loadDag([{ path: 'j.json', text: JSON.stringify({ jobs: [{ name: 'a', target: { type: 'external' } }] }) }]);
    expect(checkMarkerWriters(unrestricted)).toMatchObject({ status: 'warn', fix: expect.stringContaining('docs/threat-model.md') });
    expect(checkMarkerWriters(dag)).toMatchObject({ status: 'ok' });
  });
});
