import { type Duration, Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

export interface TopicRuleTargetProps {
  /** The customer managed key the topic is encrypted with (EventBridge must be able to use it). */
  readonly key: kms.IKey;
  /** Events EventBridge could not deliver after its retries land here. */
  readonly deadLetterQueue: sqs.IQueue;
  /** EventBridge's retries of a failed delivery (0–185). */
  readonly retryAttempts: number;
  /** How long EventBridge keeps trying (1 min – 24 h). */
  readonly maxEventAge: Duration;
}

/**
 * An EventBridge rule target that publishes to an encrypted SNS topic.
 * Unlike aws-events-targets' SnsTopic, the topic policy lets EventBridge
 * publish only on behalf of the rules bound to it (`aws:SourceArn`), and the
 * key policy grants exactly the two KMS calls publishing to an encrypted topic
 * needs; undeliverable events go to a dead-letter queue that only those rules
 * may write to.
 */
export class TopicRuleTarget implements events.IRuleTarget {
  constructor(
    private readonly topic: sns.ITopic,
    private readonly props: TopicRuleTargetProps,
  ) {}

  bind(rule: events.IRuleRef): events.RuleTargetConfig {
    const events = new iam.ServicePrincipal('events.amazonaws.com');
    // aws:SourceAccount as well as the rule ARN, as "Using IAM policy conditions in Amazon EventBridge"
    // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html) lists both for targets' resource policies.
    const fromThisRule = {
      ArnEquals: { 'aws:SourceArn': rule.ruleRef.ruleArn },
      StringEquals: { 'aws:SourceAccount': Stack.of(this.topic).account },
    };
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [events],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromThisRule,
      }),
    );
    // SNS encrypts what EventBridge publishes with the topic's key, on EventBridge's behalf. No source conditions
    // here: the rule and account are bound on the topic policy above, and a key condition the KMS request might not
    // carry would drop every EMR event without an error anyone sees.
    this.props.key.addToResourcePolicy(
      new iam.PolicyStatement({ principals: [events], actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: ['*'] }),
    );
    const queue = this.props.deadLetterQueue;
    queue.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [events],
        actions: ['sqs:SendMessage'],
        resources: [queue.queueArn],
        conditions: fromThisRule,
      }),
    );
    return {
      arn: this.topic.topicArn,
      targetResource: this.topic,
      deadLetterConfig: { arn: queue.queueArn },
      retryPolicy: {
        maximumRetryAttempts: this.props.retryAttempts,
        maximumEventAgeInSeconds: this.props.maxEventAge.toSeconds(),
      },
    };
  }
}
