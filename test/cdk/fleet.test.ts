import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toEventBridgeCron } from '../../lambdas/domain/cron';
import { PROVISION_LEASE_MS } from '../../lambdas/engine/fleet/deps';
import { EMR_CLUSTER_STATES } from '../../lambdas/events/emr-event';
import type { ClusterFleet } from '../../lib/cluster-fleet';
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

// A fleet with a weekday cluster in New York time next to UTC ones, synthesized twice: roles created
// by the stack (with an EMR log archive), and roles (and a subnet) named in context, as
// `cdk deploy -c rsched:emr...=` gives them.
const CLUSTERS = [
  {
    name: 'nightly-etl',
    pools: ['etl'],
    start: '0 0 * * *',
    stop: '0 3 * * *',
    releaseLabel: 'emr-7.5.0',
    instances: { master: 'm5.xlarge', core: { type: 'r5.2xlarge', count: 99 } },
  },
  {
    name: 'ny-office',
    pools: ['adhoc'],
    start: '0 8 * * 1-5',
    stop: '30 18 * * 1-5',
    timezone: 'America/New_York',
    releaseLabel: 'emr-7.5.0',
    instances: { master: 'm5.xlarge' },
  },
];
const JOBS = [
  { name: 'sessions', target: { type: 'emr-step', pool: 'etl', step: { args: ['spark-submit', 's3://code/sessions.py'] } } },
  { name: 'explore', target: { type: 'emr-step', pool: 'adhoc', step: { args: ['spark-submit', 's3://code/explore.py'] } } },
];
const IMPORTED = {
  subnetId: 'subnet-0abc1234',
  serviceRoleName: 'EMR_DefaultRole_V2',
  instanceProfileName: 'EMR_EC2_DefaultRole',
  instanceRoleName: 'EMR_EC2_NodeRole',
};
const LOG_URI = 's3://rsched-emr-logs/prod/';

const configDir = mkdtempSync(join(tmpdir(), 'rsched-fleet-config-'));
writeFileSync(join(configDir, 'fleet.json'), JSON.stringify({ clusters: CLUSTERS, jobs: JOBS }));
let created: Synthesized;
let imported: Synthesized;
let template: Template;
let fleet: ClusterFleet;
beforeAll(() => {
  created = synthesize({ emr: { logUri: LOG_URI } }, configDir);
  imported = synthesize({ emr: IMPORTED }, configDir);
  template = created.template;
  fleet = created.stack.fleet as ClusterFleet;
});
afterAll(() => rmSync(configDir, { recursive: true, force: true }));

const SCHEDULED_TIME = '<aws.scheduler.scheduled-time>';
const schedulesTo = (t: Template, fn: object) =>
  Object.values(t.findResources('AWS::Scheduler::Schedule'))
    .map((r) => r.Properties)
    .filter((p) => JSON.stringify(p.Target.Arn) === JSON.stringify(fn));
const emrStatements = (t: Template) =>
  policyStatements(t).filter(({ statement }) =>
    asList(statement.Action as string | string[]).some((a) => a.startsWith('elasticmapreduce:')),
  );
const policyOf = (role: { node: { findChild(id: string): unknown } }) => logicalId(role.node.findChild('DefaultPolicy') as never);
const STACK_TAG = { 'elasticmapreduce:ResourceTag/rsched:stack': 'Rsched' };

