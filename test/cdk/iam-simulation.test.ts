/**
 * The synthesized policies evaluated the way AWS evaluates them
 * (@cloud-copilot/iam-simulate), for every cross-service path of the stack
 * and for what each function calls. Printing a policy proves nothing: the
 * Scheduler trust policy of issue 13 looked right and could never be assumed.
 *
 * Request contexts come from AWS's documentation:
 * - EventBridge Scheduler assumes its execution role with aws:SourceArn = the
 *   schedule *group* ARN and aws:SourceAccount ("Confused deputy prevention in
 *   EventBridge Scheduler",
 *   https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html).
 * - S3 publishes event notifications with aws:SourceArn = the bucket and
 *   aws:SourceAccount = the bucket owner ("Granting permissions to publish event
 *   notification messages to a destination",
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html).
 * - SNS invokes a subscribed function with aws:SourceArn = the topic; EventBridge
 *   publishes for a rule with aws:SourceArn = the rule ("Using IAM policy
 *   conditions in Amazon EventBridge"); CloudWatch alarms publish with
 *   aws:SourceArn = the alarm.
 * - EMR and Data Pipeline tag conditions: Service Authorization Reference for
 *   Amazon EMR and AWS Data Pipeline ("Example Policies for AWS Data Pipeline").
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterFleet } from '../../lib/cluster-fleet';
import { ACCOUNT, evaluate, type IamModel, iamModel, OTHER_ACCOUNT, REGION, type Request } from '../support/iam-model';
import { logicalId, type Synthesized, synthesize } from './support';

const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:rsched/slack-webhook-AbCdEf`;
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
const JOBS = [
  {
    name: 'sessions',
    schedule: '0 3 * * *',
    target: { type: 'emr-step', pool: 'etl', step: { args: ['spark-submit', 's3://code/s.py'] } },
  },
  { name: 'export', dependsOn: ['sessions'], target: { type: 'datapipeline', pipeline: 'export-pipeline' } },
  // The serverless targets (docs/targets.md): IAM scoped to what they name.
  { name: 'marts', dependsOn: ['sessions'], target: { type: 'stepfunctions', stateMachine: 'refresh-marts' } },
  { name: 'notify', dependsOn: ['sessions'], target: { type: 'lambda', function: 'notify-partners', payload: { d: '{{date}}' } } },
  {
    name: 'orders_parquet',
    dependsOn: ['sessions'],
    target: { type: 'glue', jobName: 'orders-to-parquet', arguments: { '--date': '{{date}}' } },
  },
  {
    name: 'features',
    dependsOn: ['sessions'],
    target: {
      type: 'emr-serverless',
      application: '00fabc123def4567',
      executionRole: 'arn:aws:iam::123456789012:role/features-job',
      entryPoint: 's3://code/features.py',
    },
  },
];
const configDir = mkdtempSync(join(tmpdir(), 'rsched-iam-config-'));
writeFileSync(join(configDir, 'fleet.json'), JSON.stringify({ clusters: CLUSTERS, jobs: JOBS }));

let s: Synthesized;
let m: IamModel;
let fleet: ClusterFleet;
beforeAll(() => {
  s = synthesize({ slackWebhookSecret: SECRET_ARN, emr: { subnetId: 'subnet-0abc1234' } }, configDir);
  m = iamModel(s.template.toJSON() as never);
  fleet = s.stack.fleet as ClusterFleet;
});
afterAll(() => rmSync(configDir, { recursive: true, force: true }));

const arn = (c: IConstruct) => m.arnOf(logicalId(c));
const roleOf = (fn: { executionRole: IConstruct }) => arn(fn.executionRole);
const cluster = `arn:aws:elasticmapreduce:${REGION}:${ACCOUNT}:cluster/j-1ABCDEF`;
const pipeline = `arn:aws:datapipeline:${REGION}:${ACCOUNT}:pipeline/df-0123456789`;
const OURS = { 'elasticmapreduce:ResourceTag/rsched:stack': 'Rsched' };
const THEIRS = { 'elasticmapreduce:ResourceTag/rsched:stack': 'SomeoneElse' };
const OURS_TAG = { 'aws:ResourceTag/rsched:stack': 'Rsched' };
const THEIR_TAG = { 'aws:ResourceTag/rsched:stack': 'SomeoneElse' };
let evaluated = 0;
const expectDecision = async (request: Request, decision: 'Allowed' | 'Denied') => {
  evaluated++;
  const result = await evaluate(m, request);
  const label = `${request.principal} ${request.action} ${request.resource} ${JSON.stringify(request.context ?? {})}`;
  if (decision === 'Allowed') expect(result, label).toBe('Allowed');
  else expect(result, label).not.toBe('Allowed');
};
const allowed = (r: Request) => expectDecision(r, 'Allowed');
const denied = (r: Request) => expectDecision(r, 'Denied');

describe('EventBridge Scheduler → functions', () => {
  it('assumes its role with aws:SourceArn = the schedule group ARN, and only so', async () => {
    const role = arn(s.stack.scheduler.scheduleRole);
    const group = arn(s.stack.scheduler.scheduleGroup);
    const assume = (context: Record<string, string>) => ({
      principal: 'scheduler.amazonaws.com',
      action: 'sts:AssumeRole',
      resource: role,
      context,
    });
    await allowed(assume({ 'aws:SourceArn': group, 'aws:SourceAccount': ACCOUNT }));
    // The shape of the old bug: a schedule ARN is not what Scheduler sends, and must not be what the policy expects.
    await denied(assume({ 'aws:SourceArn': `${group.replace('schedule-group', 'schedule')}/sweeper`, 'aws:SourceAccount': ACCOUNT }));
    await denied(assume({ 'aws:SourceArn': group.replace(ACCOUNT, OTHER_ACCOUNT), 'aws:SourceAccount': OTHER_ACCOUNT }));
    await denied(
      assume({ 'aws:SourceArn': `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/default`, 'aws:SourceAccount': ACCOUNT }),
    );
  });

  it('invokes the target of every schedule and may write its dead-letter queue', async () => {
    const schedules = Object.values(m.resources).filter((r) => r.Type === 'AWS::Scheduler::Schedule');
    // Root job, sweeper, the cluster's start and stop, the fleet reconcile.
    expect(schedules).toHaveLength(5);
    for (const schedule of schedules) {
      const target = schedule.Properties?.Target as { Arn: string; RoleArn: string; DeadLetterConfig: { Arn: string } };
      await allowed({ principal: target.RoleArn, action: 'lambda:InvokeFunction', resource: target.Arn });
      await allowed({ principal: target.RoleArn, action: 'sqs:SendMessage', resource: target.DeadLetterConfig.Arn });
    }
    const role = arn(s.stack.scheduler.scheduleRole);
    await denied({
      principal: role,
      action: 'lambda:InvokeFunction',
      resource: arn(fleet.provisioner).replace(/function:.*/, 'function:other'),
    });
    await denied({ principal: role, action: 'lambda:UpdateFunctionCode', resource: arn(s.stack.scheduler.sweeperFunction) });
  });
});

