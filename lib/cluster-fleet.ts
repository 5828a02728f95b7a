import { Annotations, Duration, Stack, TimeZone } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { Cluster, Dag } from '../lambdas/domain/config/dag';
import { toEventBridgeCron } from '../lambdas/domain/cron';
import { EMR_MANAGED_POLICY_TAG } from '../lambdas/domain/fleet/cluster-tags';
import { PROVISION_LEASE_MS } from '../lambdas/engine/fleet/deps';
import { EMR_DETAIL_TYPES, HANDLED_EMR_STATES } from '../lambdas/events/emr-event';
import type { FleetEvent } from '../lambdas/events/fleet-event';
import { ENV } from '../lambdas/runtime/env';
import type { Alerts } from './alerts';
import { type ClusterTag, grantOnStackClusters } from './cluster-tag';
import { CONTEXT_KEYS, DEFAULT_RETENTION_DAYS, type EmrInputs, S3_URI } from './context';
import type { DagConfig } from './dag-config';
import { DeadLetterQueue } from './dead-letter-queue';
import { TABLE_ACTIONS } from './designed-table';
import { type EmrRoles, FLEET_EMR_ACTIONS, grantLaunch, grantPassRole } from './fleet-grants';
import { type LambdaDefaults, RschedFunction } from './lambda-defaults';
import { acknowledge } from './nag';
import { NodeRoles } from './node-roles';
import type { Scheduler } from './scheduler';
import { grantSubmit } from './submit-grants';
import { TopicRuleTarget } from './topic-rule-target';

export interface ClusterFleetProps {
  /** The validated dag-config; it must define at least one cluster (an empty fleet needs no construct). */
  readonly config: DagConfig;
  /** The tag every cluster gets; the EMR permissions are scoped to it. */
  readonly clusterTag: ClusterTag;
  /** Tables, the schedule group (start/stop/reconcile schedules are added there) and its role. */
  readonly scheduler: Scheduler;
  /** The alert topic the engine publishes to, and the alarms of the fleet's functions and queue. */
  readonly alerts: Alerts;
  /** Customer managed key of the cluster-events topic (EventBridge must be able to use it). */
  readonly topicKey: kms.IKey;
  /** The marker bucket: steps running on the clusters write their `.done` / `.failed` markers there. */
  readonly markerBucket: s3.IBucket;
  readonly lambdaDefaults: LambdaDefaults;
  /** Subnet, existing roles, log archive. @default - no subnet (EMR's default), roles created here, no log archive */
  readonly emr?: EmrInputs;
  /** Days a run's history is kept (the functions write runs). @default 400 */
  readonly retentionDays?: number;
}

/** Function timeouts. Provisioning ones stay below the claim lease (a claim must outlive its invocation). */
const TIMEOUTS = {
  // One conditional write, at most a ListClusters/DescribeCluster search, RunJobFlow (sent once), two writes.
  provisioner: Duration.seconds(60),
  // One query, one conditional update, SetKeepJobFlowAliveWhenNoSteps.
  terminator: Duration.seconds(30),
  // An event: a few reads and writes, ListInstances + DescribeCluster on READY, then AddJobFlowSteps for the
  // runs waiting for the pool (each with the engine's submit retries). The reconcile: DescribeCluster per open window.
  registry: Duration.seconds(90),
} as const;

/** The functions that may call RunJobFlow (the registry through its reconcile). */
const PROVISIONING = ['provisioner', 'registry'] as const;

/** A start/stop schedule fires late at worst this long after its time (the window id is the scheduled time, so late is still right). */
const SCHEDULE_RETRIES = { retryAttempts: 10, maxEventAge: Duration.hours(6) } as const;

/**
 * The time-of-day EMR fleet (SPEC §5): provisioner, terminator and registry
 * functions, each cluster's start and stop schedules (in its time zone), a
 * reconcile every minute, EMR events → cluster-events topic → registry, and
 * the EMR service role and EC2 instance profile (created, or imported from
 * context). Every EMR permission is limited to clusters carrying the stack
 * tag; see fleet-grants.ts.
 *
 * ```
 * start schedule (per cluster, tz) ──▶ provisioner ── claim window, RunJobFlow (tagged rsched:stack)
 * stop schedule  (per cluster, tz) ──▶ terminator  ── draining, SetKeepJobFlowAliveWhenNoSteps false
 * every minute ─────────────────────▶ registry    ── catch-up, terminate after grace, DescribeCluster refresh
 * EMR (aws.emr) ─▶ EventBridge rule ─▶ cluster-events topic (KMS) ─▶ registry ── IP/DNS, redrive, CLUSTER_FAILED, failed steps
 *                         └ undeliverable ─┴──────── failed deliveries / invocations ──▶ fleet dead letters (alarm)
 * ```
 */
