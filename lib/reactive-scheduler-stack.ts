import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { Alerts } from './alerts';
import { ClusterFleet } from './cluster-fleet';
import { type ClusterTag, clusterTagOf } from './cluster-tag';
import { CompletionEvents } from './completion-events';
import type { ChatbotInputs, EmrInputs, MarkerWindow } from './context';
import type { DagConfig } from './dag-config';
import type { LambdaDefaults, RschedFunction } from './lambda-defaults';
import { Markers } from './markers';
import { OperationsDashboard } from './operations-dashboard';
import { Scheduler } from './scheduler';
import { STACK_OUTPUTS } from './stack-outputs';

export interface ReactiveSchedulerStackProps extends StackProps {
  /** The validated dag-config (see loadDagConfig). */
  readonly config: DagConfig;
  /** Receive markers in this existing bucket. @default - a new bucket */
  readonly markerBucketName?: string;
  /** @default - no e-mail subscriptions */
  readonly alertEmails?: readonly string[];
  /** Name or ARN of the secret with the Slack webhook URL. @default - no Slack notifier */
  readonly slackWebhookSecret?: string;
  /** @default - no AWS Chatbot channel */
  readonly chatbot?: ChatbotInputs;
  /** Inputs of the cluster fleet (subnet, roles). @default - none */
  readonly emr?: EmrInputs;
  /** Days a run's history is kept. @default 400 */
  readonly retentionDays?: number;
  /** Marker run dates accepted around today. @default - 400 days back, 1 day ahead */
  readonly markerWindow?: MarkerWindow;
  /** Shared settings of every function. @default - see LambdaDefaults */
  readonly lambdaDefaults?: LambdaDefaults;
}

/**
 * reactive-scheduler in one stack: markers (S3 → SNS), the scheduler (tables,
 * functions, schedules) and alerts, each its own construct. The pieces a new
 * concern needs are public here — tables, the alert topic and its alarms, the
 * shared Lambda defaults, the schedule group — so the cluster fleet plugs in
 * with one line below.
 */
export class ReactiveSchedulerStack extends Stack {
  public readonly config: DagConfig;
  public readonly lambdaDefaults: LambdaDefaults;
  /** The customer managed key of both topics (S3 and CloudWatch must be able to use it). */
  public readonly topicKey: kms.Key;
  public readonly alerts: Alerts;
  public readonly scheduler: Scheduler;
  public readonly markers: Markers;
  /** Completion from service events (docs/completion.md); undefined when no job has completion "events". */
  public readonly completion?: CompletionEvents;
  /** The cluster fleet; undefined when the config defines no clusters. */
  public readonly fleet?: ClusterFleet;
  /** Passed through for the cluster fleet. */
  public readonly emr: EmrInputs;
  /** The tag the fleet must put on its clusters; the EMR permissions are scoped to it. */
  public readonly clusterTag: ClusterTag;
  /** The operator's CloudWatch dashboard. */
  public readonly dashboard: OperationsDashboard;

  constructor(scope: Construct, id: string, props: ReactiveSchedulerStackProps) {
    super(scope, id, props);
    this.config = props.config;
    this.lambdaDefaults = props.lambdaDefaults ?? {};
    this.emr = props.emr ?? {};
    this.clusterTag = clusterTagOf(this);
    Tags.of(this).add(this.clusterTag.key, this.clusterTag.value);

    this.topicKey = new kms.Key(this, 'TopicKey', {
      description: `Encrypts the ${this.stackName} SNS topics (marker events, alerts)`,
      enableKeyRotation: true,
      // Only messages in flight depend on it; a retained key would bill $1/month after teardown.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // AWS Control Tower proactive control CT.KMS.PR.3: only AWS services may create grants on the key (nothing here needs one).
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'GrantsOnlyForAwsServices',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      }),
    );

