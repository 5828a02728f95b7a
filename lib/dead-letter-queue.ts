import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledgeGuard, GUARD_RULES } from './guard';
import { acknowledge } from './nag';

export interface DeadLetterQueueProps {
  /** What ends up here, in a phrase ("events the scheduler could not process"); used in the alarm and its alert. */
  readonly holds: string;
  /** What an operator does about it; shown in the DEAD_LETTER alert. */
  readonly next: string;
}

/**
 * The last stop of a failure path: encrypted (SQS-managed keys, so SNS,
 * Lambda and EventBridge Scheduler can all deliver without key grants),
 * TLS-only, messages kept for the maximum 14 days. Every such queue gets a
 * depth alarm (see Alerts.watchDeadLetters).
 */
export class DeadLetterQueue extends sqs.Queue {
  public readonly holds: string;
  public readonly next: string;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Dead letters are evidence for an investigation; tearing the stack down is the decision to drop them.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.holds = props.holds;
    this.next = props.next;
    const reason = `This queue is itself a dead-letter queue (${props.holds}); a DLQ of a DLQ would only move the problem.`;
    acknowledge(this, 'SQS3', reason);
    acknowledgeGuard(
      this,
      GUARD_RULES.queueDlq,
      `${reason} Lambda, SNS, EventBridge and EventBridge Scheduler write here, not an SQS redrive.`,
    );
  }
}
