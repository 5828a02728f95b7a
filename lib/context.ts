/**
 * The stack's inputs as `cdk.json` context (or `cdk deploy -c key=value`).
 * Plain data and checks: no aws-cdk-lib import, so the CLI can read the same
 * keys (e.g. the default stack name) without loading CDK.
 */

import { DEFAULT_TUNING } from '../lambdas/engine/deps';
/** Context keys, with the meaning each has. */
export const CONTEXT_KEYS = {
  /** CloudFormation stack name (the CLI's `--stack` default). */
  stackName: 'rsched:stackName',
  /** Directory of the dag-config files, relative to the app (default `dag-config`). */
  configDir: 'rsched:configDir',
  /** An existing bucket to receive markers; empty creates one. */
  markerBucketName: 'rsched:markerBucketName',
  /** E-mail addresses subscribed to the alert topic: a JSON list, or a comma-separated string on the command line. */
  alertEmails: 'rsched:alertEmails',
  /** Name or ARN of the Secrets Manager secret holding the Slack incoming-webhook URL; empty: no Slack notifier. */
  slackWebhookSecretName: 'rsched:slackWebhookSecretName',
  /** AWS Chatbot: Slack workspace (team) id and channel id; both or neither. */
  chatbotSlackWorkspaceId: 'rsched:chatbotSlackWorkspaceId',
  chatbotSlackChannelId: 'rsched:chatbotSlackChannelId',
  /** EMR inputs for the cluster fleet: subnet, service role, EC2 instance profile (and its role), log archive. */
  emrSubnetId: 'rsched:emrSubnetId',
  emrServiceRoleName: 'rsched:emrServiceRoleName',
  emrInstanceProfileName: 'rsched:emrInstanceProfileName',
  emrInstanceRoleName: 'rsched:emrInstanceRoleName',
  emrLogUri: 'rsched:emrLogUri',
  /** Buckets the created instance role may read and write (the jobs' code and data): a JSON list, or comma-separated. */
  emrInstanceDataBuckets: 'rsched:emrInstanceDataBuckets',
  /** Managed policy ARNs attached to the created instance role (your own data-access policies): a JSON list, or comma-separated. */
  emrInstanceManagedPolicyArns: 'rsched:emrInstanceManagedPolicyArns',
  /** Name of an existing EMR security configuration (encryption at rest/in transit, Kerberos) given to RunJobFlow. */
  emrSecurityConfiguration: 'rsched:emrSecurityConfiguration',
  /** Days a run's history is kept before DynamoDB's TTL removes it. */
  retentionDays: 'rsched:retentionDays',
  markerDaysBack: 'rsched:markerDaysBack',
  markerDaysAhead: 'rsched:markerDaysAhead',
  /** Reserve Lambda concurrency for the functions (false for accounts with a concurrency limit of 10). */
  reserveConcurrency: 'rsched:reserveConcurrency',
} as const;

export const DEFAULT_STACK_NAME = 'ReactiveScheduler';
export const DEFAULT_RETENTION_DAYS = 400;

/** Marker run dates the scheduler accepts: at most `daysBack` before today and `daysAhead` after it (UTC). */
export interface MarkerWindow {
  readonly daysBack: number;
  readonly daysAhead: number;
}

/**
 * Reserved concurrency the stack asks for (when rsched:reserveConcurrency is
 * true). Plain data so `rsched doctor` can compare it with the account's
 * unreserved concurrency before anything is deployed.
 */
export const RESERVED_CONCURRENCY = { scheduler: 20, sweeper: 1, slackNotifier: 2 } as const;