export class ClusterFleet extends Construct {
  public readonly provisioner: RschedFunction;
  public readonly terminator: RschedFunction;
  public readonly registry: RschedFunction;
  /** EMR cluster and step events, as EventBridge delivers them. */
  public readonly clusterEventsTopic: sns.Topic;
  public readonly emrEventsRule: events.Rule;
  /** Events and invocations of the fleet that failed after every retry. */
  public readonly deadLetters: DeadLetterQueue;
  /** Passed to RunJobFlow as ServiceRole. */
  public readonly serviceRole: iam.IRole;
  /** The EC2 instance profiles of the nodes: one per pool set when created here (lib/node-roles.ts). */
  public readonly nodeRoles: NodeRoles;
  /** Cluster name → its start / stop schedule. */
  public readonly startSchedules: ReadonlyMap<string, scheduler.Schedule>;
  public readonly stopSchedules: ReadonlyMap<string, scheduler.Schedule>;
  public readonly reconcileSchedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: ClusterFleetProps) {
    super(scope, id);
    const clusters = [...props.config.dag.clusters.values()];
    if (clusters.length === 0) throw new Error(`${id}: the config defines no clusters; create the fleet only when it does`);
    const emr = props.emr ?? {};
    if (emr.logUri !== undefined && !S3_URI.test(emr.logUri)) {
      throw new Error(`${id}: emr.logUri must look like s3://bucket/prefix/, got "${emr.logUri}"`);
    }
    for (const name of PROVISIONING) {
      if (TIMEOUTS[name].toMilliseconds() >= PROVISION_LEASE_MS) {
        throw new Error(
          `${id}: the ${name} provisions clusters; its timeout must stay below the ${PROVISION_LEASE_MS / 60_000}-minute claim lease`,
        );
      }
    }
    const tag = props.clusterTag;
    const { runsTable, clustersTable } = props.scheduler;

    if (!emr.serviceRoleName && !emr.subnetId) {
      // Not an error: the offline example synthesizes without an account. A deploy like this cannot start a cluster.
      Annotations.of(this).addWarningV2(
        'rsched:emrSubnetMissing',
        `The stack creates the EMR service role (AmazonEMRServicePolicy_v2) but ${CONTEXT_KEYS.emrSubnetId} is empty: that policy lets EMR launch instances only in a subnet (and security groups) tagged ${EMR_MANAGED_POLICY_TAG.key}=${EMR_MANAGED_POLICY_TAG.value}, so no cluster of this fleet can start. Set -c ${CONTEXT_KEYS.emrSubnetId}=subnet-… (tagged), or -c ${CONTEXT_KEYS.emrServiceRoleName}=<your role>, then run: rsched doctor. See docs/fleet.md, "Deploying it".`,
      );
    }
    const dataAccess = (emr.instanceDataBuckets?.length ?? 0) + (emr.instanceManagedPolicyArns?.length ?? 0) > 0;
    if (emr.instanceProfileName && dataAccess) {
      Annotations.of(this).addWarningV2(
        'rsched:emrDataAccessIgnored',
        `${CONTEXT_KEYS.emrInstanceDataBuckets} and ${CONTEXT_KEYS.emrInstanceManagedPolicyArns} apply to the instance role the stack creates; with ${CONTEXT_KEYS.emrInstanceProfileName} set, grant that data to your own instance role instead.`,
      );
    }
    const roles = this.emrRoles(emr, props.config.dag, props.markerBucket);
    this.serviceRole = roles.serviceRole;
    this.nodeRoles = roles.nodeRoles;

    this.deadLetters = new DeadLetterQueue(this, 'FleetDeadLetters', {
      holds: 'EMR cluster/step events and fleet start, stop and reconcile invocations that failed after every retry',
      next: 'Read the messages (aws sqs receive-message). Cluster state and starts/stops repair themselves through the reconcile every minute; for lost step failures run: rsched reconcile --date <date>',
    });

    const environment = {
      [ENV.RUNS_TABLE]: runsTable.tableName,
      [ENV.CLUSTERS_TABLE]: clustersTable.tableName,
      [ENV.ALERT_TOPIC_ARN]: props.alerts.topic.topicArn,
      [ENV.RETENTION_DAYS]: String(props.retentionDays ?? DEFAULT_RETENTION_DAYS),
      [ENV.STACK_TAG]: tag.value,
      [ENV.EMR_SERVICE_ROLE]: this.serviceRole.roleName,
      ...this.instanceProfileEnvironment(),
      ...(emr.subnetId ? { [ENV.EMR_SUBNET_ID]: emr.subnetId } : {}),
      ...(emr.logUri ? { [ENV.EMR_LOG_URI]: emr.logUri } : {}),
      ...(emr.securityConfiguration ? { [ENV.EMR_SECURITY_CONFIGURATION]: emr.securityConfiguration } : {}),
    };
    const fn = (name: keyof typeof TIMEOUTS, description: string) => {
      const f = new RschedFunction(this, `${name[0]?.toUpperCase()}${name.slice(1)}`, {
        entry: name,
        description: `reactive-scheduler fleet: ${description}`,
        timeout: TIMEOUTS[name],
        defaults: props.lambdaDefaults,
        environment,
        configBundleFile: props.config.bundleFile,
        // Handlers converge on retry; what still fails is kept for the operator.
        async: { retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: this.deadLetters },
      });
      props.alerts.watchFunction(f, name);
      return f;
    };
    this.provisioner = fn('provisioner', "starts a cluster's window at its start (claim, then RunJobFlow)");
    this.terminator = fn('terminator', "drains a cluster's window at its stop (no new steps, grace period)");
    this.registry = fn('registry', 'records EMR cluster and step events; reconciles the fleet every minute');
    props.alerts.watchDeadLetters(this.deadLetters, 'fleet-dead-letters');

    // The provisioner claims windows and raises CLUSTER_FAILED (alerts are de-duplicated in the runs table).
    this.grantEngine(this.provisioner, props);
    grantLaunch(this.provisioner.executionRole, tag, roles);
    // The terminator only reads the window and marks it draining.
    clustersTable.grantTableActions(this.terminator.executionRole, [...TABLE_ACTIONS.read, 'dynamodb:UpdateItem']);
    grantOnStackClusters(this.terminator.executionRole, tag, FLEET_EMR_ACTIONS.stop);
    // The registry: events, re-drive of waiting runs (any target kind may wait for a pool), and the
    // reconcile, which also starts missed windows and resumes abandoned claims.
    this.grantEngine(this.registry, props);
    grantSubmit(this.registry.executionRole, tag, props.config.dag);
    grantLaunch(this.registry.executionRole, tag, roles);
    grantOnStackClusters(this.registry.executionRole, tag, FLEET_EMR_ACTIONS.registry);

    this.clusterEventsTopic = new sns.Topic(this, 'ClusterEventsTopic', {
      displayName: 'reactive-scheduler EMR cluster events',
      masterKey: props.topicKey,
      enforceSSL: true,
    });
    this.clusterEventsTopic.addSubscription(new subscriptions.LambdaSubscription(this.registry, { deadLetterQueue: this.deadLetters }));
    this.emrEventsRule = new events.Rule(this, 'EmrEvents', {
      description: 'reactive-scheduler: EMR cluster state and failed step events to the cluster-events topic',
      eventPattern: {
        source: ['aws.emr'],
        detailType: [EMR_DETAIL_TYPES.cluster, EMR_DETAIL_TYPES.step],
        detail: { state: [...HANDLED_EMR_STATES] },
      },
      targets: [
        new TopicRuleTarget(this.clusterEventsTopic, {
          key: props.topicKey,
          deadLetterQueue: this.deadLetters,
          retryAttempts: 10,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });

    const starts = new Construct(this, 'StartSchedules');
    const stops = new Construct(this, 'StopSchedules');
    const startSchedules = new Map<string, scheduler.Schedule>();
    const stopSchedules = new Map<string, scheduler.Schedule>();
    for (const cluster of clusters) {
      startSchedules.set(cluster.name, this.windowSchedule(props.scheduler, starts, cluster, 'start', this.provisioner));
      stopSchedules.set(cluster.name, this.windowSchedule(props.scheduler, stops, cluster, 'stop', this.terminator));
    }
    this.startSchedules = startSchedules;
    this.stopSchedules = stopSchedules;
    const reconcile: FleetEvent = { source: 'rsched.fleet', action: 'reconcile' };
    this.reconcileSchedule = props.scheduler.addSchedule(this, 'ReconcileSchedule', {
      expression: scheduler.ScheduleExpression.rate(Duration.minutes(1)),
      target: this.registry,
      input: reconcile,
      description: 'rsched fleet reconcile, every minute',
      deadLetterQueue: this.deadLetters,
      // The next minute's tick supersedes this one.
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
    });
  }

  /** One shared instance profile, or the profile of each pool set (keyed by nodeRoleKey). */
  private instanceProfileEnvironment(): Record<string, string> {
    const [shared] = this.nodeRoles.all;
    if (!this.nodeRoles.perPools && shared) return { [ENV.EMR_INSTANCE_PROFILE]: shared.instanceProfile.instanceProfileName };
    const byPools = Object.fromEntries(this.nodeRoles.all.map((r) => [r.key, r.instanceProfile.instanceProfileName]));
    return { [ENV.EMR_INSTANCE_PROFILES]: Stack.of(this).toJsonString(byPools) };
  }

  /** Runs table (runs, alerts), cluster registry, alert topic: what the engine of a fleet function touches. */
  private grantEngine(fn: RschedFunction, props: ClusterFleetProps): void {
    props.scheduler.runsTable.grantTableActions(fn.executionRole, TABLE_ACTIONS.readWrite);
    props.scheduler.clustersTable.grantTableActions(fn.executionRole, TABLE_ACTIONS.readWrite);
    props.alerts.topic.grants.actions(fn.executionRole, ['sns:Publish'], { keyActions: ['kms:GenerateDataKey', 'kms:Decrypt'] });
  }

  private windowSchedule(
    group: Scheduler,
    scope: Construct,
    cluster: Cluster,
    action: 'start' | 'stop',
    target: RschedFunction,
  ): scheduler.Schedule {
    const cron = action === 'start' ? cluster.start : cluster.stop;
    const input: FleetEvent = {
      source: 'rsched.fleet',
      action,
      cluster: cluster.name,
      scheduledTime: scheduler.ContextAttribute.scheduledTime,
    };
    return group.addSchedule(scope, cluster.name, {
      expression: scheduler.ScheduleExpression.expression(toEventBridgeCron(cron), TimeZone.of(cluster.timezone)),
      target,
      input,
      description: `rsched cluster ${cluster.name} ${action}: ${cron} ${cluster.timezone}`,
      deadLetterQueue: this.deadLetters,
      ...SCHEDULE_RETRIES,
    });
  }

  /**
   * The EMR service role (imported when context names it, created otherwise)
   * and the node roles (lib/node-roles.ts). A created service role uses the
   * AWS managed AmazonEMRServicePolicy_v2 (it acts only on EC2 resources
   * tagged for-use-with-amazon-emr-managed-policies=true) plus iam:PassRole
   * for our node roles, which the managed policy allows only for
   * EMR_EC2_DefaultRole.
   */
  private emrRoles(emr: EmrInputs, dag: Dag, markerBucket: s3.IBucket): EmrRoles & { nodeRoles: NodeRoles } {
    const stack = Stack.of(this);
    const nodeRoles = new NodeRoles(this, 'NodeRoles', { dag, emr, markerBucket });
    const instanceRoles = nodeRoles.all.map((r) => r.role);
    let serviceRole: iam.IRole;
    if (emr.serviceRoleName) {
      serviceRole = iam.Role.fromRoleName(this, 'ServiceRole', emr.serviceRoleName, { mutable: false });
    } else {
      const role = new iam.Role(this, 'ServiceRole', {
        description: `EMR service role of the ${stack.stackName} cluster fleet`,
        // Only EMR acting for this account and region may assume it (confused-deputy protection).
        assumedBy: new iam.ServicePrincipal('elasticmapreduce.amazonaws.com').withConditions({
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'elasticmapreduce', resource: '*' }) },
        }),
        managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEMRServicePolicy_v2')],
      });
      for (const instanceRole of instanceRoles) grantPassRole(role, instanceRole, 'ec2.amazonaws.com');
      acknowledge(
        role,
        'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2]',
        'AmazonEMRServicePolicy_v2 is the service role policy AWS maintains for EMR; it acts only on EC2 resources tagged for-use-with-amazon-emr-managed-policies=true and follows new EMR features.',
      );
      serviceRole = role;
    }
    return { serviceRole, instanceRoles, nodeRoles };
  }
}
