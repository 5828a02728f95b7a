import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { RschedFunction } from './lambda-defaults';

export interface OperationsDashboardProps {
  /** The functions of the stack by name ("scheduler", "sweeper", …), in display order. */
  readonly functions: ReadonlyMap<string, RschedFunction>;
  /** The sweeper: its `sweep` log line reports what each minute did. */
  readonly sweeperFunction: RschedFunction;
  /** Every dead-letter queue of the stack by name. */
  readonly deadLetterQueues: ReadonlyMap<string, sqs.IQueue>;
  readonly scheduleGroup: scheduler.IScheduleGroup;
}

/**
 * One CloudWatch dashboard for the operator (docs/deploy.md, "Alarms and the
 * dashboard"). It uses only data that exists today:
 *
 * - runs by state and submissions: CloudWatch Logs Insights over the engine's
 *   JSON logs (the sweeper's `sweep` report, `submit failed`, `marker
 *   rejected`, the fleet's `cluster launched`). The engine emits no
 *   CloudWatch metric of its own yet, so a count of runs *currently* in each
 *   state is not available here; `rsched status` shows it.
 * - alerts: the `alert` log line every raised alert writes, by kind.
 * - handler p99: Lambda's Duration metric, p99, per function.
 * - dead-letter depth: SQS ApproximateNumberOfMessagesVisible per queue.
 * - EventBridge Scheduler: AWS/Scheduler attempts, target errors, drops.
 */
export class OperationsDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const engineLogs = [...props.functions.values()].map((f) => f.logs.logGroupName);
    const width = 12;
    const height = 6;

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-operations`,
      defaultInterval: Duration.hours(24),
    });
    this.dashboard.addWidgets(
      new cloudwatch.LogQueryWidget({
        title: 'Run transitions (sweeper report, per 5 min)',
        logGroupNames: [props.sweeperFunction.logs.logGroupName],
        queryLines: [
          "fields @timestamp | filter message = 'sweep'",
          'stats sum(dispatched) as dispatched, sum(timedOut) as timedOut, sum(resumed) as resumed, sum(recovered) as recovered, sum(late) as late by bin(5m)',
        ],
        view: cloudwatch.LogQueryVisualizationType.STACKEDAREA,
        width,
        height,
      }),
      new cloudwatch.LogQueryWidget({
        title: 'Submissions and refusals (engine logs, per hour)',
        logGroupNames: engineLogs,
        queryLines: [
          "fields @timestamp | filter message in ['submit failed', 'marker rejected', 'cluster launched', 'marker failed']",
          'stats count(*) by message, bin(1h)',
        ],
        view: cloudwatch.LogQueryVisualizationType.BAR,
        width,
        height,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.LogQueryWidget({
        title: 'Alerts by kind',
        logGroupNames: engineLogs,
        queryLines: ["fields @timestamp, kind, job, date | filter message = 'alert'", 'stats count(*) as alerts by kind'],
        view: cloudwatch.LogQueryVisualizationType.TABLE,
        width,
        height,
      }),
      new cloudwatch.GraphWidget({
        title: 'Handler duration p99',
        left: [...props.functions].map(([name, fn]) => fn.metricDuration({ period, statistic: 'p99', label: name })),
        width,
        height,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queue depth',
        left: [...props.deadLetterQueues].map(([name, q]) =>
          q.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum', label: name }),
        ),
        width,
        height,
      }),
      new cloudwatch.GraphWidget({
        title: 'EventBridge Scheduler (schedule group)',
        left: [
          props.scheduleGroup.metricAttempts({ period, statistic: 'Sum', label: 'invocation attempts' }),
          props.scheduleGroup.metricTargetErrors({ period, statistic: 'Sum', label: 'target errors' }),
          props.scheduleGroup.metricDropped({ period, statistic: 'Sum', label: 'dropped' }),
        ],
        width,
        height,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Invocations and errors',
        left: [...props.functions].map(([name, fn]) => fn.metricInvocations({ period, statistic: 'Sum', label: name })),
        right: [...props.functions].map(([name, fn]) => fn.metricErrors({ period, statistic: 'Sum', label: `${name} errors` })),
        width: 24,
        height,
      }),
    );
  }
}
