import type { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { ISchedule, IScheduleTarget, ScheduleTargetConfig, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

export interface InvokeTargetProps {
  /** The role EventBridge Scheduler assumes; shared by the stack's schedules. */
  readonly role: iam.IRole;
  readonly input: ScheduleTargetInput;
  /** Invocations Scheduler could not make (after its retries) land here. */
  readonly deadLetterQueue: sqs.IQueue;
  /** Scheduler's retries of a failed invocation (0–185). */
  readonly retryAttempts: number;
  /** How long Scheduler keeps trying (60 s – 24 h). */
  readonly maxEventAge: Duration;
}

/**
 * An EventBridge Scheduler target that invokes a function asynchronously.
 * Unlike aws-scheduler-targets' LambdaInvoke, whose `grantInvoke` also allows
 * every version and alias (`<function arn>:*`), the role may invoke the
 * unqualified function ARN only — the one the schedule calls.
 */
export class InvokeTarget implements IScheduleTarget {
  constructor(
    private readonly fn: lambda.IFunction,
    private readonly props: InvokeTargetProps,
  ) {}

  bind(_schedule: ISchedule): ScheduleTargetConfig {
    const { role, deadLetterQueue } = this.props;
    iam.Grant.addToPrincipal({ grantee: role, actions: ['lambda:InvokeFunction'], resourceArns: [this.fn.functionArn] });
    iam.Grant.addToPrincipal({ grantee: role, actions: ['sqs:SendMessage'], resourceArns: [deadLetterQueue.queueArn] });
    return {
      arn: this.fn.functionArn,
      role,
      input: this.props.input,
      deadLetterConfig: { arn: deadLetterQueue.queueArn },
      retryPolicy: {
        maximumRetryAttempts: this.props.retryAttempts,
        maximumEventAgeInSeconds: this.props.maxEventAge.toSeconds(),
      },
    };
  }
}
