import { EMRClient } from '@aws-sdk/client-emr';
import { AwsEmrControl, type FleetSettings } from '../adapters/aws/emr-control';
import type { Dag } from '../domain/config/dag';
import type { FleetDeps } from '../engine/fleet/deps';
import type { BackfillStore } from '../ports/backfill-store';
import type { Log } from '../ports/log';
import { type ClientSettings, clientConfig, instrumented } from './client-settings';
import { type AwsResources, awsEngineParts } from './engine-deps';
import { ENV, requireEnv } from './env';
import { lambdaInputs } from './lambda-inputs';

/** The engine plus the fleet's registry and EMR control (provisioner, terminator, registry functions). */
export function awsFleetDeps(
  dag: Dag,
  resources: AwsResources,
  log: Log,
  fleet: FleetSettings,
  settings: ClientSettings = {},
): FleetDeps & { readonly backfills: BackfillStore } {
  const parts = awsEngineParts(dag, resources, log, settings);
  return {
    ...parts.engine,
    registry: parts.registry,
    // Every fleet event calls EMR (RunJobFlow, TerminateJobFlows, DescribeCluster): built now, not lazily.
    emr: new AwsEmrControl(instrumented(new EMRClient(clientConfig(settings, 'emr')), settings, 'emr'), fleet),
    backfills: parts.backfills,
  };
}

/** The fleet Lambdas' (provisioner, terminator, registry) dependencies; EMR settings from the environment. */
export function lambdaFleetDeps(log: Log, env: NodeJS.ProcessEnv = process.env): FleetDeps {
  const { dag, resources } = lambdaInputs(env);
  return awsFleetDeps(dag, resources, log, {
    stackTag: requireEnv(ENV.STACK_TAG, env),
    serviceRole: requireEnv(ENV.EMR_SERVICE_ROLE, env),
    jobFlowRole: instanceProfilesFromEnv(env),
    subnetId: env[ENV.EMR_SUBNET_ID] || undefined,
    logUri: env[ENV.EMR_LOG_URI] || undefined,
    securityConfiguration: env[ENV.EMR_SECURITY_CONFIGURATION] || undefined,
  });
}

/** The shared instance profile, or the profile of each pool set (JSON written by the CDK app). Exported for tests. */
export function instanceProfilesFromEnv(env: NodeJS.ProcessEnv): FleetSettings['jobFlowRole'] {
  const byPools = env[ENV.EMR_INSTANCE_PROFILES];
  if (!byPools) return requireEnv(ENV.EMR_INSTANCE_PROFILE, env);
  const parsed: unknown = JSON.parse(byPools);
  if (typeof parsed !== 'object' || parsed === null || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw new Error(`${ENV.EMR_INSTANCE_PROFILES} must be a JSON object of instance profile names, got ${byPools}`);
  }
  return parsed as Record<string, string>;
}
