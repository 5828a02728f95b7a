import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * AWS CloudFormation Guard rules run at synth by `@cdklabs/cdk-validator-cfnguard`
 * (the AWS Control Tower proactive controls, bin/app.ts), next to cdk-nag.
 * Every exception is acknowledged on the construct it concerns, with the
 * reason, never disabled for the whole app: a new resource that breaks a rule
 * still fails synthesis.
 */
export const GUARD_RULES = {
  /** CT.CLOUDWATCH.PR.2: log groups kept at least a year. */
  logRetention: 'cloudwatch_log_group_retention_period_check',
  /** CT.CLOUDWATCH.PR.3: log groups encrypted with a KMS key. */
  logEncryption: 'cloudwatch_log_group_encrypted_check',
  /** CT.DYNAMODB.PR.2: tables encrypted with a KMS key. */
  tableKms: 'dynamodb_table_encrypted_kms_check',
  /** CT.LAMBDA.PR.3: functions in a customer VPC. */
  lambdaVpc: 'lambda_inside_vpc_check',
  /** CT.S3.PR.10: buckets encrypted with SSE-KMS. */
  bucketKms: 's3_bucket_default_encryption_kms_check',
  /** CT.S3.PR.11: bucket versioning. */
  bucketVersioning: 's3_bucket_versioning_enabled_check',
  /** CT.S3.PR.2: bucket server access logging. */
  bucketLogging: 's3_bucket_logging_enabled_check',
  /** CT.S3.PR.4: bucket event notifications. */
  bucketNotifications: 's3_event_notifications_enabled_check',
  /** CT.S3.PR.9: S3 Object Lock. */
  bucketObjectLock: 's3_bucket_object_lock_enabled_check',
  /** CT.SQS.PR.1: queues with a dead-letter queue. */
  queueDlq: 'sqs_dlq_check',
} as const;

export type GuardRule = (typeof GUARD_RULES)[keyof typeof GUARD_RULES];

/** Acknowledges one CloudFormation Guard rule on `scope` (and what it contains), with the reason. */
export function acknowledgeGuard(scope: IConstruct, rule: GuardRule, reason: string): void {
  Validations.of(scope).acknowledge({ id: `cdk-validator-cfnguard::${rule}`, reason });
}

/** Reasons shared by every function of the stack (lib/lambda-defaults.ts). */
export const FUNCTION_GUARD_REASONS = {
  [GUARD_RULES.lambdaVpc]:
    'The functions call only AWS APIs (DynamoDB, SNS, S3, EMR, Data Pipeline, Secrets Manager) and Slack over HTTPS; a VPC would add NAT gateways or interface endpoints (about $7+/month each) and cold-start latency for no reachable private resource.',
  [GUARD_RULES.logRetention]:
    'Function logs are operational (the run history and audit trail live in the runs table, 400 days by default); the retention is LambdaDefaults.logRetention, three months by default, to keep the log bill bounded.',
  [GUARD_RULES.logEncryption]:
    'CloudWatch Logs encrypts every log group at rest by default; the logs hold run ids and error messages, never the webhook or data, so a customer managed key would only add its $1/month and key-policy coupling.',
} as const;
