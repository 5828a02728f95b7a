import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { toEventBridgeCron } from '../../lambdas/domain/cron';
import { RUNS_TABLE } from '../../lambdas/domain/table-design';
import { STACK_OUTPUTS } from '../../lib/stack-outputs';
import {
  acknowledgements,
  arnOf,
  asList,
  logicalId,
  policyStatements,
  type Synthesized,
  synthesize,
  unsuppressedNagFindings,
} from './support';

// One synthesis for the whole file: the default variant (bucket created here, no Slack), with a
// config that has a non-UTC, weekday-only root job and a root that takes the default schedule.
const FIXTURE = join(__dirname, 'fixtures', 'valid');
let s: Synthesized;
let template: Template;
beforeAll(() => {
  s = synthesize({}, FIXTURE);
  template = s.template;
});

describe('marker path: S3 → SNS → scheduler', () => {
  it('notifies the marker topic of created .done and .failed objects, and of nothing else', () => {
    const topic = { Ref: logicalId(s.stack.markers.topic) };
    const notifications = template.findResources('Custom::S3BucketNotifications');
    const configs = Object.values(notifications).map((r) => r.Properties.NotificationConfiguration);
    expect(configs).toHaveLength(1);
    expect(configs[0]).toEqual({
      TopicConfigurations: [
        { Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.done' }] } }, TopicArn: topic },
        { Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.failed' }] } }, TopicArn: topic },
      ],
    });
  });

  it('subscribes the scheduler function to the marker topic, with a dead-letter queue for failed deliveries', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: logicalId(s.stack.markers.topic) },
      Endpoint: arnOf(s.stack.scheduler.schedulerFunction),
      RedrivePolicy: { deadLetterTargetArn: arnOf(s.stack.scheduler.deadLetters) },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'sns.amazonaws.com',
      SourceArn: { Ref: logicalId(s.stack.markers.topic) },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'sns.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: { ArnEquals: { 'aws:SourceArn': { Ref: logicalId(s.stack.markers.topic) } } },
          }),
        ]),
      },
    });
  });

  it('keeps events that failed after Lambda retries in the same dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(s.stack.scheduler.schedulerFunction) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: arnOf(s.stack.scheduler.deadLetters) } },
    });
  });

  it('alarms to the alert topic as soon as the dead-letter queue holds a message', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(s.stack.scheduler.deadLetters), 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: logicalId(s.stack.alerts.topic) }],
      AlarmDescription: Match.stringLikeRegexp('^Dead letters: .*\nNext: .*rsched reconcile'),
    });
  });

  it('encrypts the dead-letter queue and refuses plain HTTP to it', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('creates a versioned, encrypted, private, TLS-only, access-logged marker bucket that outlives the stack', () => {
    const logs = logicalId(s.stack.markers.accessLogBucket as never);
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: { DestinationBucketName: { Ref: logs }, LogFilePrefix: 'markers/' },
      }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(s.stack.markers.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('encrypts the marker topic with a key that S3 may use, and only this bucket may publish', () => {
    const key = arnOf(s.stack.topicKey);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: key, DisplayName: 'reactive-scheduler markers' });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 's3.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: logicalId(s.stack.markers.topic) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Principal: { Service: 's3.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { ArnLike: { 'aws:SourceArn': arnOf(s.stack.markers.bucket) } },
          }),
        ]),
      },
    });
  });
});

describe('root job schedules', () => {
  const roots = [
    { job: 'berlin_export', cron: 'cron(15 6 ? * MON,TUE,WED,THU,FRI *)', source: '15 6 * * 1-5', timezone: 'Europe/Berlin' },
    { job: 'nightly_dump', cron: 'cron(0 2 * * ? *)', source: '0 2 * * *', timezone: 'UTC' },
  ];

  it.each(roots)('starts $job at $cron in $timezone, with the trigger event as input', ({ job, cron, source, timezone }) => {
    expect(toEventBridgeCron(source)).toBe(cron);
    const schedule = template.findResources('AWS::Scheduler::Schedule', { Properties: { ScheduleExpression: cron } });
    const [props] = Object.values(schedule).map((r) => r.Properties);
    expect(props).toMatchObject({
      ScheduleExpressionTimezone: timezone,
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      GroupName: s.stack.resolve(s.stack.scheduler.scheduleGroup.scheduleGroupName),
      Target: {
        Arn: arnOf(s.stack.scheduler.schedulerFunction),
        RoleArn: arnOf(s.stack.scheduler.scheduleRole),
        DeadLetterConfig: { Arn: arnOf(s.stack.scheduler.deadLetters) },
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 6 * 3600 },
      },
    });
    expect(JSON.parse(props.Target.Input)).toEqual({ source: 'rsched.trigger', job, scheduledTime: '<aws.scheduler.scheduled-time>' });
  });

  it('schedules only submitted roots (not external jobs, not downstream jobs), plus the sweeper', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', roots.length + 1);
    expect([...s.stack.scheduler.rootSchedules.keys()].sort()).toEqual(roots.map((r) => r.job).sort());
  });

  it('runs the sweeper every minute, without retries (the next tick supersedes a failed one)', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: arnOf(s.stack.scheduler.sweeperFunction),
        Input: JSON.stringify({ source: 'rsched.sweep', scheduledTime: '<aws.scheduler.scheduled-time>' }),
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        DeadLetterConfig: { Arn: arnOf(s.stack.scheduler.deadLetters) },
      },
    });
  });

  // AWS, "Confused deputy prevention in EventBridge Scheduler"
  // (https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html):
  // aws:SourceArn must be the schedule *group* ARN, never a schedule or a schedule-name prefix.
  it("lets EventBridge Scheduler assume its role only for this account's schedule group (aws:SourceArn = the group ARN)", () => {
    const role = template.toJSON().Resources[logicalId(s.stack.scheduler.scheduleRole)];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: {
            'aws:SourceAccount': { Ref: 'AWS::AccountId' },
            'aws:SourceArn': arnOf(s.stack.scheduler.scheduleGroup),
          },
        },
      },
    ]);
    expect(JSON.stringify(role)).not.toContain(':schedule/');
  });
});

