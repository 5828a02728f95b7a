/**
 * `rsched cost`: what the config will bill per day and per month, so nobody
 * deploys a surprise. The fleet (EMR + EC2, instance types × the hours of each
 * cluster's start/stop window plus its grace period) next to the control plane
 * (Lambda, DynamoDB, KMS, CloudWatch). Pure: prices and the config in, numbers
 * out. docs/deploy.md ("Cost") shows the example's figures.
 */
import type { Cluster, Dag, Job } from '../../../lambdas/domain/config/dag';
import { windowsStartingBetween } from '../../../lambdas/domain/fleet/windows';

export interface InstancePrice {
  /** EC2 on-demand, Linux, USD per hour. */
  readonly ec2: number;
  /** The Amazon EMR charge on top of EC2, USD per hour. */
  readonly emr: number;
}

export interface PriceList {
  readonly region: string;
  /** When these list prices were taken. */
  readonly asOf: string;
  readonly sources: readonly string[];
  readonly instances: Readonly<Record<string, InstancePrice>>;
  readonly controlPlane: ControlPlanePrices;
  /** What the same schedule would cost on Amazon MWAA, for comparison. */
  readonly mwaa: MwaaPrices;
}

/**
 * Amazon MWAA, the managed Airflow AWS points Data Pipeline users to. Each
 * price says where it comes from and when it was read.
 */
export interface MwaaPrices {
  /** mw1.small environment, always on, USD per hour (scheduler, web server and one worker included). */
  readonly smallPerHour: number;
  readonly smallSource: string;
  /**
   * MWAA Serverless bills each task's run time per second with a one-minute
   * minimum. USD per task-hour, and the region that price is for: the only
   * unit price found (see US_EAST_1) is Tokyo's, so it is labelled as such
   * rather than passed off as us-east-1's.
   */
  readonly serverlessPerTaskHour: number;
  readonly serverlessPriceRegion: string;
  readonly serverlessSource: string;
  readonly serverlessMinimumSeconds: number;
}

export interface ControlPlanePrices {
  readonly lambdaPerMillionRequests: number;
  readonly lambdaArmPerGbSecond: number;
  readonly dynamoPerMillionReadUnits: number;
  readonly dynamoPerMillionWriteUnits: number;
  readonly kmsKeyPerMonth: number;
  readonly alarmPerMonth: number;
  readonly dashboardPerMonth: number;
  /** EventBridge Scheduler, USD per million invocations beyond the free ones. */
  readonly schedulerPerMillionInvocations: number;
  readonly schedulerFreeInvocationsPerMonth: number;
  readonly snsPerMillionPublishes: number;
  readonly s3PutPer1000: number;
  readonly s3GetPer1000: number;
}

/**
 * us-east-1 on-demand list prices. Sources: Amazon EMR pricing
 * (https://aws.amazon.com/emr/pricing/: the EMR charge per instance-hour, on
 * top of EC2) and Amazon EC2 On-Demand pricing
 * (https://aws.amazon.com/ec2/pricing/on-demand/, Linux); Lambda, DynamoDB
 * on-demand from their pricing pages as recorded in the project's toolchain
 * notes; KMS $1 per key-month; CloudWatch $0.10 per standard alarm-month and
 * $3 per dashboard-month beyond the free three; EventBridge Scheduler 14
 * million invocations a month free, then $1 per million; SNS $0.50 per million
 * publishes; S3 $0.005 per 1,000 PUTs and $0.0004 per 1,000 GETs. MWAA:
 * mw1.small $0.49 per hour (https://aws.amazon.com/managed-workflows-for-apache-airflow/pricing/);
 * MWAA Serverless $0.104 per task-hour is the Asia Pacific (Tokyo) price as
 * quoted on 2025-11-30 by Classmethod
 * (https://dev.classmethod.jp/articles/amazon-mwaa-serverless-cost-comparison),
 * the only unit price the project's search found — no us-east-1 price was
 * found, so replace it when you have one. Not fetched live (the tool runs
 * offline): check the pages before relying on a cent, and edit here.
 */