describe('S3 → encrypted marker topic → scheduler', () => {
  it('lets this bucket of this account publish, through the topic policy and the key policy', async () => {
    const topic = arn(s.stack.markers.topic);
    const bucket = arn(s.stack.markers.bucket);
    const fromBucket = { 'aws:SourceArn': bucket, 'aws:SourceAccount': ACCOUNT };
    await allowed({ principal: 's3.amazonaws.com', action: 'sns:Publish', resource: topic, context: fromBucket });
    await allowed({ principal: 's3.amazonaws.com', action: 'kms:GenerateDataKey', resource: arn(s.stack.topicKey), context: fromBucket });
    await allowed({ principal: 's3.amazonaws.com', action: 'kms:Decrypt', resource: arn(s.stack.topicKey), context: fromBucket });
    // Bucket names are global: the same name owned by another account is refused.
    await denied({
      principal: 's3.amazonaws.com',
      action: 'sns:Publish',
      resource: topic,
      context: { 'aws:SourceArn': bucket, 'aws:SourceAccount': OTHER_ACCOUNT },
    });
    await denied({
      principal: 's3.amazonaws.com',
      action: 'sns:Publish',
      resource: topic,
      context: { 'aws:SourceArn': 'arn:aws:s3:::another-bucket', 'aws:SourceAccount': ACCOUNT },
    });
  });

  it('lets the marker topic, and only it, invoke the scheduler function', async () => {
    const fn = arn(s.stack.scheduler.schedulerFunction);
    await allowed({
      principal: 'sns.amazonaws.com',
      action: 'lambda:InvokeFunction',
      resource: fn,
      context: { 'aws:SourceArn': arn(s.stack.markers.topic) },
    });
    await denied({
      principal: 'sns.amazonaws.com',
      action: 'lambda:InvokeFunction',
      resource: fn,
      context: { 'aws:SourceArn': arn(s.stack.alerts.topic) },
    });
  });

  it('lets the completion rules (one per service in use), and only them, invoke the completion function', async () => {
    const completion = s.stack.completion as NonNullable<typeof s.stack.completion>;
    expect([...completion.rules.keys()].sort()).toEqual(['emr-serverless', 'emr-step', 'glue', 'stepfunctions']);
    for (const service of completion.rules.values()) {
      const context = { 'aws:SourceArn': arn(service as IConstruct) };
      await allowed({
        principal: 'events.amazonaws.com',
        action: 'lambda:InvokeFunction',
        resource: arn(completion.completionFunction),
        context,
      });
    }
    const fn = arn(completion.completionFunction);
    const rule = arn(completion.rules.get('emr-step') as IConstruct);
    await allowed({ principal: 'events.amazonaws.com', action: 'lambda:InvokeFunction', resource: fn, context: { 'aws:SourceArn': rule } });
    await denied({
      principal: 'events.amazonaws.com',
      action: 'lambda:InvokeFunction',
      resource: fn,
      context: { 'aws:SourceArn': arn(fleet.emrEventsRule) },
    });
    await denied({
      principal: 'sns.amazonaws.com',
      action: 'lambda:InvokeFunction',
      resource: fn,
      context: { 'aws:SourceArn': arn(s.stack.markers.topic) },
    });
  });

  it('lets the alert topic invoke the Slack notifier, and the cluster-events topic the registry', async () => {
    const notifier = s.stack.alerts.slackNotifier as NonNullable<typeof s.stack.alerts.slackNotifier>;
    await allowed({
      principal: 'sns.amazonaws.com',
      action: 'lambda:InvokeFunction',
      resource: arn(notifier),
      context: { 'aws:SourceArn': arn(s.stack.alerts.topic) },
    });
    await allowed({
      principal: 'sns.amazonaws.com',
      action: 'lambda:InvokeFunction',
      resource: arn(fleet.registry),
      context: { 'aws:SourceArn': arn(fleet.clusterEventsTopic) },
    });
  });
});