describe('tables', () => {
  it('builds the runs table from the shared design: string keys, every index with its projection, on-demand, PITR, TTL, retained and protected', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: RUNS_TABLE.partitionKey, KeyType: 'HASH' },
          { AttributeName: RUNS_TABLE.sortKey, KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: RUNS_TABLE.ttlAttribute, Enabled: true },
        DeletionProtectionEnabled: true,
        GlobalSecondaryIndexes: RUNS_TABLE.indexes.map((i) => ({
          IndexName: i.name,
          KeySchema: [
            { AttributeName: i.partitionKey, KeyType: 'HASH' },
            { AttributeName: i.sortKey, KeyType: 'RANGE' },
          ],
          // bySubmission is KEYS_ONLY (docs/completion.md): the run is read again with a consistent GetItem.
          Projection: { ProjectionType: i.projection ?? 'ALL' },
        })),
      }),
    });
  });

  it('removes the cluster registry with the stack (it only mirrors EMR), but still with PITR and TTL', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({
        GlobalSecondaryIndexes: Match.absent(),
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
    });
  });
});

describe('least privilege', () => {
  it('grants no wildcard action anywhere', () => {
    for (const { policy, statement } of policyStatements(template)) {
      for (const action of asList(statement.Action as string | string[])) expect(action, `${policy}: ${action}`).not.toContain('*');
    }
  });

  // "Example Policies for AWS Data Pipeline": ListPipelines does not support tag-based authorization; the rest does.
  it('uses "*" only for Data Pipeline: ListPipelines alone, ActivatePipeline and DescribePipelines only on pipelines tagged with the stack', () => {
    const starred = policyStatements(template).filter(({ statement }) => asList(statement.Resource).includes('*'));
    expect(starred.map(({ statement }) => statement)).toEqual(
      [1, 2].flatMap(() => [
        { Effect: 'Allow', Action: 'datapipeline:ListPipelines', Resource: '*' },
        {
          Effect: 'Allow',
          Action: ['datapipeline:ActivatePipeline', 'datapipeline:DescribePipelines'],
          Resource: '*',
          Condition: { StringEquals: { 'datapipeline:Tag/rsched:stack': 'Rsched' } },
        },
      ]),
    );
    expect(new Set(starred.map(({ policy }) => policy)).size).toBe(2);
    for (const { policy } of starred) expect(policy).toMatch(/DataPipelineSubmit/);
  });

  it('limits EMR step actions to clusters tagged with this stack', () => {
    const emr = policyStatements(template).filter(({ statement }) => String(statement.Action).includes('elasticmapreduce'));
    expect(emr.map((e) => e.policy).sort()).toEqual(
      [s.stack.scheduler.schedulerFunction, s.stack.scheduler.sweeperFunction]
        .map((f) => logicalId(f.executionRole.node.findChild('DefaultPolicy')))
        .sort(),
    );
    for (const { statement } of emr) {
      expect(statement.Action).toEqual(['elasticmapreduce:AddJobFlowSteps', 'elasticmapreduce:ListSteps']);
      expect(statement.Condition).toEqual({ StringEquals: { 'elasticmapreduce:ResourceTag/rsched:stack': 'Rsched' } });
      expect(JSON.stringify(statement.Resource)).toMatch(/:cluster\/\*"\]\]\}$/);
    }
  });

  it('grants the engine only the DynamoDB calls it makes, on the tables and their named indexes', () => {
    const runs = arnOf(s.stack.scheduler.runsTable);
    const clusters = arnOf(s.stack.scheduler.clustersTable);
    const onRuns = [runs, ...RUNS_TABLE.indexes.map((i) => ({ 'Fn::Join': ['', [runs, `/index/${i.name}`]] }))];
    const dynamo = policyStatements(template).filter(({ statement }) => String(statement.Action).includes('dynamodb:'));
    expect(dynamo).toHaveLength(4);
    for (const { statement } of dynamo) {
      if (JSON.stringify(statement.Resource) === JSON.stringify(clusters)) {
        expect(statement.Action).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
      } else {
        expect(statement.Resource).toEqual(onRuns);
        expect(statement.Action).toEqual([
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ]);
      }
    }
  });

  it('lets only the scheduler read marker objects, and only .done and .failed keys', () => {
    const reads = policyStatements(template).filter(({ statement }) => String(statement.Action).includes('s3:Get'));
    expect(reads).toHaveLength(1);
    expect(reads[0]?.policy).toBe(logicalId(s.stack.scheduler.schedulerFunction.executionRole.node.findChild('DefaultPolicy')));
    const bucket = arnOf(s.stack.markers.bucket);
    expect(reads[0]?.statement).toEqual({
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: [{ 'Fn::Join': ['', [bucket, '/*.done']] }, { 'Fn::Join': ['', [bucket, '/*.failed']] }],
    });
  });

  it('lets EventBridge Scheduler invoke the two functions by their exact ARN (no version wildcard)', () => {
    const invokes = policyStatements(template).filter(({ statement }) => statement.Action === 'lambda:InvokeFunction');
    expect(invokes).toHaveLength(1);
    expect(invokes[0]?.statement.Resource).toEqual([arnOf(s.stack.scheduler.schedulerFunction), arnOf(s.stack.scheduler.sweeperFunction)]);
  });

  it('publishes alerts with exactly sns:Publish plus the two KMS calls SNS encryption needs', () => {
    const publishes = policyStatements(template).filter(({ statement }) => statement.Action === 'sns:Publish');
    expect(publishes).toHaveLength(2);
    for (const { statement } of publishes) expect(statement.Resource).toEqual({ Ref: logicalId(s.stack.alerts.topic) });
    const kms = policyStatements(template).filter(({ statement }) => String(statement.Action).includes('kms:'));
    for (const { statement } of kms) {
      expect(statement.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
      expect(statement.Resource).toEqual(arnOf(s.stack.topicKey));
    }
  });

  it('gives our functions roles without AWS managed policies', () => {
    for (const fn of [s.stack.scheduler.schedulerFunction, s.stack.scheduler.sweeperFunction]) {
      const role = template.findResources('AWS::IAM::Role')[logicalId(fn.executionRole)];
      expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('functions', () => {
  it.each(['schedulerFunction', 'sweeperFunction'] as const)(
    'runs the %s on arm64 with the newest Node.js, JSON logs and a bounded timeout',
    (name) => {
      const fn = s.stack.scheduler[name];
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: Match.absent(),
        Architectures: ['arm64'],
        Runtime: 'nodejs24.x',
        Timeout: 120,
        LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'WARN', LogGroup: { Ref: logicalId(fn.logs) } },
        Environment: {
          Variables: Match.objectLike({
            RSCHED_RUNS_TABLE: { Ref: logicalId(s.stack.scheduler.runsTable) },
            RSCHED_CLUSTERS_TABLE: { Ref: logicalId(s.stack.scheduler.clustersTable) },
            RSCHED_ALERT_TOPIC_ARN: { Ref: logicalId(s.stack.alerts.topic) },
            POWERTOOLS_SERVICE_NAME: `rsched-${name.replace('Function', '')}`,
          }),
        },
        Role: arnOf(fn.executionRole),
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    },
  );

  it('runs one sweep at a time and drops a failed tick instead of retrying it', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: arnOf(s.stack.scheduler.sweeperFunction.executionRole),
      ReservedConcurrentExecutions: 1,
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(s.stack.scheduler.sweeperFunction) },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
  });

  it('alarms on errors and throttles of both functions', () => {
    for (const fn of [s.stack.scheduler.schedulerFunction, s.stack.scheduler.sweeperFunction]) {
      for (const metric of ['Errors', 'Throttles']) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(fn) } }],
          AlarmActions: [{ Ref: logicalId(s.stack.alerts.topic) }],
        });
      }
    }
  });
});