export const US_EAST_1: PriceList = {
  region: 'us-east-1',
  asOf: '2026-12-02',
  sources: [
    'https://aws.amazon.com/emr/pricing/',
    'https://aws.amazon.com/ec2/pricing/on-demand/',
    'https://aws.amazon.com/lambda/pricing/',
    'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    'https://aws.amazon.com/kms/pricing/',
    'https://aws.amazon.com/cloudwatch/pricing/',
    'https://aws.amazon.com/eventbridge/pricing/',
    'https://aws.amazon.com/managed-workflows-for-apache-airflow/pricing/',
    'https://dev.classmethod.jp/articles/amazon-mwaa-serverless-cost-comparison (MWAA Serverless, Tokyo, 2025-11-30)',
  ],
  instances: {
    'm5.xlarge': { ec2: 0.192, emr: 0.048 },
    'm5.2xlarge': { ec2: 0.384, emr: 0.096 },
    'm5.4xlarge': { ec2: 0.768, emr: 0.192 },
    'r5.xlarge': { ec2: 0.252, emr: 0.063 },
    'r5.2xlarge': { ec2: 0.504, emr: 0.126 },
    'r5.4xlarge': { ec2: 1.008, emr: 0.252 },
  },
  controlPlane: {
    lambdaPerMillionRequests: 0.2,
    lambdaArmPerGbSecond: 0.0000133334,
    dynamoPerMillionReadUnits: 0.125,
    dynamoPerMillionWriteUnits: 0.625,
    kmsKeyPerMonth: 1,
    alarmPerMonth: 0.1,
    dashboardPerMonth: 3,
    schedulerPerMillionInvocations: 1,
    schedulerFreeInvocationsPerMonth: 14_000_000,
    snsPerMillionPublishes: 0.5,
    s3PutPer1000: 0.005,
    s3GetPer1000: 0.0004,
  },
  mwaa: {
    smallPerHour: 0.49,
    smallSource: 'https://aws.amazon.com/managed-workflows-for-apache-airflow/pricing/ (us-east-1, as of 2026-12-02)',
    serverlessPerTaskHour: 0.104,
    serverlessPriceRegion: 'ap-northeast-1',
    serverlessSource:
      'https://dev.classmethod.jp/articles/amazon-mwaa-serverless-cost-comparison (Tokyo, 2025-11-30; no us-east-1 price found)',
    serverlessMinimumSeconds: 60,
  },
};

/** A month as AWS prices it: 730 hours. */
export const DAYS_PER_MONTH = 730 / 24;
/** Long enough to contain any weekly pattern and both DST switches of most zones' months. */
const SAMPLE_DAYS = 28;

export interface GroupCost {
  readonly role: 'master' | 'core' | 'task';
  readonly type: string;
  readonly count: number;
  readonly market: 'ON_DEMAND' | 'SPOT';
  /** USD per hour for the group; undefined when the type has no price in the list. */
  readonly perHour?: number;
}

export interface ClusterCost {
  readonly name: string;
  /** Billed hours per day, averaged over four weeks: the window plus the grace period. */
  readonly hoursPerDay: number;
  readonly groups: readonly GroupCost[];
  readonly perDay: number;
  readonly perMonth: number;
  /** Instance types the price list does not know; not counted. */
  readonly unpriced: readonly string[];
}

export interface CostReport {
  readonly region: string;
  readonly asOf: string;
  readonly sources: readonly string[];
  readonly clusters: readonly ClusterCost[];
  readonly fleet: { readonly perDay: number; readonly perMonth: number };
  readonly controlPlane: { readonly perMonth: number; readonly items: Readonly<Record<string, number>> };
  /** The control plane's job done by MWAA instead (the fleet costs the same either way). */
  readonly mwaa: MwaaComparison;
  readonly notes: readonly string[];
}

const round = (n: number) => Math.round(n * 100) / 100;

function groupsOf(cluster: Cluster, prices: PriceList): GroupCost[] {
  const { master, core, task } = cluster.instances;
  const all: Omit<GroupCost, 'perHour'>[] = [{ role: 'master', type: master, count: 1, market: 'ON_DEMAND' }];
  if (core && core.count > 0) all.push({ role: 'core', type: core.type, count: core.count, market: 'ON_DEMAND' });
  if (task && task.count > 0) all.push({ role: 'task', type: task.type, count: task.count, market: task.market ?? 'ON_DEMAND' });
  return all.map((g) => {
    const price = prices.instances[g.type];
    return price ? { ...g, perHour: g.count * (price.ec2 + price.emr) } : g;
  });
}

