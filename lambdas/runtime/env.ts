/** Reads a required environment variable once, at cold start, failing fast with its name. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new Error(`environment variable ${name} is not set; the stack sets it, so check the function's configuration`);
  }
  return value;
}

export function optionalIntEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`environment variable ${name} must be a whole number, got "${value}"`);
  return n;
}

/** Names of the environment variables the stack passes to the functions. */
export const ENV = {
  RUNS_TABLE: 'RSCHED_RUNS_TABLE',
  CLUSTERS_TABLE: 'RSCHED_CLUSTERS_TABLE',
  ALERT_TOPIC_ARN: 'RSCHED_ALERT_TOPIC_ARN',
  CONFIG_FILE: 'RSCHED_CONFIG_FILE',
  RETENTION_DAYS: 'RSCHED_RETENTION_DAYS',
  /** Scheduler: the only bucket and topic whose marker events it trusts (docs/threat-model.md). */
  MARKER_BUCKET: 'RSCHED_MARKER_BUCKET',
  MARKER_TOPIC_ARN: 'RSCHED_MARKER_TOPIC_ARN',
  /** Scheduler: marker run dates accepted around today (default 400 back, 1 ahead). */
  MARKER_DAYS_BACK: 'RSCHED_MARKER_DAYS_BACK',
  MARKER_DAYS_AHEAD: 'RSCHED_MARKER_DAYS_AHEAD',
  /** Fleet functions: the `rsched:stack` tag value their IAM policies are scoped to. */
  STACK_TAG: 'RSCHED_STACK_TAG',
  EMR_SERVICE_ROLE: 'RSCHED_EMR_SERVICE_ROLE',
  /** One EC2 instance profile for every cluster (an imported one)… */
  EMR_INSTANCE_PROFILE: 'RSCHED_EMR_INSTANCE_PROFILE',
  /** …or a JSON object: the profile of each pool set, keyed by nodeRoleKey (roles the stack creates). */
  EMR_INSTANCE_PROFILES: 'RSCHED_EMR_INSTANCE_PROFILES',
  EMR_SUBNET_ID: 'RSCHED_EMR_SUBNET_ID',
  EMR_LOG_URI: 'RSCHED_EMR_LOG_URI',
  EMR_SECURITY_CONFIGURATION: 'RSCHED_EMR_SECURITY_CONFIGURATION',
  /** Slack notifier: name or ARN of the Secrets Manager secret holding the webhook URL. */
  SLACK_SECRET_ID: 'RSCHED_SLACK_SECRET_ID',
} as const;