describe('start and stop schedules', () => {
  it.each(CLUSTERS)("starts and stops $name on its crons in its time zone, with the window's scheduled time as input", (cluster) => {
    for (const [action, cron, fn] of [
      ['start', cluster.start, fleet.provisioner],
      ['stop', cluster.stop, fleet.terminator],
    ] as const) {
      const [schedule, ...others] = schedulesTo(template, arnOf(fn)).filter((p) => JSON.parse(p.Target.Input).cluster === cluster.name);
      expect(others).toEqual([]);
      expect(schedule).toMatchObject({
        ScheduleExpression: toEventBridgeCron(cron),
        ScheduleExpressionTimezone: cluster.timezone ?? 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        GroupName: created.stack.resolve(created.stack.scheduler.scheduleGroup.scheduleGroupName),
        Target: {
          RoleArn: arnOf(created.stack.scheduler.scheduleRole),
          DeadLetterConfig: { Arn: arnOf(fleet.deadLetters) },
          RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 6 * 3600 },
        },
      });
      expect(JSON.parse(schedule?.Target.Input)).toEqual({
        source: 'rsched.fleet',
        action,
        cluster: cluster.name,
        scheduledTime: SCHEDULED_TIME,
      });
    }
    // A weekday cron keeps its days in EventBridge's numbering.
    if (cluster.name === 'ny-office') expect(toEventBridgeCron(cluster.stop)).toBe('cron(30 18 ? * MON,TUE,WED,THU,FRI *)');
  });

  it('reconciles the fleet every minute through the registry, without retries (the next tick supersedes a failed one)', () => {
    expect(schedulesTo(template, arnOf(fleet.registry))).toEqual([
      expect.objectContaining({
        ScheduleExpression: 'rate(1 minute)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: expect.objectContaining({
          Input: JSON.stringify({ source: 'rsched.fleet', action: 'reconcile' }),
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
          DeadLetterConfig: { Arn: arnOf(fleet.deadLetters) },
        }),
      }),
    ]);
  });

  it('lets the schedule role send undeliverable fleet invocations to the fleet dead-letter queue', () => {
    const role = policyOf(created.stack.scheduler.scheduleRole);
    const queues = policyStatements(template)
      .filter(({ policy, statement }) => policy === role && statement.Action === 'sqs:SendMessage')
      .flatMap(({ statement }) => asList(statement.Resource));
    expect(queues).toContainEqual(arnOf(fleet.deadLetters));
  });

  it('adds two schedules per cluster and the reconcile to the root schedules and the sweeper, all invoked by the exact function ARNs', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 2 /* roots */ + 1 /* sweeper */ + 2 * CLUSTERS.length + 1);
    const invokes = policyStatements(template).filter(({ statement }) => statement.Action === 'lambda:InvokeFunction');
    expect(invokes).toHaveLength(1);
    expect(invokes[0]?.statement.Resource).toEqual(
      expect.arrayContaining([arnOf(fleet.provisioner), arnOf(fleet.terminator), arnOf(fleet.registry)]),
    );
  });
});

describe('EMR step events → completion function (docs/completion.md)', () => {
  it('matches only terminal states of steps this scheduler names, to the completion function, with retries and dead letters', () => {
    const completion = created.stack.completion as NonNullable<typeof created.stack.completion>;
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.emr'],
        'detail-type': ['EMR Step Status Change'],
        detail: { state: ['COMPLETED', 'FAILED', 'CANCELLED', 'INTERRUPTED'], name: [{ prefix: 'rsched:' }] },
      },
      State: 'ENABLED',
      Targets: [
        {
          Id: Match.anyValue(),
          Arn: arnOf(completion.completionFunction),
          DeadLetterConfig: { Arn: arnOf(completion.deadLetters) },
          RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 6 * 3600 },
        },
      ],
    });
    // A failed invocation: Lambda retries twice, then the event waits in the same dead-letter queue.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(completion.completionFunction) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: arnOf(completion.deadLetters) } },
    });
  });

  it('alarms on the completion function and its dead letters, and tells the sweeper where to write markers', () => {
    const completion = created.stack.completion as NonNullable<typeof created.stack.completion>;
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: Match.stringLikeRegexp('completion-errors') });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: Match.stringLikeRegexp('completion-dead-letters') });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'rsched-sweeper', RSCHED_MARKER_BUCKET: Match.anyValue() }) },
    });
    expect(completion.services).toEqual(['emr-step']);
  });

  it("counts the events that wrote nothing, by outcome, from the function's JSON logs", () => {
    const completion = created.stack.completion as NonNullable<typeof created.stack.completion>;
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logicalId(completion.completionFunction.logs) },
      FilterPattern: '{ $.outcome = "*" }',
      MetricTransformations: [
        {
          MetricNamespace: 'rsched',
          MetricName: 'CompletionEventsWithoutMarker',
          MetricValue: '1',
          Dimensions: [{ Key: 'outcome', Value: '$.outcome' }],
        },
      ],
    });
    expect(Object.keys(template.toJSON().Outputs)).toEqual(
      expect.arrayContaining(['CompletionFunctionName', 'CompletionDeadLetterQueueUrl']),
    );
  });
});

