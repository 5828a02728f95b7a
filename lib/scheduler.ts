import { Duration, RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { toEventBridgeCron } from '../lambdas/domain/cron';
import { CLUSTERS_TABLE, RUNS_TABLE } from '../lambdas/domain/table-design';
import { DEFAULT_TUNING } from '../lambdas/engine/deps';
import type { TriggerEvent } from '../lambdas/events/trigger-event';
import { ENV } from '../lambdas/runtime/env';
import type { ClusterTag } from './cluster-tag';
import { DEFAULT_RETENTION_DAYS, type MarkerWindow, RESERVED_CONCURRENCY } from './context';
import type { DagConfig } from './dag-config';
import { DeadLetterQueue } from './dead-letter-queue';
import { DesignedTable, TABLE_ACTIONS } from './designed-table';
import { InvokeTarget } from './invoke-target';
import { type LambdaDefaults, RschedFunction } from './lambda-defaults';
import { grantSubmit } from './submit-grants';

export interface SchedulerProps {
  /** The validated dag-config: root schedules come from it, and both functions ship its bundle. */
  readonly config: DagConfig;
  /** Where the engine publishes alerts. */
  readonly alertTopic: sns.Topic;
  readonly lambdaDefaults: LambdaDefaults;
  /** Scopes the EMR permissions to the fleet's clusters. */
  readonly clusterTag: ClusterTag;
  /** Days before a run's history expires (DynamoDB TTL). @default 400 */
  readonly retentionDays?: number;
  /** Marker run dates accepted around today. @default - 400 days back, 1 day ahead */
  readonly markerWindow?: MarkerWindow;
  /**
   * Reserved concurrency of the scheduler function: caps the burst of EMR and
   * Data Pipeline calls a flood of markers (a backfill) can cause; throttled
   * events wait in Lambda's async queue, they are not lost.
   * @default 20
   */
  readonly schedulerConcurrency?: number;
}

/** A schedule of this stack (root triggers, the sweeper, and later the fleet's start/stop). */
export interface TriggerScheduleProps {
  readonly expression: scheduler.ScheduleExpression;
  readonly target: lambda.IFunction;
  readonly input: object;
  readonly description: string;
  /** Scheduler's retries when it cannot invoke the function. */
  readonly retryAttempts: number;
  readonly maxEventAge: Duration;
  /** Where invocations that still fail go. @default - this construct's dead-letter queue */
  readonly deadLetterQueue?: sqs.IQueue;
}

/**
 * The trust conditions of the schedules' execution role. AWS's "Confused
 * deputy prevention in EventBridge Scheduler"
 * (https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html):
 * "The value of aws:SourceArn must be your EventBridge Scheduler schedule
 * group ARN … Do not scope the aws:SourceArn statement to a specific schedule
 * or a schedule name prefix." Scheduler sends the group ARN as aws:SourceArn,
 * so a `schedule/<group>/*` pattern never matches and no schedule could ever
 * assume the role (docs/deploy.md, "What deploy relies on").
 */
export function scheduleRoleTrustConditions(group: scheduler.IScheduleGroup): Record<string, Record<string, unknown>> {
  return {
    StringEquals: { 'aws:SourceAccount': Stack.of(group).account, 'aws:SourceArn': group.scheduleGroupArn },
  };
}

// Below the engine's claim lease: a SUBMITTING claim must outlive the function that holds it.
const ENGINE_TIMEOUT = Duration.minutes(2);

/**
 * The scheduler: runs and cluster-registry tables, the scheduler function
 * (markers and root triggers), the sweeper (every minute), the root jobs'
 * EventBridge schedules, and the dead-letter queue for everything on this
 * side that failed after its retries.
 *
 * ```
 * markers topic ──SNS──▶ scheduler ──on failure──▶ dead letters ◀── schedules that could not invoke
 * root schedules ──────▶ scheduler                     ▲
 * every minute ────────▶ sweeper                        └── SNS deliveries that failed (marker subscription)
 * ```
 */
export class Scheduler extends Construct {
  public readonly runsTable: DesignedTable;
  public readonly clustersTable: DesignedTable;
  public readonly schedulerFunction: RschedFunction;
  public readonly sweeperFunction: RschedFunction;
  /** Events that failed after every retry: async invocations of the scheduler, undeliverable SNS messages, failed schedule invocations. */
  public readonly deadLetters: DeadLetterQueue;
  public readonly scheduleGroup: scheduler.ScheduleGroup;
  /** The role EventBridge Scheduler assumes for every schedule of the stack. */
  public readonly scheduleRole: iam.Role;
  /** Root job name → its start schedule. */
  public readonly rootSchedules: ReadonlyMap<string, scheduler.Schedule>;
  public readonly sweeperSchedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: SchedulerProps) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? DEFAULT_RETENTION_DAYS;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) {
      throw new Error(`${id}: retentionDays must be a positive whole number, got ${retentionDays}`);
    }
    const concurrency = props.schedulerConcurrency ?? RESERVED_CONCURRENCY.scheduler;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new Error(`${id}: schedulerConcurrency must be a positive whole number, got ${concurrency}`);
    }
    if (ENGINE_TIMEOUT.toMinutes() >= DEFAULT_TUNING.claimLeaseMinutes) {
      throw new Error(`${id}: function timeout must stay below the engine's ${DEFAULT_TUNING.claimLeaseMinutes}-minute claim lease`);
    }

    // Run history is the audit trail (SPEC §4.6): kept when the stack goes, and protected from deletion.
    this.runsTable = new DesignedTable(this, 'Runs', { design: RUNS_TABLE });
    // The registry only mirrors live EMR state; the fleet rebuilds it, so it goes with the stack.
    this.clustersTable = new DesignedTable(this, 'Clusters', { design: CLUSTERS_TABLE, removalPolicy: RemovalPolicy.DESTROY });

    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', {
      holds: 'marker events and triggers the scheduler could not process after every retry',
      next: 'Read the messages (aws sqs receive-message) to see which markers or triggers were lost, fix the cause, then run: rsched reconcile --date <date>',
    });

    const environment = {
      [ENV.RUNS_TABLE]: this.runsTable.tableName,
      [ENV.CLUSTERS_TABLE]: this.clustersTable.tableName,
      [ENV.ALERT_TOPIC_ARN]: props.alertTopic.topicArn,
      [ENV.RETENTION_DAYS]: String(retentionDays),
      ...(props.markerWindow
        ? { [ENV.MARKER_DAYS_BACK]: String(props.markerWindow.daysBack), [ENV.MARKER_DAYS_AHEAD]: String(props.markerWindow.daysAhead) }
        : {}),
    };
    this.schedulerFunction = new RschedFunction(this, 'SchedulerFunction', {
      entry: 'scheduler',
      description: 'reactive-scheduler: records marker events and root triggers, submits runs whose upstreams are done',
      timeout: ENGINE_TIMEOUT,
      defaults: props.lambdaDefaults,
      reservedConcurrency: concurrency,
      environment,
      configBundleFile: props.config.bundleFile,
      // A failed batch is retried twice (handlers converge on retry), then kept in the dead-letter queue.
      async: { retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: this.deadLetters },
    });
    this.sweeperFunction = new RschedFunction(this, 'SweeperFunction', {
      entry: 'sweeper',
      description: 'reactive-scheduler: every minute, times out waits, retries, reconciles submissions, raises LATE alerts',
      timeout: ENGINE_TIMEOUT,
      defaults: props.lambdaDefaults,
      // One sweep at a time; sweeps are idempotent, a second one would only repeat the first.
      reservedConcurrency: RESERVED_CONCURRENCY.sweeper,
      environment,
      configBundleFile: props.config.bundleFile,
      // The next tick redoes a failed sweep, so a failed tick is neither retried nor kept (the errors alarm reports it).
      async: { retryAttempts: 0, maxEventAge: Duration.minutes(1) },
    });

    for (const fn of [this.schedulerFunction, this.sweeperFunction]) {
      this.runsTable.grantTableActions(fn.executionRole, TABLE_ACTIONS.readWrite);
      this.clustersTable.grantTableActions(fn.executionRole, TABLE_ACTIONS.read);
      props.alertTopic.grants.actions(fn.executionRole, ['sns:Publish'], { keyActions: ['kms:GenerateDataKey', 'kms:Decrypt'] });
      grantSubmit(fn.executionRole, props.clusterTag, props.config.dag);
    }

    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'Schedules', { removalPolicy: RemovalPolicy.DESTROY });
    this.scheduleRole = new iam.Role(this, 'ScheduleRole', {
      description: 'Assumed by EventBridge Scheduler to invoke the reactive-scheduler functions',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com').withConditions(scheduleRoleTrustConditions(this.scheduleGroup)),
    });

    const roots = new Construct(this, 'RootSchedules');
    const rootSchedules = new Map<string, scheduler.Schedule>();
    for (const job of props.config.dag.jobs.values()) {
      if (job.schedule === undefined) continue;
      const input: TriggerEvent = { source: 'rsched.trigger', job: job.name, scheduledTime: scheduler.ContextAttribute.scheduledTime };
      rootSchedules.set(
        job.name,
        this.addSchedule(roots, job.name, {
          expression: scheduler.ScheduleExpression.expression(toEventBridgeCron(job.schedule), TimeZone.of(job.timezone)),
          target: this.schedulerFunction,
          input,
          description: `rsched root job ${job.name}: ${job.schedule} ${job.timezone}`,
          // A late trigger still starts the right run date (it carries scheduledTime), so keep trying for hours.
          retryAttempts: 10,
          maxEventAge: Duration.hours(6),
        }),
      );
    }
    this.rootSchedules = rootSchedules;

    this.sweeperSchedule = this.addSchedule(this, 'SweeperSchedule', {
      expression: scheduler.ScheduleExpression.rate(Duration.minutes(1)),
      target: this.sweeperFunction,
      input: { source: 'rsched.sweep', scheduledTime: scheduler.ContextAttribute.scheduledTime },
      description: 'rsched sweeper, every minute',
      // The next minute's tick supersedes this one.
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
    });
  }

  /**
   * Adds a schedule to the stack's schedule group, invoking `target` with
   * `input`, no flexible window, and failed invocations kept in a
   * dead-letter queue (this construct's unless another is given). The cluster
   * fleet adds its start/stop schedules here, with its own queue.
   */
  public addSchedule(scope: Construct, id: string, props: TriggerScheduleProps): scheduler.Schedule {
    return new scheduler.Schedule(scope, id, {
      scheduleGroup: this.scheduleGroup,
      schedule: props.expression,
      description: props.description.slice(0, 512),
      timeWindow: scheduler.TimeWindow.off(),
      target: new InvokeTarget(props.target, {
        role: this.scheduleRole,
        input: scheduler.ScheduleTargetInput.fromObject(props.input),
        deadLetterQueue: props.deadLetterQueue ?? this.deadLetters,
        retryAttempts: props.retryAttempts,
        maxEventAge: props.maxEventAge,
      }),
    });
  }
}
