import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
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

// Every option on, in one synthesis: an existing marker bucket, e-mail subscribers, the Slack
// notifier (secret by full ARN), an AWS Chatbot channel, X-Ray tracing, no reserved concurrency.
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rsched/slack-webhook-AbCdEf';
const EMAILS = ['oncall@example.com', 'data-team@example.com'];
let s: Synthesized;
let template: Template;
beforeAll(() => {
  s = synthesize({
    markerBucketName: 'analytics-markers',
    alertEmails: EMAILS,
    slackWebhookSecret: SECRET_ARN,
    chatbot: { slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' },
    lambdaDefaults: { tracing: true, reserveConcurrency: false },
  });
  template = s.template;
});

describe('an existing marker bucket', () => {
  it('is imported, not created: notifications are added to it, and only its marker objects are readable', () => {
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: 'analytics-markers',
      // Notifications this stack does not own are left in place.
      Managed: false,
      NotificationConfiguration: {
        TopicConfigurations: [
          Match.objectLike({ Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.done' }] } } }),
          Match.objectLike({ Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.failed' }] } } }),
        ],
      },
    });
    const objects = (suffix: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::analytics-markers/*${suffix}`]] });
    const reads = policyStatements(template).find(({ statement }) => String(statement.Action).includes('s3:GetObject'));
    expect(reads?.statement.Resource).toEqual([objects('.done'), objects('.failed')]);
  });
});

describe('alerts', () => {
  it('subscribes each e-mail address to the encrypted alert topic', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: arnOf(s.stack.topicKey),
      DisplayName: 'reactive-scheduler alerts',
    });
    for (const email of EMAILS) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        TopicArn: { Ref: logicalId(s.stack.alerts.topic) },
      });
    }
  });

  it("lets this account's CloudWatch alarms publish to the alert topic and use its key", () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: logicalId(s.stack.alerts.topic) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] }),
        ]),
      },
    });
  });

  it('sends every alarm of the stack to the alert topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    // scheduler, sweeper, notifier, provisioner, terminator, registry, completion: errors + throttles; four
    // dead-letter queues; heartbeats of the sweeper and the fleet reconcile; three EventBridge Scheduler alarms.
    expect(alarms).toHaveLength(23);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: logicalId(s.stack.alerts.topic) }]);
  });
});

describe('Slack notifier', () => {
  const notifier = () => s.stack.alerts.slackNotifier as NonNullable<typeof s.stack.alerts.slackNotifier>;

  it('reads the webhook secret by its ARN at run time: the template holds the reference, never the URL', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: arnOf(notifier().executionRole),
      Environment: { Variables: Match.objectLike({ RSCHED_SLACK_SECRET_ID: SECRET_ARN }) },
    });
    const secretReads = policyStatements(template).filter(({ statement }) => String(statement.Action).includes('secretsmanager'));
    expect(secretReads).toEqual([
      {
        policy: logicalId(notifier().executionRole.node.findChild('DefaultPolicy')),
        statement: { Effect: 'Allow', Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], Resource: SECRET_ARN },
      },
    ]);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/hooks\.slack\.com/);
  });

  it('is subscribed to the alert topic, with a dead-letter queue for both failed deliveries and failed runs', () => {
    const dlq = arnOf(s.stack.alerts.slackDeadLetters as never);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: logicalId(s.stack.alerts.topic) },
      Endpoint: arnOf(notifier()),
      RedrivePolicy: { deadLetterTargetArn: dlq },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(notifier()) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: dlq } },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(s.stack.alerts.slackDeadLetters as never), 'QueueName'] } }],
    });
  });

  it('is in the outputs', () => {
    expect(template.toJSON().Outputs[STACK_OUTPUTS.slackNotifierFunction].Value).toEqual({ Ref: logicalId(notifier()) });
  });
});

it('posts the alert topic to Slack through AWS Chatbot too, with a guardrail that allows no commands', () => {
  template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
    // Chatbot configuration names are unique per account: the region keeps two regional deployments apart.
    ConfigurationName: { 'Fn::Join': ['', ['Rsched-', { Ref: 'AWS::Region' }, '-alerts']] },
    SlackWorkspaceId: 'T0123ABCD',
    SlackChannelId: 'C0123ABCD',
    SnsTopicArns: [{ Ref: logicalId(s.stack.alerts.topic) }],
    GuardrailPolicies: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AWSDenyAll']] }],
  });
});

describe('shared Lambda defaults', () => {
  it('turns on X-Ray tracing for every function, with its one unavoidable "*" resource', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).filter((f) => f.Properties.Runtime === 'nodejs24.x');
    expect(functions).toHaveLength(7);
    for (const fn of functions) expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    const starred = policyStatements(template).filter(({ statement }) => asList(statement.Resource).includes('*'));
    const actions = new Set(starred.flatMap(({ statement }) => asList(statement.Action as string | string[])));
    expect([...actions].sort()).toEqual([
      'datapipeline:ActivatePipeline',
      'datapipeline:DescribePipelines',
      'datapipeline:ListPipelines',
      'elasticmapreduce:ListClusters',
      'elasticmapreduce:RunJobFlow',
      // The example names an EMR Serverless application and a state machine: resolving a name needs the List call,
      // which has no resource type (docs/targets.md).
      'emr-serverless:ListApplications',
      'states:ListStateMachines',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });

  it('reserves no concurrency when told not to (accounts limited to 10 concurrent executions)', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')))
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('has no unacknowledged finding with every option on', () => {
    expect(unsuppressedNagFindings(s.stack)).toEqual([]);
  });

  it('acknowledges the tracing wildcard on a dedicated policy of each function role, with its reason', () => {
    const xray = acknowledgements(s.stack).filter((a) => a.reason.includes('X-Ray'));
    expect(xray.map((a) => a.path).sort()).toEqual([
      'Rsched/Alerts/SlackNotifierRole/Tracing',
      'Rsched/Completion/CompletionFunctionRole/Tracing',
      'Rsched/Fleet/ProvisionerRole/Tracing',
      'Rsched/Fleet/RegistryRole/Tracing',
      'Rsched/Fleet/TerminatorRole/Tracing',
      'Rsched/Scheduler/SchedulerFunctionRole/Tracing',
      'Rsched/Scheduler/SweeperFunctionRole/Tracing',
    ]);
  });
});

it('reads a secret given by name through its name-?????? ARN (any suffix Secrets Manager appended)', () => {
  const { template: byName } = synthesize({ slackWebhookSecret: 'rsched/slack-webhook' });
  const read = policyStatements(byName).find(({ statement }) => String(statement.Action).includes('secretsmanager'));
  expect(JSON.stringify(read?.statement.Resource)).toContain(':secret:rsched/slack-webhook-??????');
  byName.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ RSCHED_SLACK_SECRET_ID: 'rsched/slack-webhook' }) },
  });
});