it('outputs the bucket, topics, tables, functions and dead-letter queue', () => {
  const outputs = template.toJSON().Outputs;
  expect(Object.keys(outputs).sort()).toEqual(
    [
      STACK_OUTPUTS.markerBucket,
      STACK_OUTPUTS.markerTopic,
      STACK_OUTPUTS.alertTopic,
      STACK_OUTPUTS.runsTable,
      STACK_OUTPUTS.clustersTable,
      STACK_OUTPUTS.schedulerFunction,
      STACK_OUTPUTS.sweeperFunction,
      STACK_OUTPUTS.deadLetterQueue,
      STACK_OUTPUTS.scheduleGroup,
    ].sort(),
  );
  expect(outputs[STACK_OUTPUTS.runsTable].Value).toEqual({ Ref: logicalId(s.stack.scheduler.runsTable) });
  // rsched doctor lists the schedules of this group.
  expect(outputs[STACK_OUTPUTS.scheduleGroup].Value).toBe(s.stack.scheduler.scheduleGroup.scheduleGroupName);
});

describe('cdk-nag AwsSolutions', () => {
  it('has no unacknowledged finding', () => {
    expect(unsuppressedNagFindings(s.stack)).toEqual([]);
  });

  it('gives every acknowledgement a reason that names what it covers', () => {
    const acks = acknowledgements(s.stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThan(60);
  });
});
