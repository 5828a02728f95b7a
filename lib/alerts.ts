import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { deadLetterAlarmDescription } from '../lambdas/domain/alarm-notification';
import { ENV } from '../lambdas/runtime/env';
import { type ChatbotInputs, EMAIL, RESERVED_CONCURRENCY } from './context';
import { DeadLetterQueue } from './dead-letter-queue';
import { type LambdaDefaults, RschedFunction } from './lambda-defaults';

/** Window of the heartbeat alarms: a function invoked every minute must show at least one invocation in it. */
const HEARTBEAT_PERIOD = Duration.minutes(5);

export interface AlertsProps {
  /** Encrypts the alert topic; must be a customer managed key (CloudWatch cannot use aws/sns). */
  readonly key: kms.IKey;
  readonly lambdaDefaults: LambdaDefaults;
  /** Addresses subscribed to the topic (each confirms by e-mail). @default - none */
  readonly emails?: readonly string[];
  /**
   * Name or ARN of the Secrets Manager secret holding the Slack incoming-webhook
   * URL. The template holds only this reference; the notifier reads the value
   * at run time. @default - no Slack notifier
   */
  readonly slackWebhookSecret?: string;
  /** Also post the topic to Slack through AWS Chatbot. @default - no Chatbot channel */
  readonly chatbot?: ChatbotInputs;
}

/**
 * The alert topic (SPEC §6) and everyone listening to it: e-mail, the Slack
 * notifier, optionally AWS Chatbot. Also where alarms are made: every alarm of
 * the stack notifies this topic.
 */
export class Alerts extends Construct {
  public readonly topic: sns.Topic;
  public readonly slackNotifier?: RschedFunction;
  /** Alerts the Slack notifier could not deliver after its retries. */
  public readonly slackDeadLetters?: DeadLetterQueue;
  public readonly chatbotChannel?: chatbot.SlackChannelConfiguration;
  private readonly alarmAction: actions.SnsAction;

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    for (const email of props.emails ?? []) {
      if (!EMAIL.test(email)) throw new Error(`${id}: "${email}" is not an e-mail address`);
    }
    if (props.slackWebhookSecret !== undefined && props.slackWebhookSecret.trim() === '') {
      throw new Error(`${id}: slackWebhookSecret is empty`);
    }
    if (props.chatbot && (!props.chatbot.slackWorkspaceId || !props.chatbot.slackChannelId)) {
      throw new Error(`${id}: chatbot needs both slackWorkspaceId and slackChannelId`);
    }
    const stack = Stack.of(this);