/** The EMR settings of the cluster fleet (lib/cluster-fleet.ts). */
export interface EmrInputs {
  /** `Ec2SubnetId` of every cluster. @default - EMR's default */
  readonly subnetId?: string;
  /** An existing EMR service role. @default - one is created */
  readonly serviceRoleName?: string;
  /** An existing EC2 instance profile for the nodes. @default - one is created */
  readonly instanceProfileName?: string;
  /**
   * The role inside `instanceProfileName`, for iam:PassRole.
   * @default - the instance profile's name (EMR's convention, as in EMR_EC2_DefaultRole)
   */
  readonly instanceRoleName?: string;
  /** `s3://bucket/prefix/` for EMR's logs; a created instance role may write there. @default - no log archive */
  readonly logUri?: string;
  /** Buckets a created instance role may read and write (GetObject, PutObject, ListBucket). @default - none */
  readonly instanceDataBuckets?: readonly string[];
  /** Managed policies attached to a created instance role. @default - none */
  readonly instanceManagedPolicyArns?: readonly string[];
  /** `SecurityConfiguration` of every cluster (created beforehand with `aws emr create-security-configuration`). @default - none */
  readonly securityConfiguration?: string;
}

export interface ChatbotInputs {
  readonly slackWorkspaceId: string;
  readonly slackChannelId: string;
}

/** Everything the app reads from context, checked. */
export interface AppInputs {
  readonly stackName: string;
  readonly configDir?: string;
  readonly markerBucketName?: string;
  readonly alertEmails: readonly string[];
  readonly slackWebhookSecret?: string;
  readonly chatbot?: ChatbotInputs;
  readonly emr: EmrInputs;
  readonly retentionDays: number;
  /** Marker run dates accepted around today (docs/markers.md). */
  readonly markerWindow: MarkerWindow;
  readonly reserveConcurrency: boolean;
}

