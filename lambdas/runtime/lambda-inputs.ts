import { fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { type BundleSource, CONFIG_BUNDLE_FILE, dagFromBundle } from '../domain/config/bundle';
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

/**
 * The config file, read where asked: a cold start reads its index, not the
 * megabytes of job bodies a large config has (config/bundle.ts). The file
 * stays open for the execution environment's life; it is part of the
 * read-only deployment package, so what is read later is what synth wrote.
 */
function fileSource(path: string): BundleSource {
  const fd = openSync(path, 'r');
  return {
    size: fstatSync(fd).size,
    read(position, length) {
      const out = Buffer.allocUnsafe(length);
      const got = readSync(fd, out, 0, length, position);
      return got === length ? out : out.subarray(0, got);
    },
  };
}

/** Cold start of a Lambda: the config from the bundle, resource names from the environment. */
export function lambdaInputs(env: NodeJS.ProcessEnv): { dag: Dag; resources: AwsResources } {
  return {
    dag: dagFromBundle(fileSource(configBundlePath(env))),
    resources: {
      runsTable: requireEnv(ENV.RUNS_TABLE, env),
      clustersTable: requireEnv(ENV.CLUSTERS_TABLE, env),
      alertTopicArn: requireEnv(ENV.ALERT_TOPIC_ARN, env),
      retentionDays: optionalIntEnv(ENV.RETENTION_DAYS, 400, env),
      markerBucket: env[ENV.MARKER_BUCKET] || undefined,
    },
  };
}
