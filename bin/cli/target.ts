import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Dag } from '../../lambdas/domain/config/dag';
import { didYouMean } from '../../lambdas/domain/config/issues';
import type { Actor } from '../../lambdas/domain/runs/run';
import { type EndpointsFile, endpointsPath, isRunning, readEndpoints } from '../../lambdas/local/endpoints-file';
import type { AlertSink } from '../../lambdas/ports/alert-sink';
import { silentLog } from '../../lambdas/ports/log';
import type { OpsContext } from '../../lambdas/runtime/aws-deps';
import { CONTEXT_KEYS, DEFAULT_STACK_NAME } from '../../lib/context';
import { STACK_OUTPUTS } from '../../lib/stack-outputs';
import { DEFAULT_CONFIG_DIR } from './defaults';
import { UsageError } from './run';

// The SDK clients, the emulators' helpers and the config schema load when a command opens a
// target, not at every start: `rsched --help` should answer at once (docs/local.md).
const awsDeps = () => import('../../lambdas/runtime/aws-deps.js');

/** Options every command that acts on a running system takes. */
export interface TargetOptions {
  readonly local?: boolean;
  readonly stack?: string;
  readonly region?: string;
  readonly config?: string;
}

export interface Target {
  readonly ops: OpsContext;
  readonly dag: Dag;
  /** "local rsched dev (…)" or "stack X in region Y", for messages. */
  readonly description: string;
  readonly ui?: string;
}

/** The stack outputs the CLI reads; lib/stack-outputs.ts is the contract both sides use. */
const STACK_OUTPUT_KEYS = {
  bucket: STACK_OUTPUTS.markerBucket,
  runsTable: STACK_OUTPUTS.runsTable,
  clustersTable: STACK_OUTPUTS.clustersTable,
  alertTopicArn: STACK_OUTPUTS.alertTopic,
} as const;

/** The operator, as recorded in history (`operator:<name>`). */
export function operator(): Actor {
  const name =
    process.env.RSCHED_OPERATOR ??
    (() => {
      try {
        return userInfo().username;
      } catch {
        return 'unknown';
      }
    })();
  return `operator:${name}`;
}

/** `--stack` default: the stack name in cdk.json context, as `cdk deploy` uses it. */
export function defaultStackName(): string {
  if (!existsSync('cdk.json')) return DEFAULT_STACK_NAME;
  const context = (JSON.parse(readFileSync('cdk.json', 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
  const name = context[CONTEXT_KEYS.stackName];
  return typeof name === 'string' && name !== '' ? name : DEFAULT_STACK_NAME;
}

/** In local mode alerts are recorded in the store (status shows them); the dev process prints its own. */
const localAlerts: AlertSink = { publish: async () => {} };

async function localTarget(dag: Dag, endpoints: EndpointsFile): Promise<Target> {
  const [{ awsOpsContext }, { LOCAL_CREDENTIALS }, { tagWithRun }, { clockFromSpec }] = await Promise.all([
    awsDeps(),
    import('../../lambdas/local/dynamodb-emulator.js'),
    import('../../lambdas/local/run-context.js'),
    import('../../lambdas/local/timeline.js'),
  ]);
  const ops = awsOpsContext(
    dag,
    { runsTable: endpoints.tables.runs, clustersTable: endpoints.tables.clusters, alertTopicArn: 'local', bucket: endpoints.bucket },
    silentLog,
    {
      region: endpoints.region,
      credentials: LOCAL_CREDENTIALS,
      endpoints: { dynamodb: endpoints.dynamodb, s3: endpoints.s3, emr: endpoints.controlPlane, datapipeline: endpoints.controlPlane },
      onDataPipelineCommand: tagWithRun,
    },
  );
  return {
    ops: { ...ops, deps: { ...ops.deps, alerts: localAlerts, clock: clockFromSpec(endpoints.clock) } },
    dag,
    description: `local rsched dev (pid ${endpoints.pid}, ${endpoints.dynamodb})`,
    ui: endpoints.ui,
  };
}

async function stackTarget(dag: Dag, stackName: string, region: string | undefined): Promise<Target> {
  const [{ awsOpsContext }, { CloudFormationClient, DescribeStacksCommand }] = await Promise.all([
    awsDeps(),
    import('@aws-sdk/client-cloudformation'),
  ]);
  const cloudFormation = new CloudFormationClient(region ? { region } : {});
  let outputs: Record<string, string>;
  try {
    const out = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = Object.fromEntries((out.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } catch (err) {
    const name = (err as Error).name;
    const where = `region ${(await cloudFormation.config.region().catch(() => undefined)) ?? '(none set)'}`;
    if (name === 'CredentialsProviderError') {
      throw new UsageError(
        `no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), or use --local for rsched dev`,
      );
    }
    if (name === 'ValidationError')
      throw new UsageError(`stack "${stackName}" does not exist in ${where}; deploy it with \`npx cdk deploy\` or pass --stack/--region`);
    if ((err as Error).message.includes('Region is missing')) throw new UsageError('no AWS region set: pass --region or set AWS_REGION');
    throw new UsageError(`could not read stack "${stackName}" in ${where}: ${name}: ${(err as Error).message}`);
  } finally {
    cloudFormation.destroy();
  }
  const get = (key: keyof typeof STACK_OUTPUT_KEYS) => {
    const value = outputs[STACK_OUTPUT_KEYS[key]];
    if (!value) throw new UsageError(`stack "${stackName}" has no output ${STACK_OUTPUT_KEYS[key]}; is it a reactive-scheduler stack?`);
    return value;
  };
  const ops = awsOpsContext(
    dag,
    { runsTable: get('runsTable'), clustersTable: get('clustersTable'), alertTopicArn: get('alertTopicArn'), bucket: get('bucket') },
    silentLog,
    region ? { region } : {},
  );
  return { ops, dag, description: `stack ${stackName}${region ? ` in ${region}` : ''}` };
}

/**
 * Resolves `--local` / `--stack` to the same operations over different
 * endpoints. A `job` the command names is checked against the config first,
 * so a typo is reported as such, not as whatever the endpoints say.
 */
export async function openTarget(opts: TargetOptions, job?: string): Promise<Target> {
  const { loadDagFromDir } = await import('./config.js');
  const dag = loadDagFromDir(opts.config ?? DEFAULT_CONFIG_DIR);
  if (job !== undefined && !dag.jobs.has(job)) {
    throw new UsageError(`unknown job "${job}"${didYouMean(job, dag.jobs.keys())}; \`rsched graph\` lists the jobs`);
  }
  if (opts.local) {
    const endpoints = readEndpoints();
    if (!endpoints) throw new UsageError(`no rsched dev is running here (${endpointsPath()} not found); start one with \`npx rsched dev\``);
    if (!isRunning(endpoints)) {
      throw new UsageError(
        `the rsched dev that wrote ${endpointsPath()} (pid ${endpoints.pid}) is not running any more; start it again with \`npx rsched dev\``,
      );
    }
    return localTarget(dag, endpoints);
  }
  return stackTarget(dag, opts.stack ?? defaultStackName(), opts.region);
}
