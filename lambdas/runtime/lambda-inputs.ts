import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_BUNDLE_FILE, dagFromBundle } from '../domain/config/bundle';
import type { Dag } from '../domain/config/dag';
import type { AwsResources } from './engine-deps';
import { ENV, optionalIntEnv, requireEnv } from './env';

/**
 * Where the config bundle is: RSCHED_CONFIG_FILE, else next to the handler.
 * The bundles are ES modules (no `__dirname`), so "next to the handler" is
 * LAMBDA_TASK_ROOT, "the path to your Lambda function code" (AWS Lambda
 * Developer Guide, "Defined runtime environment variables",
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html).
 */
export function configBundlePath(env: NodeJS.ProcessEnv): string {
  const explicit = env[ENV.CONFIG_FILE];
  if (explicit) return explicit;
  return join(requireEnv('LAMBDA_TASK_ROOT', env), CONFIG_BUNDLE_FILE);
}

/** Cold start of a Lambda: the config from the bundle, resource names from the environment. */
export function lambdaInputs(env: NodeJS.ProcessEnv): { dag: Dag; resources: AwsResources } {
  return {
    dag: dagFromBundle(readFileSync(configBundlePath(env))),
    resources: {
      runsTable: requireEnv(ENV.RUNS_TABLE, env),
      clustersTable: requireEnv(ENV.CLUSTERS_TABLE, env),
      alertTopicArn: requireEnv(ENV.ALERT_TOPIC_ARN, env),
      retentionDays: optionalIntEnv(ENV.RETENTION_DAYS, 400, env),
      markerBucket: env[ENV.MARKER_BUCKET] || undefined,
    },
  };
}