describe('EventBridge and CloudWatch → topics', () => {
  it('lets the EMR events rule of this account publish to the encrypted cluster-events topic', async () => {
    const rule = arn(fleet.emrEventsRule);
    const fromRule = { 'aws:SourceArn': rule, 'aws:SourceAccount': ACCOUNT };
    await allowed({ principal: 'events.amazonaws.com', action: 'sns:Publish', resource: arn(fleet.clusterEventsTopic), context: fromRule });
    await allowed({ principal: 'events.amazonaws.com', action: 'kms:GenerateDataKey', resource: arn(s.stack.topicKey), context: fromRule });
    await allowed({ principal: 'events.amazonaws.com', action: 'sqs:SendMessage', resource: arn(fleet.deadLetters), context: fromRule });
    await denied({
      principal: 'events.amazonaws.com',
      action: 'sns:Publish',
      resource: arn(fleet.clusterEventsTopic),
      context: { 'aws:SourceArn': `arn:aws:events:${REGION}:${ACCOUNT}:rule/other`, 'aws:SourceAccount': ACCOUNT },
    });
  });

  it("lets this account's CloudWatch alarms publish to the encrypted alert topic", async () => {
    const alarm = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:Rsched-sweeper-heartbeat`;
    const fromAlarm = { 'aws:SourceArn': alarm, 'aws:SourceAccount': ACCOUNT };
    await allowed({
      principal: 'cloudwatch.amazonaws.com',
      action: 'sns:Publish',
      resource: arn(s.stack.alerts.topic),
      context: fromAlarm,
    });
    await allowed({
      principal: 'cloudwatch.amazonaws.com',
      action: 'kms:GenerateDataKey',
      resource: arn(s.stack.topicKey),
      context: fromAlarm,
    });
    const foreign = { 'aws:SourceArn': alarm.replace(ACCOUNT, OTHER_ACCOUNT), 'aws:SourceAccount': OTHER_ACCOUNT };
    await denied({ principal: 'cloudwatch.amazonaws.com', action: 'sns:Publish', resource: arn(s.stack.alerts.topic), context: foreign });
    await denied({
      principal: 'cloudwatch.amazonaws.com',
      action: 'kms:GenerateDataKey',
      resource: arn(s.stack.topicKey),
      context: foreign,
    });
  });
});

describe('each function may call what it uses, and not more', () => {
  const engineCalls = async (role: string) => {
    const runs = arn(s.stack.scheduler.runsTable);
    for (const action of ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'])
      await allowed({ principal: role, action, resource: runs });
    await allowed({ principal: role, action: 'dynamodb:Query', resource: `${runs}/index/byDue` });
    await allowed({ principal: role, action: 'dynamodb:GetItem', resource: arn(s.stack.scheduler.clustersTable) });
    await allowed({ principal: role, action: 'sns:Publish', resource: arn(s.stack.alerts.topic) });
    await allowed({ principal: role, action: 'kms:GenerateDataKey', resource: arn(s.stack.topicKey) });
    await denied({ principal: role, action: 'dynamodb:DeleteTable', resource: runs });
    await denied({ principal: role, action: 'dynamodb:Scan', resource: runs });
  };
  const submits = async (role: string) => {
    await allowed({ principal: role, action: 'elasticmapreduce:AddJobFlowSteps', resource: cluster, context: OURS });
    await allowed({ principal: role, action: 'elasticmapreduce:ListSteps', resource: cluster, context: OURS });
    await denied({ principal: role, action: 'elasticmapreduce:AddJobFlowSteps', resource: cluster, context: THEIRS });
    await allowed({ principal: role, action: 'datapipeline:ListPipelines', resource: '*' });
    await allowed({
      principal: role,
      action: 'datapipeline:ActivatePipeline',
      resource: pipeline,
      context: { 'datapipeline:Tag/rsched:stack': 'Rsched' },
    });
    await denied({
      principal: role,
      action: 'datapipeline:ActivatePipeline',
      resource: pipeline,
      context: { 'datapipeline:Tag/rsched:stack': 'Other' },
    });
    await denied({
      principal: role,
      action: 'datapipeline:DeletePipeline',
      resource: pipeline,
      context: { 'datapipeline:Tag/rsched:stack': 'Rsched' },
    });
  };

  /**
   * The serverless targets, allowed on the configured resource and denied on another:
   * Step Functions, "Actions, resources, and condition keys for AWS Step Functions"
   * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html).
   */
  const serviceSubmits = async (role: string) => {
    const machine = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:refresh-marts`;
    const other = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:payroll`;
    await allowed({ principal: role, action: 'states:StartExecution', resource: machine });
    await allowed({ principal: role, action: 'states:DescribeStateMachine', resource: machine });
    await denied({ principal: role, action: 'states:StartExecution', resource: other });
    await allowed({
      principal: role,
      action: 'states:DescribeExecution',
      resource: `arn:aws:states:${REGION}:${ACCOUNT}:execution:refresh-marts:rsched-marts-20261122-1`,
    });
    await denied({
      principal: role,
      action: 'states:DescribeExecution',
      resource: `arn:aws:states:${REGION}:${ACCOUNT}:execution:payroll:rsched-marts-20261122-1`,
    });
    await allowed({ principal: role, action: 'states:ListStateMachines', resource: '*' });
    await denied({
      principal: role,
      action: 'states:StopExecution',
      resource: `arn:aws:states:${REGION}:${ACCOUNT}:execution:refresh-marts:x`,
    });

    // EMR Serverless (Service Authorization Reference, "Amazon EMR Serverless").
    const app = (id: string) => `arn:aws:emr-serverless:${REGION}:${ACCOUNT}:/applications/${id}`;
    await allowed({ principal: role, action: 'emr-serverless:StartJobRun', resource: app('00fabc123def4567') });
    await allowed({ principal: role, action: 'emr-serverless:ListJobRuns', resource: app('00fabc123def4567') });
    await denied({ principal: role, action: 'emr-serverless:StartJobRun', resource: app('00other0000000000') });
    // An application configured by name: allowed only when it carries the stack tag.
    await allowed({ principal: role, action: 'emr-serverless:StartJobRun', resource: app('00byname00000000'), context: OURS_TAG });
    await denied({ principal: role, action: 'emr-serverless:StartJobRun', resource: app('00byname00000000'), context: THEIR_TAG });
    await allowed({ principal: role, action: 'emr-serverless:ListApplications', resource: '*' });
    await denied({ principal: role, action: 'emr-serverless:CancelJobRun', resource: `${app('00fabc123def4567')}/jobruns/00jr1` });
    const passTo = (resource: string, service: string) => ({
      principal: role,
      action: 'iam:PassRole',
      resource,
      context: { 'iam:PassedToService': service },
    });
    await allowed(passTo('arn:aws:iam::123456789012:role/features-job', 'emr-serverless.amazonaws.com'));
    await denied(passTo('arn:aws:iam::123456789012:role/features-job', 'ec2.amazonaws.com'));
    await denied(passTo('arn:aws:iam::123456789012:role/admin', 'emr-serverless.amazonaws.com'));

    // Glue (Service Authorization Reference, "AWS Glue").
    const glueJob = (name: string) => `arn:aws:glue:${REGION}:${ACCOUNT}:job/${name}`;
    await allowed({ principal: role, action: 'glue:StartJobRun', resource: glueJob('orders-to-parquet') });
    await allowed({ principal: role, action: 'glue:GetJobRuns', resource: glueJob('orders-to-parquet') });
    await denied({ principal: role, action: 'glue:StartJobRun', resource: glueJob('payroll') });
    await denied({ principal: role, action: 'glue:UpdateJob', resource: glueJob('orders-to-parquet') });

    // Lambda (Service Authorization Reference, "AWS Lambda").
    const fn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
    await allowed({ principal: role, action: 'lambda:InvokeFunction', resource: fn('notify-partners') });
    await denied({ principal: role, action: 'lambda:InvokeFunction', resource: fn('delete-everything') });
    await denied({ principal: role, action: 'lambda:UpdateFunctionCode', resource: fn('notify-partners') });
  };

  it('scheduler: runs, alerts, marker reads, submissions; no cluster launch, no marker writes', async () => {
    const role = roleOf(s.stack.scheduler.schedulerFunction);
    await engineCalls(role);
    await submits(role);
    await serviceSubmits(role);
    const bucket = arn(s.stack.markers.bucket);
    await allowed({ principal: role, action: 's3:GetObject', resource: `${bucket}/in/sessions__20261201.done` });
    await allowed({ principal: role, action: 's3:GetObjectVersion', resource: `${bucket}/sessions__20261201.failed` });
    await denied({ principal: role, action: 's3:GetObject', resource: `${bucket}/secrets.csv` });
    await denied({ principal: role, action: 's3:PutObject', resource: `${bucket}/sessions__20261201.done` });
    await denied({
      principal: role,
      action: 'elasticmapreduce:RunJobFlow',
      resource: '*',
      context: { 'elasticmapreduce:RequestTag/rsched:stack': 'Rsched' },
    });
  });

  it('sweeper: runs, alerts, submissions; no marker reads', async () => {
    const role = roleOf(s.stack.scheduler.sweeperFunction);
    await engineCalls(role);
    await submits(role);
    await serviceSubmits(role);
    await denied({ principal: role, action: 's3:GetObject', resource: `${arn(s.stack.markers.bucket)}/sessions__20261201.done` });
  });

  // docs/completion.md: past maxRuntimeMinutes the sweeper asks EMR (DescribeStep) and writes the marker itself.
  it('sweeper: DescribeStep on tagged clusters only, and writes marker keys, nothing else in the bucket', async () => {
    const role = roleOf(s.stack.scheduler.sweeperFunction);
    const bucket = arn(s.stack.markers.bucket);
    await allowed({ principal: role, action: 'elasticmapreduce:DescribeStep', resource: cluster, context: OURS });
    await denied({ principal: role, action: 'elasticmapreduce:DescribeStep', resource: cluster, context: THEIRS });
    await allowed({ principal: role, action: 's3:PutObject', resource: `${bucket}/sessions__20261201.done` });
    await allowed({ principal: role, action: 's3:PutObject', resource: `${bucket}/teamA/sessions__20261201.failed` });
    await denied({ principal: role, action: 's3:PutObject', resource: `${bucket}/sessions.csv` });
    await denied({ principal: role, action: 's3:DeleteObject', resource: `${bucket}/sessions__20261201.done` });
  });

  /**
   * docs/completion.md: the sweeper's status polls of the serverless targets, on the configured resources only
   * (Service Authorization Reference: glue:GetJobRun on `job`, emr-serverless:GetJobRun on `jobRun`,
   * states:DescribeExecution on `execution`; lib/completion-events.ts POLL_ACTIONS).
   */
  it('sweeper: GetJobRun and DescribeExecution on the configured Glue job, application and state machine only', async () => {
    const sweeper = roleOf(s.stack.scheduler.sweeperFunction);
    const completion = roleOf((s.stack.completion as NonNullable<typeof s.stack.completion>).completionFunction);
    const glueJob = (name: string) => `arn:aws:glue:${REGION}:${ACCOUNT}:job/${name}`;
    const jobRun = (app: string) => `arn:aws:emr-serverless:${REGION}:${ACCOUNT}:/applications/${app}/jobruns/00jr0000000001`;
    const execution = (machine: string) => `arn:aws:states:${REGION}:${ACCOUNT}:execution:${machine}:rsched-marts-20261122-1`;
    await allowed({ principal: sweeper, action: 'glue:GetJobRun', resource: glueJob('orders-to-parquet') });
    await denied({ principal: sweeper, action: 'glue:GetJobRun', resource: glueJob('payroll') });
    await allowed({ principal: sweeper, action: 'emr-serverless:GetJobRun', resource: jobRun('00fabc123def4567') });
    await denied({ principal: sweeper, action: 'emr-serverless:GetJobRun', resource: jobRun('00other0000000000') });
    await denied({ principal: sweeper, action: 'emr-serverless:GetJobRun', resource: jobRun('00byname00000000'), context: OURS_TAG });
    await allowed({ principal: sweeper, action: 'states:DescribeExecution', resource: execution('refresh-marts') });
    await denied({ principal: sweeper, action: 'states:DescribeExecution', resource: execution('payroll') });
    // The completion function reads only the runs table: it never asks a service.
    await denied({ principal: completion, action: 'glue:GetJobRun', resource: glueJob('orders-to-parquet') });
    await denied({ principal: completion, action: 'emr-serverless:GetJobRun', resource: jobRun('00fabc123def4567') });
    await denied({ principal: completion, action: 'states:DescribeExecution', resource: execution('refresh-marts') });
  });

  it('completion: reads runs (item and bySubmission index) and writes marker keys; nothing else', async () => {
    const completion = s.stack.completion as NonNullable<typeof s.stack.completion>;
    const role = roleOf(completion.completionFunction);
    const runs = arn(s.stack.scheduler.runsTable);
    const bucket = arn(s.stack.markers.bucket);
    await allowed({ principal: role, action: 'dynamodb:GetItem', resource: runs });
    await allowed({ principal: role, action: 'dynamodb:Query', resource: `${runs}/index/bySubmission` });
    await allowed({ principal: role, action: 's3:PutObject', resource: `${bucket}/sessions__20261201.done` });
    await allowed({ principal: role, action: 's3:PutObject', resource: `${bucket}/in/sessions__20261201.failed` });
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan'])
      await denied({ principal: role, action, resource: runs });
    await denied({ principal: role, action: 'dynamodb:GetItem', resource: arn(s.stack.scheduler.clustersTable) });
    await denied({ principal: role, action: 's3:PutObject', resource: `${bucket}/sessions.csv` });
    await denied({ principal: role, action: 's3:GetObject', resource: `${bucket}/sessions__20261201.done` });
    await denied({ principal: role, action: 's3:DeleteObject', resource: `${bucket}/sessions__20261201.done` });
    await denied({ principal: role, action: 'sns:Publish', resource: arn(s.stack.alerts.topic) });
    await denied({ principal: role, action: 'elasticmapreduce:DescribeStep', resource: cluster, context: OURS });
    await denied({ principal: role, action: 'elasticmapreduce:AddJobFlowSteps', resource: cluster, context: OURS });
  });

  it('provisioner: RunJobFlow only with both tags, PassRole of the service role and the node role to their services', async () => {
    const role = roleOf(fleet.provisioner);
    const launch = (tags: Record<string, string>) => ({
      principal: role,
      action: 'elasticmapreduce:RunJobFlow',
      resource: '*',
      context: Object.fromEntries(Object.entries(tags).map(([k, v]) => [`elasticmapreduce:RequestTag/${k}`, v])),
    });
    await allowed(launch({ 'rsched:stack': 'Rsched', 'for-use-with-amazon-emr-managed-policies': 'true' }));
    await denied(launch({ 'rsched:stack': 'Rsched' }));
    await denied(launch({ 'rsched:stack': 'Other', 'for-use-with-amazon-emr-managed-policies': 'true' }));
    await allowed({ principal: role, action: 'elasticmapreduce:ListClusters', resource: '*' });
    await allowed({ principal: role, action: 'elasticmapreduce:DescribeCluster', resource: cluster, context: OURS });
    await allowed({ principal: role, action: 'elasticmapreduce:AddTags', resource: cluster, context: OURS });
    const service = arn(fleet.serviceRole);
    const instance = arn(fleet.nodeRoles.forPools(['etl']).role);
    await allowed({
      principal: role,
      action: 'iam:PassRole',
      resource: service,
      context: { 'iam:PassedToService': 'elasticmapreduce.amazonaws.com' },
    });
    await allowed({ principal: role, action: 'iam:PassRole', resource: instance, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
    await denied({
      principal: role,
      action: 'iam:PassRole',
      resource: service,
      context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
    });
    await denied({
      principal: role,
      action: 'iam:PassRole',
      resource: arn(s.stack.scheduler.scheduleRole),
      context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
    });
    await denied({ principal: role, action: 'elasticmapreduce:TerminateJobFlows', resource: cluster, context: OURS });
  });

  it('terminator: lets a tagged cluster end by itself, nothing else on EMR', async () => {
    const role = roleOf(fleet.terminator);
    await allowed({ principal: role, action: 'elasticmapreduce:SetKeepJobFlowAliveWhenNoSteps', resource: cluster, context: OURS });
    await denied({ principal: role, action: 'elasticmapreduce:SetKeepJobFlowAliveWhenNoSteps', resource: cluster, context: THEIRS });
    await allowed({ principal: role, action: 'dynamodb:UpdateItem', resource: arn(s.stack.scheduler.clustersTable) });
    await denied({ principal: role, action: 'dynamodb:PutItem', resource: arn(s.stack.scheduler.runsTable) });
    await denied({ principal: role, action: 'elasticmapreduce:TerminateJobFlows', resource: cluster, context: OURS });
    await denied({
      principal: role,
      action: 'elasticmapreduce:RunJobFlow',
      resource: '*',
      context: { 'elasticmapreduce:RequestTag/rsched:stack': 'Rsched' },
    });
  });

  it('registry: reads and ends tagged clusters, re-drives waiting runs, launches missed windows', async () => {
    const role = roleOf(fleet.registry);
    await engineCalls(role);
    await submits(role);
    await serviceSubmits(role);
    for (const action of ['DescribeCluster', 'ListInstances', 'ListSteps', 'SetKeepJobFlowAliveWhenNoSteps', 'TerminateJobFlows']) {
      await allowed({ principal: role, action: `elasticmapreduce:${action}`, resource: cluster, context: OURS });
      await denied({ principal: role, action: `elasticmapreduce:${action}`, resource: cluster, context: THEIRS });
    }
    await allowed({
      principal: role,
      action: 'elasticmapreduce:RunJobFlow',
      resource: '*',
      context: {
        'elasticmapreduce:RequestTag/rsched:stack': 'Rsched',
        'elasticmapreduce:RequestTag/for-use-with-amazon-emr-managed-policies': 'true',
      },
    });
  });

  it('Slack notifier: reads its webhook secret, publishes nothing', async () => {
    const notifier = s.stack.alerts.slackNotifier as NonNullable<typeof s.stack.alerts.slackNotifier>;
    const role = roleOf(notifier);
    await allowed({ principal: role, action: 'secretsmanager:GetSecretValue', resource: SECRET_ARN });
    await denied({
      principal: role,
      action: 'secretsmanager:GetSecretValue',
      resource: SECRET_ARN.replace('slack-webhook', 'db-password'),
    });
    await denied({ principal: role, action: 'sns:Publish', resource: arn(s.stack.alerts.topic) });
  });

  it("EMR nodes: write their pool's jobs' markers and nothing else in the marker bucket", async () => {
    const role = arn(fleet.nodeRoles.forPools(['etl']).role);
    const bucket = arn(s.stack.markers.bucket);
    await allowed({ principal: role, action: 's3:PutObject', resource: `${bucket}/sessions__20261201.done` });
    await allowed({ principal: role, action: 's3:PutObject', resource: `${bucket}/out/sessions__20261201.failed` });
    // Another job's marker: export runs on Data Pipeline, not on this pool.
    await denied({ principal: role, action: 's3:PutObject', resource: `${bucket}/export__20261201.done` });
    await denied({ principal: role, action: 's3:PutObject', resource: `${bucket}/out/export__20261201.done` });
    // Eight `?` are the date: a key that only starts like a sessions marker cannot end as another job's.
    await denied({ principal: role, action: 's3:PutObject', resource: `${bucket}/sessions__x/export__20261201.done` });
    await denied({ principal: role, action: 's3:PutObject', resource: `${bucket}/out/sessions.csv` });
    await denied({ principal: role, action: 's3:DeleteObject', resource: `${bucket}/out/sessions__20261201.done` });
  });

  it('EMR nodes: the provisioner launches each cluster with the instance profile of its pools', () => {
    type Env = { Variables?: Record<string, string> } | undefined;
    const envOf = (r: (typeof m.resources)[string]) => (r.Properties?.Environment as Env)?.Variables ?? {};
    const fn = Object.values(m.resources).find(
      (r) => r.Type === 'AWS::Lambda::Function' && envOf(r).POWERTOOLS_SERVICE_NAME === 'rsched-provisioner',
    );
    if (!fn) throw new Error('no provisioner function');
    const env = envOf(fn);
    const byPools = JSON.parse(env.RSCHED_EMR_INSTANCE_PROFILES ?? '{}') as Record<string, string>;
    const { role, instanceProfile } = fleet.nodeRoles.forPools(['etl']);
    // Names as the model resolves a Ref (test/support/iam-model.ts): rsched-<logical id>.
    expect(byPools).toEqual({ etl: `rsched-${logicalId(instanceProfile)}` });
    expect(m.resources[logicalId(instanceProfile)]?.Properties?.Roles).toEqual([`rsched-${logicalId(role)}`]);
    expect(env.RSCHED_EMR_INSTANCE_PROFILE).toBeUndefined();
  });

  afterAll(() => {
    // The number of requests evaluated, for the record (issue 13's closing note quotes it).
    process.stdout.write(`iam-simulation: ${evaluated} requests evaluated\n`);
  });
});

// @cloud-copilot/iam-simulate is AGPL-3.0: tests only, never in what ships (README, "Licensing").
it('keeps the AGPL simulator out of everything that ships (lib/, lambdas/, bin/)', () => {
  const root = join(__dirname, '..', '..');
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
    });
  const offenders = ['lib', 'lambdas', 'bin']
    .flatMap((d) => files(join(root, d)))
    .filter((f) => readFileSync(f, 'utf8').includes('@cloud-copilot/'));
  expect(offenders).toEqual([]);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  expect(pkg.dependencies['@cloud-copilot/iam-simulate']).toBeUndefined();
  expect(pkg.devDependencies['@cloud-copilot/iam-simulate']).toBe('0.1.173');
});