describe('EMR events → cluster-events topic → registry', () => {
  it('matches EMR cluster state changes and the step changes the registry acts on, and nothing else', () => {
    // Two rules: this one, and the completion rule of EMR steps (docs/completion.md, tested below).
    template.resourceCountIs('AWS::Events::Rule', 2);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.emr'],
        'detail-type': ['EMR Cluster State Change', 'EMR Step Status Change'],
        detail: { state: [...EMR_CLUSTER_STATES, 'FAILED', 'CANCELLED', 'INTERRUPTED'] },
      },
      State: 'ENABLED',
      Targets: [
        {
          Id: Match.anyValue(),
          Arn: { Ref: logicalId(fleet.clusterEventsTopic) },
          DeadLetterConfig: { Arn: arnOf(fleet.deadLetters) },
          RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 6 * 3600 },
        },
      ],
    });
  });

  it('publishes to a KMS-encrypted, TLS-only topic that EventBridge may write to only for this rule', () => {
    const rule = arnOf(fleet.emrEventsRule);
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: arnOf(created.stack.topicKey),
      DisplayName: 'reactive-scheduler EMR cluster events',
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: logicalId(fleet.clusterEventsTopic) }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          {
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: logicalId(fleet.clusterEventsTopic) },
            Condition: { ArnEquals: { 'aws:SourceArn': rule } },
          },
        ],
      },
    });
    // Exactly the two calls publishing to an encrypted topic needs (the statement may be shared with S3's).
    const key = Object.values(template.findResources('AWS::KMS::Key'))[0]?.Properties.KeyPolicy.Statement as Record<string, unknown>[];
    const forEvents = key.filter((st) => JSON.stringify(st.Principal).includes('events.amazonaws.com'));
    expect(forEvents).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: '*' }),
    ]);
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalId(fleet.deadLetters) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: { ArnEquals: { 'aws:SourceArn': rule } },
          }),
        ]),
      },
    });
  });

  it('subscribes the registry to the topic, with a dead-letter queue for deliveries that fail', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: logicalId(fleet.clusterEventsTopic) },
      Endpoint: arnOf(fleet.registry),
      RedrivePolicy: { deadLetterTargetArn: arnOf(fleet.deadLetters) },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: arnOf(fleet.registry),
      Principal: 'sns.amazonaws.com',
      SourceArn: { Ref: logicalId(fleet.clusterEventsTopic) },
    });
  });
});