    this.alerts = new Alerts(this, 'Alerts', {
      key: this.topicKey,
      lambdaDefaults: this.lambdaDefaults,
      emails: props.alertEmails,
      slackWebhookSecret: props.slackWebhookSecret,
      chatbot: props.chatbot,
    });
    this.scheduler = new Scheduler(this, 'Scheduler', {
      config: props.config,
      alertTopic: this.alerts.topic,
      lambdaDefaults: this.lambdaDefaults,
      clusterTag: this.clusterTag,
      retentionDays: props.retentionDays,
      markerWindow: props.markerWindow,
    });
    this.markers = new Markers(this, 'Markers', {
      existingBucketName: props.markerBucketName,
      topicKey: this.topicKey,
      consumer: this.scheduler.schedulerFunction,
      deadLetterQueue: this.scheduler.deadLetters,
      writers: [...props.config.dag.jobs.values()]
        .filter((job) => job.markers.writers !== undefined)
        .map((job) => ({ job: job.name, prefix: job.markers.prefix ?? '', principals: job.markers.writers ?? [] })),
    });

    // The time-of-day EMR fleet, when the config defines clusters (an empty fleet needs nothing).
    this.fleet =
      props.config.dag.clusters.size > 0
        ? new ClusterFleet(this, 'Fleet', {
            config: props.config,
            clusterTag: this.clusterTag,
            scheduler: this.scheduler,
            alerts: this.alerts,
            topicKey: this.topicKey,
            markerBucket: this.markers.bucket,
            lambdaDefaults: this.lambdaDefaults,
            emr: this.emr,
            retentionDays: props.retentionDays,
          })
        : undefined;
    // A job that restricts its marker writers still runs on its pool's nodes: their created role writes its markers.
    for (const nodeRole of this.fleet?.nodeRoles.perPools ? this.fleet.nodeRoles.all : []) {
      for (const job of props.config.dag.jobs.values()) {
        if (job.pool !== undefined && nodeRole.pools.includes(job.pool)) this.markers.allowWriters([job.name], [nodeRole.role.roleArn]);
      }
    }

    this.completion = [...props.config.dag.jobs.values()].some((job) => job.completion === 'events')
      ? new CompletionEvents(this, 'Completion', {
          config: props.config,
          runsTable: this.scheduler.runsTable,
          markerBucket: this.markers.bucket,
          markers: this.markers,
          clustersTableName: this.scheduler.clustersTable.tableName,
          alertTopic: this.alerts.topic,
          alerts: this.alerts,
          lambdaDefaults: this.lambdaDefaults,
          sweeper: this.scheduler.sweeperFunction,
          clusterTag: this.clusterTag,
        })
      : undefined;

    this.alerts.watchFunction(this.scheduler.schedulerFunction, 'scheduler');
    this.alerts.watchFunction(this.scheduler.sweeperFunction, 'sweeper');
    this.alerts.watchDeadLetters(this.scheduler.deadLetters, 'dead-letters');
    if (this.alerts.slackNotifier) this.alerts.watchFunction(this.alerts.slackNotifier, 'slack-notifier');
    if (this.alerts.slackDeadLetters) this.alerts.watchDeadLetters(this.alerts.slackDeadLetters, 'slack-dead-letters');
    // Dead-man's switches: the errors alarms stay silent when nothing runs at all.
    this.alerts.watchHeartbeat(this.scheduler.sweeperFunction, 'sweeper', 'timeouts, retries, LATE alerts and backfills');
    if (this.fleet) this.alerts.watchHeartbeat(this.fleet.registry, 'fleet-reconcile', "the fleet's catch-up and termination");
    this.alerts.watchScheduleGroup(this.scheduler.scheduleGroup);

