import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, type IConstruct } from 'constructs';
import { SERVICE_EVENTS } from '../lambdas/domain/completion/service-events';
import { type CompletionService, isCompletionService, terminalStatesOf } from '../lambdas/domain/completion/terminal-states';
import { ENV } from '../lambdas/runtime/env';
import type { Alerts } from './alerts';
import { type ClusterTag, grantOnStackClusters } from './cluster-tag';
import type { DagConfig } from './dag-config';
import { DeadLetterQueue } from './dead-letter-queue';
import { type DesignedTable, TABLE_ACTIONS } from './designed-table';
import { type LambdaDefaults, RschedFunction } from './lambda-defaults';
import { MARKER_SUFFIXES, type Markers } from './markers';
import { acknowledgeWildcardResource } from './nag';
import { grantServicePolls } from './service-target-grants';

export interface CompletionEventsProps {
  /** The validated dag-config: rules are made for the services its completion-"events" jobs use. */
  readonly config: DagConfig;
  /** The runs table: read to match an event to the run's current attempt (by name or the bySubmission index). */
  readonly runsTable: DesignedTable;
  /** Where the markers are written. */
  readonly markerBucket: s3.IBucket;
  /** The marker path: jobs that restrict their writers must let the completion function and the sweeper write. */
  readonly markers: Markers;
  /** Passed to the function's environment only (its engine reads the names at cold start); no access is granted. */
  readonly clustersTableName: string;
  readonly alertTopic: sns.ITopic;
  readonly alerts: Alerts;
  readonly lambdaDefaults: LambdaDefaults;
  /** The sweeper polls runs past maxRuntimeMinutes and writes their markers too. */
  readonly sweeper: RschedFunction;
  /** Scopes the sweeper's DescribeStep to the fleet's clusters. */
  readonly clusterTag: ClusterTag;
}

/**
 * Per-service poll permissions of the sweeper, one read per RunStatusReader (lambdas/adapters/aws/*-run-status.ts),
 * from the Service Authorization Reference:
 * - elasticmapreduce:DescribeStep acts on the cluster resource and honours elasticmapreduce:ResourceTag
 *   ("Actions, resources, and condition keys for Amazon Elastic MapReduce",
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticmapreduce.html);
 * - glue:GetJobRun acts on `job` ("… for AWS Glue",
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsglue.html);
 * - emr-serverless:GetJobRun acts on `jobRun` ("… for Amazon EMR Serverless",
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonemrserverless.html);
 * - states:DescribeExecution acts on `execution` ("… for AWS Step Functions",
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html).
 * Each is granted only on the resources the dag-config names (lib/service-target-grants.ts), evaluated in
 * test/cdk/iam-simulation.test.ts.
 */
export const POLL_ACTIONS: Readonly<Record<CompletionService, readonly string[]>> = {
  'emr-step': ['elasticmapreduce:DescribeStep'],
  glue: ['glue:GetJobRun'],
  'emr-serverless': ['emr-serverless:GetJobRun'],
  stepfunctions: ['states:DescribeExecution'],
};

/**
 * Completion without hand-written markers (docs/completion.md):
 *
 * ```
 * EMR / EMR Serverless / Glue / Step Functions ─▶ EventBridge rule (terminal states only)
 *     ─▶ completion function ── reads the run (runs table) ── writes <job>__<date>.done|.failed ──▶ marker bucket
 *        └ failed after retries ─▶ completion dead letters (alarm)        (then S3 → SNS → scheduler as always)
 * sweeper ── past maxRuntimeMinutes: DescribeStep / GetJobRun / DescribeExecution ── ended? writes the marker itself
 * ```
 *
 * AWS delivers these service events "best effort" (Amazon EventBridge
 * reference, "Event delivery levels", https://docs.aws.amazon.com/eventbridge/latest/ref/event-delivery-level.html;
 * each service's page, e.g. "AWS Glue events", lists "Delivery type: Best effort"),
 * hence the sweeper's poll.
 */
export class CompletionEvents extends Construct {
  public readonly completionFunction: RschedFunction;
  /** One rule per service in use, keyed by target type. */
  public readonly rules: ReadonlyMap<CompletionService, events.Rule>;
  public readonly deadLetters: DeadLetterQueue;
  /** The target types whose jobs the scheduler completes from events. */
  public readonly services: readonly CompletionService[];
  /** Metric rsched/CompletionEventsWithoutMarker by `outcome`: the events that wrote nothing, and why. */
  public readonly outcomes: logs.MetricFilter;