    this.topic = new sns.Topic(this, 'AlertTopic', { displayName: 'reactive-scheduler alerts', masterKey: props.key, enforceSSL: true });
    // CloudWatch alarms publish as the cloudwatch.amazonaws.com service: allow this account's alarms,
    // and let them use the topic's key (the AWS managed aws/sns key cannot grant this).
    const alarmsOfThisAccount = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: alarmsOfThisAccount,
      }),
    );
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsUseKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.alarmAction = new actions.SnsAction(this.topic);

    for (const email of props.emails ?? []) this.topic.addSubscription(new subscriptions.EmailSubscription(email));

    if (props.slackWebhookSecret) {
      const secretRef = props.slackWebhookSecret;
      const secret = webhookSecret(this, secretRef);
      this.slackDeadLetters = new DeadLetterQueue(this, 'SlackDeadLetters', {
        holds: 'alerts the Slack notifier could not post after every retry',
        next: 'Check the webhook secret and Slack, then read the messages (aws sqs receive-message): e-mail subscribers received these alerts.',
      });
      this.slackNotifier = new RschedFunction(this, 'SlackNotifier', {
        entry: 'slack-notifier',
        description: 'reactive-scheduler: posts alerts and alarms to Slack (webhook URL read from Secrets Manager)',
        // One secret read and one HTTPS post (5 s timeout) per alert, with one re-read after a rejection.
        timeout: Duration.seconds(20),
        memorySize: 256,
        defaults: props.lambdaDefaults,
        // Gentle with Slack's rate limit (about one message per second per webhook) during an alert storm.
        reservedConcurrency: RESERVED_CONCURRENCY.slackNotifier,
        environment: { [ENV.SLACK_SECRET_ID]: secretRef },
        async: { retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: this.slackDeadLetters },
      });
      secret.grantRead(this.slackNotifier.executionRole);
      this.topic.addSubscription(new subscriptions.LambdaSubscription(this.slackNotifier, { deadLetterQueue: this.slackDeadLetters }));
    }

    if (props.chatbot) {
      this.chatbotChannel = new chatbot.SlackChannelConfiguration(this, 'Chatbot', {
        // Chatbot configuration names are unique per account, not per region: the region keeps two deployments apart.
        slackChannelConfigurationName: `${stack.stackName.slice(0, 100)}-${stack.region}-alerts`,
        slackWorkspaceId: props.chatbot.slackWorkspaceId,
        slackChannelId: props.chatbot.slackChannelId,
        notificationTopics: [this.topic],
        // Notifications only: nobody in the channel may run commands through Chatbot.
        guardrailPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AWSDenyAll')],
      });
    }
  }

  /** Alarms on a function's errors (any in 5 minutes) and throttles (5 or more in 5 minutes). */
  public watchFunction(fn: lambda.Function, name: string): cloudwatch.Alarm[] {
    const period = Duration.minutes(5);
    return [
      this.alarm(
        `${fn.node.id}Errors`,
        `${name}-errors`,
        fn.metricErrors({ period, statistic: 'Sum' }),
        1,
        `${name} failed; Lambda retries it (see its logs).`,
      ),
      this.alarm(
        `${fn.node.id}Throttles`,
        `${name}-throttles`,
        fn.metricThrottles({ period, statistic: 'Sum' }),
        5,
        `${name} is throttled at its reserved concurrency; events wait in Lambda's queue.`,
      ),
    ];
  }

  /** Alarms as soon as a dead-letter queue holds a message; the Slack notifier turns it into a DEAD_LETTER alert. */
  public watchDeadLetters(queue: DeadLetterQueue, name: string): cloudwatch.Alarm {
    return this.alarm(
      `${queue.node.id}Depth`,
      name,
      queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      1,
      deadLetterAlarmDescription(queue.holds, queue.next),
    );
  }

  /**
   * The dead-man's switch of a function invoked every minute by a schedule:
   * fewer than one invocation in 5 minutes alarms, and so does no data at all
   * (missing data is breaching). Lambda publishes `Invocations` only for
   * periods with invocations, so a function nobody invokes has no data points;
   * the errors alarms treat missing data as fine and would stay silent. See
   * docs/deploy.md, "Alarms and the dashboard".
   */
  public watchHeartbeat(fn: lambda.Function, name: string, what: string): cloudwatch.Alarm {
    return this.alarm(
      `${fn.node.id}Heartbeat`,
      `${name}-heartbeat`,
      fn.metricInvocations({ period: HEARTBEAT_PERIOD, statistic: 'Sum' }),
      1,
      `${name} was not invoked in 5 minutes (it runs every minute): ${what} has stopped. Check its EventBridge schedule (enabled? the scheduler alarms?) and run: rsched doctor`,
      { comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD, missing: cloudwatch.TreatMissingData.BREACHING },
    );
  }

  /**
   * Alarms on the AWS/Scheduler metrics of a schedule group (dimension
   * ScheduleGroup), from "Monitoring Amazon EventBridge Scheduler with Amazon
   * CloudWatch" (https://docs.aws.amazon.com/scheduler/latest/UserGuide/monitoring-cloudwatch.html):
   * TargetErrorCount (the target refused an invocation, e.g. a role that
   * cannot be assumed or may not invoke), InvocationDroppedCount (dropped after
   * the retry policy, no DLQ) and InvocationsFailedToBeSentToDeadLetterCount
   * (the DLQ refused it too: the invocation is lost).
   */
  public watchScheduleGroup(group: scheduler.IScheduleGroup): cloudwatch.Alarm[] {
    const period = Duration.minutes(5);
    return [
      this.alarm(
        'ScheduleTargetErrors',
        'schedule-target-errors',
        group.metricTargetErrors({ period, statistic: 'Sum' }),
        1,
        'EventBridge Scheduler could not invoke a function (the target answered an error: permissions, throttling or a missing function). Run: rsched doctor',
      ),
      this.alarm(
        'ScheduleInvocationsDropped',
        'schedule-invocations-dropped',
        group.metricDropped({ period, statistic: 'Sum' }),
        1,
        'EventBridge Scheduler dropped invocations after its retries: triggers, sweeps or fleet starts were lost. Run: rsched reconcile --date <date>',
      ),
      this.alarm(
        'ScheduleDeadLettersFailed',
        'schedule-dead-letters-failed',
        group.metricFailedToBeSentToDLQ(undefined, { period, statistic: 'Sum' }),
        1,
        'EventBridge Scheduler could not put failed invocations into their dead-letter queue: they are lost. Check the queue policy and encryption, then run: rsched reconcile --date <date>',
      ),
    ];
  }

  private alarm(
    id: string,
    name: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    description: string,
    options: { comparison?: cloudwatch.ComparisonOperator; missing?: cloudwatch.TreatMissingData } = {},
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: `${Stack.of(this).stackName}-${name}`,
      alarmDescription: description,
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: options.comparison ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: options.missing ?? cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.alarmAction);
    return alarm;
  }
}

/**
 * The secret by full ARN (exactly that secret), partial ARN or name (the
 * policy then matches the name plus the 6-character suffix Secrets Manager adds).
 */
function webhookSecret(scope: Construct, ref: string): secretsmanager.ISecret {
  const id = 'SlackWebhookSecret';
  if (!ref.startsWith('arn:')) return secretsmanager.Secret.fromSecretNameV2(scope, id, ref);
  return /-[A-Za-z0-9]{6}$/.test(ref)
    ? secretsmanager.Secret.fromSecretCompleteArn(scope, id, ref)
    : secretsmanager.Secret.fromSecretPartialArn(scope, id, ref);
}