describe('IAM: EMR permissions limited to the clusters of this stack', () => {
  it('allows RunJobFlow only with the stack tag in the request, and only to the functions that provision', () => {
    const runs = emrStatements(template).filter(({ statement }) =>
      asList(statement.Action as string | string[]).includes('elasticmapreduce:RunJobFlow'),
    );
    // In a policy of their own (LaunchClusters), where the IAM5 "*" acknowledgement sits.
    expect(runs.map((r) => r.policy).sort()).toEqual(
      [fleet.provisioner.executionRole, fleet.registry.executionRole].map((r) => logicalId(r.node.findChild('LaunchClusters'))).sort(),
    );
    for (const { statement } of runs) {
      expect(statement).toEqual({
        Effect: 'Allow',
        Action: 'elasticmapreduce:RunJobFlow',
        Resource: '*',
        // The request must carry the stack tag, and the tag AmazonEMRServicePolicy_v2 requires ("Service role for Amazon EMR").
        Condition: {
          StringEquals: {
            'elasticmapreduce:RequestTag/rsched:stack': 'Rsched',
            'elasticmapreduce:RequestTag/for-use-with-amazon-emr-managed-policies': 'true',
          },
        },
      });
    }
  });

  it('allows every action on a cluster only on clusters tagged with the stack; only ListClusters, which has no resource type, on "*"', () => {
    const onClusters = new Map<string, Set<string>>();
    for (const { policy, statement } of emrStatements(template)) {
      const actions = asList(statement.Action as string | string[]);
      if (actions.includes('elasticmapreduce:RunJobFlow')) continue;
      if (actions.includes('elasticmapreduce:ListClusters')) {
        // Statements without a condition on "*" are merged: the registry's shares Data Pipeline's.
        expect(statement.Resource).toBe('*');
        expect(statement.Condition).toBeUndefined();
        expect(actions.filter((a) => a.startsWith('elasticmapreduce:'))).toEqual(['elasticmapreduce:ListClusters']);
        continue;
      }
      expect(statement.Condition, policy).toEqual({ StringEquals: STACK_TAG });
      expect(JSON.stringify(statement.Resource), policy).toMatch(/:cluster\/\*"\]\]\}$/);
      for (const action of actions) onClusters.set(policy, (onClusters.get(policy) ?? new Set()).add(action));
    }
    const actionsOf = (role: object) => [...(onClusters.get(policyOf(role as never)) ?? [])].sort();
    expect(actionsOf(fleet.provisioner.executionRole)).toEqual(['elasticmapreduce:AddTags', 'elasticmapreduce:DescribeCluster']);
    expect(actionsOf(fleet.terminator.executionRole)).toEqual(['elasticmapreduce:SetKeepJobFlowAliveWhenNoSteps']);
    expect(actionsOf(fleet.registry.executionRole)).toEqual([
      'elasticmapreduce:AddJobFlowSteps',
      'elasticmapreduce:AddTags',
      'elasticmapreduce:DescribeCluster',
      'elasticmapreduce:ListInstances',
      'elasticmapreduce:ListSteps',
      'elasticmapreduce:SetKeepJobFlowAliveWhenNoSteps',
      'elasticmapreduce:TerminateJobFlows',
    ]);
  });

  it('passes exactly the EMR roles (the service role, a node role per pool set), each only to the service that takes it', () => {
    const passes = policyStatements(template).filter(({ statement }) => statement.Action === 'iam:PassRole');
    const service = arnOf(fleet.serviceRole);
    const nodes = fleet.nodeRoles.all.map((r) => arnOf(r.role));
    expect(nodes).toHaveLength(2);
    const byPolicy = (role: object) =>
      passes.filter((p) => p.policy === policyOf(role as never)).map((p) => [p.statement.Resource, p.statement.Condition]);
    const toEc2 = { StringLike: { 'iam:PassedToService': 'ec2.amazonaws.com*' } };
    for (const fn of [fleet.provisioner, fleet.registry]) {
      expect(byPolicy(fn.executionRole)).toEqual([
        [service, { StringLike: { 'iam:PassedToService': 'elasticmapreduce.amazonaws.com*' } }],
        [nodes, toEc2],
      ]);
    }
    // AmazonEMRServicePolicy_v2 passes only EMR_EC2_DefaultRole; the service role may pass our node roles to EC2.
    expect(byPolicy(fleet.serviceRole)).toEqual([[nodes, toEc2]]);
    expect(passes).toHaveLength(5);
  });

  it('grants no wildcard action, and "*" as a resource only where the API has no resource type', () => {
    for (const { policy, statement } of policyStatements(template)) {
      for (const action of asList(statement.Action as string | string[])) expect(action, `${policy}: ${action}`).not.toContain('*');
    }
    const starred = policyStatements(template).filter(({ statement }) => asList(statement.Resource).includes('*'));
    const actions = new Set(starred.flatMap(({ statement }) => asList(statement.Action as string | string[])));
    expect([...actions].sort()).toEqual([
      'datapipeline:ActivatePipeline',
      'datapipeline:DescribePipelines',
      'datapipeline:ListPipelines',
      'elasticmapreduce:ListClusters',
      'elasticmapreduce:RunJobFlow',
    ]);
  });

  it('lets the terminator read and update the registry and nothing else in DynamoDB', () => {
    const dynamo = policyStatements(template).filter(
      ({ policy, statement }) => policy === policyOf(fleet.terminator.executionRole) && String(statement.Action).includes('dynamodb:'),
    );
    expect(dynamo.map((d) => d.statement)).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        Resource: arnOf(created.stack.scheduler.clustersTable),
      },
    ]);
  });
});