/** Billed hours per day of a cluster: its windows over four weeks from `from`, each plus the grace period. */
export function hoursPerDay(cluster: Cluster, from: Date): number {
  const to = new Date(from.getTime() + SAMPLE_DAYS * 86_400_000);
  const ms = windowsStartingBetween(cluster, from, to).reduce(
    (sum, w) => sum + (w.end.getTime() - w.start.getTime()) + cluster.graceMinutes * 60_000,
    0,
  );
  return ms / 3_600_000 / SAMPLE_DAYS;
}

/** Runs of a job a day: 24 for an hourly job (one per UTC hour, docs/hourly.md), 1 for a daily one. */
function runsPerDay(job: Pick<Job, 'granularity'>): number {
  return job.granularity === 'hourly' ? 24 : 1;
}

/** What EventBridge Scheduler invokes in a month: the sweeper (and the fleet's reconcile) every minute, each root's schedule, each window's start and stop. */
export function schedulerInvocations(dag: Dag, from: Date): number {
  const minutes = 60 * 730;
  const ticks = minutes * (dag.clusters.size > 0 ? 2 : 1);
  const roots = [...dag.jobs.values()].filter((j) => j.schedule !== undefined).reduce((n, j) => n + runsPerDay(j), 0) * DAYS_PER_MONTH;
  const to = new Date(from.getTime() + SAMPLE_DAYS * 86_400_000);
  const windowsPerDay = [...dag.clusters.values()].reduce((n, c) => n + windowsStartingBetween(c, from, to).length, 0) / SAMPLE_DAYS;
  return Math.round(ticks + roots + windowsPerDay * 2 * DAYS_PER_MONTH);
}

/**
 * The control plane in a month: the sweeper and (with a fleet) the reconcile
 * run every minute; each run of a job costs a few invocations and writes.
 * Fixed costs count in full: the KMS key, the alarms, the dashboard, and
 * EventBridge Scheduler's invocations (free up to 14 million a month, so $0
 * at these volumes, but listed). SNS and the S3 PUTs of markers are below a
 * cent at these volumes.
 */
function controlPlane(
  dag: Dag,
  prices: ControlPlanePrices,
  alarms: number,
  from: Date,
): { perMonth: number; items: Record<string, number> } {
  const minutes = 60 * 730;
  const ticks = minutes * (dag.clusters.size > 0 ? 2 : 1);
  const runsPerMonth =
    [...dag.jobs.values()].filter((j) => j.target.type !== 'external').reduce((n, j) => n + runsPerDay(j), 0) * DAYS_PER_MONTH;
  // A tick: ~0.3 s at 512 MB; a run: ~3 invocations (marker, submission, completion) of ~0.3 s.
  const invocations = ticks + runsPerMonth * 3;
  const lambda = (invocations / 1e6) * prices.lambdaPerMillionRequests + invocations * 0.3 * 0.5 * prices.lambdaArmPerGbSecond;
  // A tick queries due runs (~2 read units); a run writes ~10 times (claims, transitions, history).
  const dynamo = ((ticks * 2) / 1e6) * prices.dynamoPerMillionReadUnits + ((runsPerMonth * 10) / 1e6) * prices.dynamoPerMillionWriteUnits;
  const billedInvocations = Math.max(0, schedulerInvocations(dag, from) - prices.schedulerFreeInvocationsPerMonth);
  const items = {
    lambda: round(lambda),
    dynamodb: round(dynamo),
    kms: prices.kmsKeyPerMonth,
    alarms: round(alarms * prices.alarmPerMonth),
    dashboard: prices.dashboardPerMonth,
    scheduler: round((billedInvocations / 1e6) * prices.schedulerPerMillionInvocations),
  };
  return { perMonth: round(Object.values(items).reduce((a, b) => a + b, 0)), items };
}

