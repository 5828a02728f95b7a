import { join } from 'node:path';
import { AssetHashType, DockerImage, type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { CONFIG_BUNDLE_FILE } from '../lambdas/domain/config/bundle';
import { EsmBundling, HANDLER_FILE } from './esm-bundle';
import { acknowledgeGuard, FUNCTION_GUARD_REASONS, GUARD_RULES } from './guard';
import { wildcardPolicy } from './nag';

/** The repository root: entries and node_modules live here. */
const PROJECT_ROOT = join(__dirname, '..');

/** Settings every function of the stack shares; one place to change them. */
export interface LambdaDefaults {
  /** @default Runtime.NODEJS_24_X (the newest Node.js runtime aws-cdk-lib knows) */
  readonly runtime?: lambda.Runtime;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** @default ApplicationLogLevel.INFO (Powertools follows Lambda's advanced logging controls) */
  readonly logLevel?: lambda.ApplicationLogLevel;
  /** Active X-Ray tracing. @default false */
  readonly tracing?: boolean;
  /**
   * Apply the reserved concurrency each function asks for. Accounts whose
   * concurrency limit is 10 cannot reserve any; set false there.
   * @default true
   */
  readonly reserveConcurrency?: boolean;
}

/** How a function treats asynchronous invocations (SNS, EventBridge Scheduler). */
export interface AsyncInvocation {
  /** Lambda's own retries after a function error (0–2). */
  readonly retryAttempts: number;
  /** Events older than this are dropped (or sent to `onFailure`). */
  readonly maxEventAge: Duration;
  /** Where events go after the last retry. @default - they are dropped */
  readonly onFailure?: sqs.IQueue;
}

export interface RschedFunctionProps {
  /** File name under `lambdas/entry/`, without `.ts`; also the Powertools service name `rsched-<entry>`. */
  readonly entry: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly defaults: LambdaDefaults;
  /** @default 512 (arm64: the SDK's cold start is CPU-bound, and CPU scales with memory) */
  readonly memorySize?: number;
  /** Applied only when `defaults.reserveConcurrency` allows. @default - unreserved */
  readonly reservedConcurrency?: number;
  readonly environment?: Readonly<Record<string, string>>;
  /** A config bundle file (see DagConfig.bundleFile) shipped as `dag-config.json` next to the handler. @default - none */
  readonly configBundleFile?: string;
  readonly async: AsyncInvocation;
}

/**
 * A function of this stack: a local esbuild bundle (an ES module split into
 * chunks loaded on first use, minified, the AWS SDK included so the pinned
 * versions run: lib/esm-bundle.ts), arm64, the newest Node.js runtime, JSON
 * logs with a retention, its own role with nothing but its log group, and
 * explicit asynchronous-invocation behaviour.
 *
 * The role and log group are created beside the function (`<id>Role`,
 * `<id>Logs`) because the function needs them at construction.
 */
export class RschedFunction extends lambda.Function {
  /** The function's execution role; grant to it (it starts with log-writing only). */
  public readonly executionRole: iam.Role;
  public readonly logs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: RschedFunctionProps) {
    if (!Number.isInteger(props.async.retryAttempts) || props.async.retryAttempts < 0 || props.async.retryAttempts > 2) {
      throw new Error(`${id}: async.retryAttempts must be 0, 1 or 2 (Lambda's limit), got ${props.async.retryAttempts}`);
    }
    const defaults = props.defaults;
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of rsched-${props.entry}`,
    });
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: defaults.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      // Logs expire by retention anyway; a torn-down stack leaves no orphan log groups behind.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      code: lambda.Code.fromAsset(PROJECT_ROOT, {
        // Hashed by what is shipped, as NodejsFunction does: the same bundle is the same asset.
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Never pulled: local bundling always succeeds (NodejsFunction names the same placeholder).
          image: DockerImage.fromRegistry('dummy'),
          local: new EsmBundling({
            entry: join(PROJECT_ROOT, 'lambdas', 'entry', `${props.entry}.ts`),
            extraFiles: props.configBundleFile ? { [props.configBundleFile]: CONFIG_BUNDLE_FILE } : undefined,
          }),
        },
      }),
      handler: `${HANDLER_FILE.replace(/\.mjs$/, '')}.handler`,
      description: props.description,
      runtime: defaults.runtime ?? lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: defaults.logLevel ?? lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      // Active tracing is set below, on the template, so that X-Ray's "*" statement lives in a policy of its own.
      tracing: lambda.Tracing.DISABLED,
      reservedConcurrentExecutions: (defaults.reserveConcurrency ?? true) ? props.reservedConcurrency : undefined,
      retryAttempts: props.async.retryAttempts,
      maxEventAge: props.async.maxEventAge,
      onFailure: props.async.onFailure ? new SqsDestination(props.async.onFailure) : undefined,
      environment: {
        POWERTOOLS_SERVICE_NAME: `rsched-${props.entry}`,
        POWERTOOLS_METRICS_NAMESPACE: 'ReactiveScheduler',
        ...props.environment,
      },
    });
    this.executionRole = role;
    this.logs = logGroup;
    acknowledgeGuard(this, GUARD_RULES.lambdaVpc, FUNCTION_GUARD_REASONS[GUARD_RULES.lambdaVpc]);
    acknowledgeGuard(logGroup, GUARD_RULES.logRetention, FUNCTION_GUARD_REASONS[GUARD_RULES.logRetention]);
    acknowledgeGuard(logGroup, GUARD_RULES.logEncryption, FUNCTION_GUARD_REASONS[GUARD_RULES.logEncryption]);
    logGroup.grantWrite(role);
    if (defaults.tracing) {
      (this.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: 'Active' };
      const xray = wildcardPolicy(
        role,
        'Tracing',
        [new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] })],
        'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions; "*" is the only resource they accept. Nothing else is in this policy.',
      );
      this.node.addDependency(xray);
    }
  }
}