    const functions = new Map<string, RschedFunction>([
      ['scheduler', this.scheduler.schedulerFunction],
      ['sweeper', this.scheduler.sweeperFunction],
    ]);
    if (this.fleet) {
      functions.set('provisioner', this.fleet.provisioner);
      functions.set('terminator', this.fleet.terminator);
      functions.set('registry', this.fleet.registry);
    }
    if (this.alerts.slackNotifier) functions.set('slack-notifier', this.alerts.slackNotifier);
    if (this.completion) functions.set('completion', this.completion.completionFunction);
    const queues = new Map<string, sqs.IQueue>([['dead-letters', this.scheduler.deadLetters]]);
    if (this.fleet) queues.set('fleet-dead-letters', this.fleet.deadLetters);
    if (this.alerts.slackDeadLetters) queues.set('slack-dead-letters', this.alerts.slackDeadLetters);
    if (this.completion) queues.set('completion-dead-letters', this.completion.deadLetters);
    this.dashboard = new OperationsDashboard(this, 'Operations', {
      functions,
      sweeperFunction: this.scheduler.sweeperFunction,
      deadLetterQueues: queues,
      scheduleGroup: this.scheduler.scheduleGroup,
    });

    const output = (key: string, value: string, description: string) => new CfnOutput(this, key, { value, description });
    output(STACK_OUTPUTS.markerBucket, this.markers.bucket.bucketName, 'Bucket that receives <job>__<YYYYMMDD>.done / .failed markers');
    output(STACK_OUTPUTS.markerTopic, this.markers.topic.topicArn, 'SNS topic of marker events');
    output(STACK_OUTPUTS.alertTopic, this.alerts.topic.topicArn, 'SNS topic of alerts (subscribe here)');
    output(STACK_OUTPUTS.runsTable, this.scheduler.runsTable.tableName, 'DynamoDB table of runs and their history');
    output(STACK_OUTPUTS.clustersTable, this.scheduler.clustersTable.tableName, 'DynamoDB table of the cluster registry');
    output(STACK_OUTPUTS.schedulerFunction, this.scheduler.schedulerFunction.functionName, 'Scheduler function');
    output(STACK_OUTPUTS.sweeperFunction, this.scheduler.sweeperFunction.functionName, 'Sweeper function');
    if (this.alerts.slackNotifier)
      output(STACK_OUTPUTS.slackNotifierFunction, this.alerts.slackNotifier.functionName, 'Slack notifier function');
    output(STACK_OUTPUTS.deadLetterQueue, this.scheduler.deadLetters.queueUrl, 'Dead-letter queue of the scheduler side');
    output(STACK_OUTPUTS.scheduleGroup, this.scheduler.scheduleGroup.scheduleGroupName, 'EventBridge Scheduler group of every schedule');
    if (this.completion) {
      output(
        STACK_OUTPUTS.completionFunction,
        this.completion.completionFunction.functionName,
        'Completion function (service events to markers)',
      );
      output(STACK_OUTPUTS.completionDeadLetterQueue, this.completion.deadLetters.queueUrl, 'Dead-letter queue of the completion events');
    }
    if (this.fleet) {
      output(STACK_OUTPUTS.clusterEventsTopic, this.fleet.clusterEventsTopic.topicArn, 'SNS topic of EMR cluster and step events');
      output(STACK_OUTPUTS.provisionerFunction, this.fleet.provisioner.functionName, 'Cluster provisioner function');
      output(STACK_OUTPUTS.terminatorFunction, this.fleet.terminator.functionName, 'Cluster terminator function');
      output(STACK_OUTPUTS.registryFunction, this.fleet.registry.functionName, 'Cluster registry function (EMR events, reconcile)');
      output(STACK_OUTPUTS.fleetDeadLetterQueue, this.fleet.deadLetters.queueUrl, 'Dead-letter queue of the cluster fleet');
      output(STACK_OUTPUTS.emrServiceRole, this.fleet.serviceRole.roleName, 'EMR service role of the clusters');
      const { nodeRoles } = this.fleet;
      const [shared] = nodeRoles.all;
      if (nodeRoles.perPools) {
        const byPools = Object.fromEntries(nodeRoles.all.map((r) => [r.key, r.instanceProfile.instanceProfileName]));
        output(
          STACK_OUTPUTS.emrInstanceProfiles,
          this.toJsonString(byPools),
          'EC2 instance profile of the cluster nodes, per set of pools (JSON)',
        );
      } else if (shared) {
        output(STACK_OUTPUTS.emrInstanceProfile, shared.instanceProfile.instanceProfileName, 'EC2 instance profile of the cluster nodes');
      }
    }
  }
}