/** The same schedule on Amazon MWAA: an always-on mw1.small, or MWAA Serverless billed per task-second. */
export interface MwaaComparison {
  readonly smallPerMonth: number;
  /** Every run of a job (external ones excluded) as one Airflow task: one a day, 24 a day for an hourly job. */
  readonly tasksPerMonth: number;
  /**
   * MWAA Serverless when each task is billed only its one-minute minimum (deferrable
   * operators that hand the waiting to the triggerer) … */
  readonly serverlessMinimumPerMonth: number;
  /** … and when each task runs as long as the job (operators that poll until the job ends; the config's simulation.durationMinutes). */
  readonly serverlessWholeRunPerMonth: number;
  readonly serverlessPriceRegion: string;
  readonly sources: readonly string[];
}

export function mwaaComparison(dag: Dag, prices: MwaaPrices): MwaaComparison {
  const jobs = [...dag.jobs.values()].filter((j) => j.target.type !== 'external');
  const perTaskSecond = prices.serverlessPerTaskHour / 3600;
  const billed = (seconds: number) => Math.max(prices.serverlessMinimumSeconds, seconds) * perTaskSecond;
  const wholeRunPerDay = jobs.reduce((sum, j) => sum + runsPerDay(j) * billed(j.simulation.durationMinutes * 60), 0);
  const tasksPerDay = jobs.reduce((n, j) => n + runsPerDay(j), 0);
  return {
    smallPerMonth: round(prices.smallPerHour * 730),
    tasksPerMonth: Math.round(tasksPerDay * DAYS_PER_MONTH),
    serverlessMinimumPerMonth: round(tasksPerDay * billed(0) * DAYS_PER_MONTH),
    serverlessWholeRunPerMonth: round(wholeRunPerDay * DAYS_PER_MONTH),
    serverlessPriceRegion: prices.serverlessPriceRegion,
    sources: [prices.smallSource, prices.serverlessSource],
  };
}

/**
 * The number of alarms the stack creates (lib/alerts.ts): errors + throttles per function, one per DLQ, heartbeats,
 * three Scheduler alarms. The completion function and its queue exist when a job has completion "events"
 * (lib/reactive-scheduler-stack.ts). test/cdk/cost-counts.test.ts compares this with the synthesized template.
 */
export function alarmCount(dag: Dag, slack: boolean): number {
  const fleet = dag.clusters.size > 0;
  const completion = [...dag.jobs.values()].some((job) => job.completion === 'events');
  const functions = 2 + (fleet ? 3 : 0) + (completion ? 1 : 0) + (slack ? 1 : 0);
  const queues = 1 + (fleet ? 1 : 0) + (completion ? 1 : 0) + (slack ? 1 : 0);
  const heartbeats = 1 + (fleet ? 1 : 0);
  return functions * 2 + queues + heartbeats + 3;
}

export function costReport(dag: Dag, prices: PriceList, from: Date, options: { slack?: boolean } = {}): CostReport {
  const notes: string[] = [];
  const clusters = [...dag.clusters.values()].map((cluster): ClusterCost => {
    const groups = groupsOf(cluster, prices);
    const hours = hoursPerDay(cluster, from);
    const perHour = groups.reduce((sum, g) => sum + (g.perHour ?? 0), 0);
    const unpriced = groups.filter((g) => g.perHour === undefined).map((g) => g.type);
    if (groups.some((g) => g.market === 'SPOT'))
      notes.push(`${cluster.name}: SPOT instances counted at the on-demand price (an upper bound)`);
    return {
      name: cluster.name,
      hoursPerDay: round(hours),
      groups,
      perDay: round(perHour * hours),
      perMonth: round(perHour * hours * DAYS_PER_MONTH),
      unpriced: [...new Set(unpriced)],
    };
  });
  for (const c of clusters) {
    if (c.unpriced.length > 0)
      notes.push(`${c.name}: no list price for ${c.unpriced.join(', ')} (not counted; add it to bin/cli/cost/model.ts)`);
  }
  notes.push('EBS volumes, data transfer, S3 storage and the jobs’ own services are not included.');
  const perDay = clusters.reduce((s, c) => s + c.perDay, 0);
  return {
    region: prices.region,
    asOf: prices.asOf,
    sources: prices.sources,
    clusters,
    fleet: { perDay: round(perDay), perMonth: round(perDay * DAYS_PER_MONTH) },
    controlPlane: controlPlane(dag, prices.controlPlane, alarmCount(dag, options.slack ?? false), from),
    mwaa: mwaaComparison(dag, prices.mwaa),
    notes,
  };
}