  constructor(scope: Construct, id: string, props: CompletionEventsProps) {
    super(scope, id);
    const services = [
      ...new Set([...props.config.dag.jobs.values()].filter((j) => j.completion === 'events').map((j) => j.target.type as string)),
    ]
      .filter(isCompletionService)
      .sort();
    if (services.length === 0) throw new Error(`${id}: no job has completion "events"; create this construct only when one does`);
    this.services = services;

    this.deadLetters = new DeadLetterQueue(this, 'CompletionDeadLetters', {
      holds:
        'service state-change events (EMR step, EMR Serverless, Glue, Step Functions) the completion function could not turn into markers',
      next: "Read the messages (aws sqs receive-message): each names a run that ended. Write its marker with rsched mark JOB --date D (--failed), or let the sweeper's status poll at maxRuntimeMinutes do it.",
    });
    this.completionFunction = new RschedFunction(this, 'CompletionFunction', {
      entry: 'completion',
      description:
        'reactive-scheduler: writes the marker of a run whose end a service announced (EMR step, EMR Serverless, Glue, Step Functions)',
      // One GetItem (or an index Query and a GetItem) and one PutObject.
      timeout: Duration.seconds(30),
      defaults: props.lambdaDefaults,
      environment: {
        [ENV.RUNS_TABLE]: props.runsTable.tableName,
        [ENV.CLUSTERS_TABLE]: props.clustersTableName,
        [ENV.ALERT_TOPIC_ARN]: props.alertTopic.topicArn,
        [ENV.MARKER_BUCKET]: props.markerBucket.bucketName,
      },
      configBundleFile: props.config.bundleFile,
      // A submission not yet recorded throws: Lambda's retries (1 and 2 minutes later) find it recorded.
      async: { retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: this.deadLetters },
    });

    // Reads runs (GetItem; Query on bySubmission) and writes marker objects: nothing else.
    props.runsTable.grantTableActions(this.completionFunction.executionRole, TABLE_ACTIONS.read);
    for (const role of [this.completionFunction.executionRole, props.sweeper.executionRole]) grantMarkerWrites(role, props.markerBucket);
    props.sweeper.addEnvironment(ENV.MARKER_BUCKET, props.markerBucket.bucketName);
    // A job that names its marker writers (docs/threat-model.md) still gets the markers the scheduler writes for it.
    props.markers.allowWriters(
      [...props.config.dag.jobs.values()].filter((j) => j.completion === 'events').map((j) => j.name),
      [this.completionFunction.executionRole.roleArn, props.sweeper.executionRole.roleArn],
    );
    for (const service of services) {
      const actions = POLL_ACTIONS[service];
      if (service === 'emr-step') grantOnStackClusters(props.sweeper.executionRole, props.clusterTag, actions);
      else grantServicePolls(props.sweeper.executionRole, props.config.dag, service, actions);
    }

    const rules = new Map<CompletionService, events.Rule>();
    for (const service of services) {
      const e = SERVICE_EVENTS[service];
      const stateField = service === 'stepfunctions' ? 'status' : 'state';
      rules.set(
        service,
        new events.Rule(this, `${e.detailType.replace(/[^A-Za-z]/g, '')}Rule`, {
          description: `reactive-scheduler: ${e.detailType} in a terminal state, to the completion function`,
          eventPattern: {
            source: [e.source],
            detailType: [e.detailType],
            detail: {
              [stateField]: terminalStatesOf(service),
              // Steps of this scheduler are named rsched:<job>:<date>:<attempt> (ports/submitter submissionName).
              ...(service === 'emr-step' ? { name: events.Match.prefix('rsched:') } : {}),
            },
          },
          targets: [
            new targets.LambdaFunction(this.completionFunction, {
              deadLetterQueue: this.deadLetters,
              retryAttempts: 10,
              maxEventAge: Duration.hours(6),
            }),
          ],
        }),
      );
    }
    this.rules = rules;
    // Events that wrote nothing are counted by outcome (not-ours, older-attempt, opted-out, already-ended,
    // unrecognised) from the function's JSON logs: a metric per outcome, at no cost while nothing happens.
    this.outcomes = new logs.MetricFilter(this, 'EventsWithoutMarker', {
      logGroup: this.completionFunction.logs,
      metricNamespace: 'rsched',
      metricName: 'CompletionEventsWithoutMarker',
      filterPattern: logs.FilterPattern.exists('$.outcome'),
      metricValue: '1',
      dimensions: { outcome: '$.outcome' },
    });
    props.alerts.watchFunction(this.completionFunction, 'completion');
    props.alerts.watchDeadLetters(this.deadLetters, 'completion-dead-letters');
  }
}

/** s3:PutObject on marker keys only (`*.done`, `*.failed`): the bucket is SSE-S3, so no key grant. */
function grantMarkerWrites(role: iam.IRole & IConstruct, bucket: s3.IBucket): void {
  const markers = MARKER_SUFFIXES.map((suffix) => bucket.arnForObjects(`*${suffix}`));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: markers }));
  for (const arn of markers) {
    acknowledgeWildcardResource(
      role,
      arn,
      'Marker keys are <any prefix><job>__<YYYYMMDD>.done|.failed (docs/markers.md): the wildcard is the prefix, job and date; the suffix keeps every other object of the bucket out of reach.',
    );
  }
}