/** Thrown when context values are wrong; lists every problem, each naming its key. */
export class ContextInvalidError extends Error {
  override readonly name = 'ContextInvalidError';
  constructor(readonly problems: readonly string[]) {
    super(
      `cdk.json context is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Loose on purpose: SNS confirms the address by mail; this only catches typos such as a missing @. */
export const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const SUBNET = /^subnet-[0-9a-f]+$/;
/** What RunJobFlow accepts as LogUri: an S3 bucket, optionally a prefix. */
export const S3_URI = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/;
const SLACK_ID = /^[A-Z0-9]{8,}$/;
const POLICY_ARN = /^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/.+$/;
/** What CreateSecurityConfiguration accepts as a name. */
const SECURITY_CONFIGURATION = /^[A-Za-z0-9_.-]{1,10280}$/;

/**
 * Reads the context through `get` (e.g. `key => app.node.tryGetContext(key)`).
 * Empty strings mean "not set", so cdk.json can list every key with a blank value.
 */
export function readAppInputs(get: (key: string) => unknown): AppInputs {
  const problems: string[] = [];
  const text = (key: string, pattern?: RegExp, what?: string): string | undefined => {
    const value = get(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') {
      problems.push(`${key} must be a string, got ${JSON.stringify(value)}`);
      return undefined;
    }
    if (pattern && !pattern.test(value)) problems.push(`${key} must be ${what}, got "${value}"`);
    return value;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const value = get(key);
    if (value === undefined || value === '') return fallback;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    problems.push(`${key} must be true or false, got ${JSON.stringify(value)}`);
    return fallback;
  };

  const stackName =
    text(CONTEXT_KEYS.stackName, STACK_NAME, 'a CloudFormation stack name (letters, digits, hyphens)') ?? DEFAULT_STACK_NAME;
  const markerBucketName = text(CONTEXT_KEYS.markerBucketName, BUCKET_NAME, 'an S3 bucket name');
  const slackWebhookSecret = text(CONTEXT_KEYS.slackWebhookSecretName);

  const rawEmails = get(CONTEXT_KEYS.alertEmails);
  let alertEmails: string[] = [];
  if (typeof rawEmails === 'string') alertEmails = rawEmails.split(',').map((e) => e.trim());
  else if (Array.isArray(rawEmails)) alertEmails = rawEmails.map(String);
  else if (rawEmails !== undefined && rawEmails !== null) problems.push(`${CONTEXT_KEYS.alertEmails} must be a list of e-mail addresses`);
  alertEmails = alertEmails.filter((e) => e !== '');
  for (const e of alertEmails) if (!EMAIL.test(e)) problems.push(`${CONTEXT_KEYS.alertEmails}: "${e}" is not an e-mail address`);

  const list = (key: string, pattern: RegExp, what: string): string[] => {
    const raw = get(key);
    let values: string[] = [];
    if (typeof raw === 'string') values = raw.split(',').map((v) => v.trim());
    else if (Array.isArray(raw)) values = raw.map(String);
    else if (raw !== undefined && raw !== null) problems.push(`${key} must be a list of ${what}`);
    values = values.filter((v) => v !== '');
    for (const v of values) if (!pattern.test(v)) problems.push(`${key}: "${v}" is not ${what}`);
    return values;
  };

  const workspace = text(CONTEXT_KEYS.chatbotSlackWorkspaceId, SLACK_ID, 'a Slack workspace id such as T0123ABCD');
  const channel = text(CONTEXT_KEYS.chatbotSlackChannelId, SLACK_ID, 'a Slack channel id such as C0123ABCD');
  if ((workspace === undefined) !== (channel === undefined)) {
    problems.push(`${CONTEXT_KEYS.chatbotSlackWorkspaceId} and ${CONTEXT_KEYS.chatbotSlackChannelId} go together: set both or neither`);
  }

  const rawDays = get(CONTEXT_KEYS.retentionDays);
  let retentionDays = DEFAULT_RETENTION_DAYS;
  if (rawDays !== undefined && rawDays !== '') {
    const n = Number(rawDays);
    if (!Number.isInteger(n) || n < 1 || n > 3650)
      problems.push(`${CONTEXT_KEYS.retentionDays} must be a whole number of days from 1 to 3650, got ${JSON.stringify(rawDays)}`);
    else retentionDays = n;
  }

  const days = (key: string, fallback: number, max: number): number => {
    const raw = get(key);
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (Number.isInteger(n) && n >= 0 && n <= max) return n;
    problems.push(`${key} must be a whole number of days from 0 to ${max}, got ${JSON.stringify(raw)}`);
    return fallback;
  };
  const markerWindow: MarkerWindow = {
    daysBack: days(CONTEXT_KEYS.markerDaysBack, DEFAULT_TUNING.markerDaysBack, 3650),
    daysAhead: days(CONTEXT_KEYS.markerDaysAhead, DEFAULT_TUNING.markerDaysAhead, 31),
  };

  const inputs: AppInputs = {
    stackName,
    configDir: text(CONTEXT_KEYS.configDir),
    markerBucketName,
    alertEmails,
    slackWebhookSecret,
    chatbot: workspace && channel ? { slackWorkspaceId: workspace, slackChannelId: channel } : undefined,
    emr: {
      subnetId: text(CONTEXT_KEYS.emrSubnetId, SUBNET, 'a subnet id such as subnet-0123abcd'),
      serviceRoleName: text(CONTEXT_KEYS.emrServiceRoleName),
      instanceProfileName: text(CONTEXT_KEYS.emrInstanceProfileName),
      instanceRoleName: text(CONTEXT_KEYS.emrInstanceRoleName),
      logUri: text(CONTEXT_KEYS.emrLogUri, S3_URI, 'an S3 URI such as s3://my-logs/emr/'),
      instanceDataBuckets: list(CONTEXT_KEYS.emrInstanceDataBuckets, BUCKET_NAME, 'an S3 bucket name'),
      instanceManagedPolicyArns: list(CONTEXT_KEYS.emrInstanceManagedPolicyArns, POLICY_ARN, 'an IAM managed policy ARN'),
      securityConfiguration: text(CONTEXT_KEYS.emrSecurityConfiguration, SECURITY_CONFIGURATION, 'an EMR security configuration name'),
    },
    retentionDays,
    markerWindow,
    reserveConcurrency: bool(CONTEXT_KEYS.reserveConcurrency, true),
  };
  if (problems.length > 0) throw new ContextInvalidError(problems);
  return inputs;
}