describe('EMR roles', () => {
  it('creates a service role only EMR of this account may assume, with AmazonEMRServicePolicy_v2', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'elasticmapreduce.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ],
      },
      ManagedPolicyArns: [
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AmazonEMRServicePolicy_v2']] },
      ],
    });
  });

  it("creates a node role per pool set that may write only its pools' jobs' markers and EMR logs", () => {
    const bucket = arnOf(created.stack.markers.bucket);
    const markers = (job: string) =>
      ['', '*/'].flatMap((place) =>
        ['.done', '.failed'].map((suffix) => ({ 'Fn::Join': ['', [bucket, `/${place}${job}__????????${suffix}`]] })),
      );
    expect(fleet.nodeRoles.all.map((r) => r.key)).toEqual(['adhoc', 'etl']);
    for (const [pool, job] of [
      ['etl', 'sessions'],
      ['adhoc', 'explore'],
    ] as const) {
      const { role, instanceProfile } = fleet.nodeRoles.forPools([pool]);
      template.hasResourceProperties('AWS::IAM::InstanceProfile', { Roles: [{ Ref: logicalId(role) }] });
      expect(logicalId(instanceProfile)).toMatch(/InstanceProfile/);
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })] },
        Description: Match.stringLikeRegexp(`serving pools ${pool}$`),
      });
      const statements = policyStatements(template).filter(({ policy }) => policy === policyOf(role));
      expect(statements.map(({ statement }) => [statement.Effect, statement.Action])).toEqual([['Allow', 's3:PutObject']]);
      const resources = asList(statements[0]?.statement.Resource).map((r) => JSON.stringify(r));
      const logs = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::rsched-emr-logs/prod/*']] };
      expect(resources.sort()).toEqual([logs, ...markers(job)].map((r) => JSON.stringify(r)).sort());
    }
  });

  it('imports the roles context names instead of creating them, and passes exactly those', () => {
    const t = imported.template;
    t.resourceCountIs('AWS::IAM::InstanceProfile', 0);
    for (const service of ['elasticmapreduce.amazonaws.com', 'ec2.amazonaws.com']) {
      t.resourcePropertiesCountIs(
        'AWS::IAM::Role',
        { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: service } })] } },
        0,
      );
    }
    const role = (name: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::`, { Ref: 'AWS::AccountId' }, `:role/${name}`]],
    });
    const passes = policyStatements(t).filter(({ statement }) => statement.Action === 'iam:PassRole');
    expect(new Set(passes.map((p) => JSON.stringify(p.statement.Resource)))).toEqual(
      new Set([JSON.stringify(role('EMR_DefaultRole_V2')), JSON.stringify(role('EMR_EC2_NodeRole'))]),
    );
  });
});

describe('fleet functions', () => {
  it.each([
    ['provisioner', 60],
    ['terminator', 30],
    ['registry', 90],
  ] as const)('gives the %s a %is timeout, the stack tag, the EMR roles and the tables', (name, seconds) => {
    const fn = fleet[name];
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: arnOf(fn.executionRole),
      Timeout: seconds,
      Architectures: ['arm64'],
      Runtime: 'nodejs24.x',
      Environment: {
        Variables: Match.objectLike({
          RSCHED_STACK_TAG: created.stack.clusterTag.value,
          RSCHED_EMR_SERVICE_ROLE: { Ref: logicalId(fleet.serviceRole) },
          RSCHED_EMR_INSTANCE_PROFILES: Match.anyValue(),
          RSCHED_RUNS_TABLE: { Ref: logicalId(created.stack.scheduler.runsTable) },
          RSCHED_CLUSTERS_TABLE: { Ref: logicalId(created.stack.scheduler.clustersTable) },
          RSCHED_ALERT_TOPIC_ARN: { Ref: logicalId(created.stack.alerts.topic) },
          POWERTOOLS_SERVICE_NAME: `rsched-${name}`,
        }),
      },
    });
    if (name !== 'terminator') expect(seconds * 1000).toBeLessThan(PROVISION_LEASE_MS);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(fn) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: arnOf(fleet.deadLetters) } },
    });
    for (const metric of ['Errors', 'Throttles']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(fn) } }],
        AlarmActions: [{ Ref: logicalId(created.stack.alerts.topic) }],
      });
    }
  });

  it('passes the subnet, the log URI and the names of imported roles through the environment', () => {
    const { stack, template: t } = imported;
    const registry = (stack.fleet as ClusterFleet).registry;
    t.hasResourceProperties('AWS::Lambda::Function', {
      Role: arnOf(registry.executionRole),
      Environment: {
        Variables: Match.objectLike({
          RSCHED_STACK_TAG: 'Rsched',
          RSCHED_EMR_SERVICE_ROLE: 'EMR_DefaultRole_V2',
          RSCHED_EMR_INSTANCE_PROFILE: 'EMR_EC2_DefaultRole',
          RSCHED_EMR_SUBNET_ID: 'subnet-0abc1234',
          RSCHED_EMR_LOG_URI: Match.absent(),
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: arnOf(fleet.registry.executionRole),
      Environment: { Variables: Match.objectLike({ RSCHED_EMR_SUBNET_ID: Match.absent(), RSCHED_EMR_LOG_URI: LOG_URI }) },
    });
  });

  it('alarms as soon as the fleet dead-letter queue holds a message', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(fleet.deadLetters), 'QueueName'] } }],
      AlarmActions: [{ Ref: logicalId(created.stack.alerts.topic) }],
      AlarmDescription: Match.stringLikeRegexp('^Dead letters: EMR cluster/step events'),
    });
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('has no unacknowledged finding, with roles created or imported', () => {
    expect(unsuppressedNagFindings(created.stack)).toEqual([]);
    expect(unsuppressedNagFindings(imported.stack)).toEqual([]);
  });

  it('acknowledges the managed EMR service policy and the EMR wildcards with reasons that name them', () => {
    const acks = acknowledgements(created.stack).filter((a) => a.path.startsWith('Rsched/Fleet/'));
    expect(
      acks.find((a) =>
        a.id.endsWith('AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2]'),
      )?.path,
    ).toBe('Rsched/Fleet/ServiceRole');
    // Only on the dedicated wildcard policies, never on a role: a new "*" in a default policy is still reported.
    const star = acks.filter((a) => a.id.endsWith('AwsSolutions-IAM5[Resource::*]'));
    expect([...new Set(star.map((a) => a.path))].sort()).toEqual([
      'Rsched/Fleet/ProvisionerRole/LaunchClusters',
      'Rsched/Fleet/RegistryRole/DataPipelineSubmit',
      'Rsched/Fleet/RegistryRole/LaunchClusters',
    ]);
    expect(star.some((a) => a.reason.includes('RunJobFlow and elasticmapreduce:ListClusters have no resource-level permissions'))).toBe(
      true,
    );
    const clusters = acks.filter((a) => a.id.endsWith(':cluster/*]'));
    expect([...new Set(clusters.map((a) => a.path))].sort()).toEqual([
      'Rsched/Fleet/ProvisionerRole',
      'Rsched/Fleet/RegistryRole',
      'Rsched/Fleet/TerminatorRole',
    ]);
    for (const ack of acks) expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThan(60);
  });
});

it('outputs the cluster-events topic, the fleet functions and its dead-letter queue', () => {
  const outputs = template.toJSON().Outputs;
  expect(outputs[STACK_OUTPUTS.clusterEventsTopic].Value).toEqual({ Ref: logicalId(fleet.clusterEventsTopic) });
  expect(outputs[STACK_OUTPUTS.provisionerFunction].Value).toEqual({ Ref: logicalId(fleet.provisioner) });
  expect(outputs[STACK_OUTPUTS.terminatorFunction].Value).toEqual({ Ref: logicalId(fleet.terminator) });
  expect(outputs[STACK_OUTPUTS.registryFunction].Value).toEqual({ Ref: logicalId(fleet.registry) });
  expect(outputs[STACK_OUTPUTS.fleetDeadLetterQueue].Value).toEqual({ Ref: logicalId(fleet.deadLetters) });
});

it('builds no fleet for a config without clusters', () => {
  const { stack, template: t } = synthesize({}, join(__dirname, 'fixtures', 'valid'));
  expect(stack.fleet).toBeUndefined();
  t.resourceCountIs('AWS::Events::Rule', 0);
  t.resourceCountIs('AWS::IAM::InstanceProfile', 0);
  expect(
    emrStatements(t)
      .flatMap(({ statement }) => asList(statement.Action as string | string[]))
      .sort(),
  ).toEqual([
    'elasticmapreduce:AddJobFlowSteps',
    'elasticmapreduce:AddJobFlowSteps',
    'elasticmapreduce:ListSteps',
    'elasticmapreduce:ListSteps',
  ]);
});
