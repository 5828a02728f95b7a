/**
 * `rsched cost`: what the config will bill per day and per month, so nobody
 * deploys a surprise. The fleet (EMR + EC2, instance types × the hours of each
 * cluster's start/stop window plus its grace period) next to the control plane
 * (Lambda, DynamoDB, KMS, CloudWatch). Pure: prices and the config in, numbers
 * out. docs/deploy.md ("Cost") shows the example's figures.
 */
import type { Cluster, Dag } from '../../../lambdas/domain/config/dag';
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
}

export interface ControlPlanePrices {
  readonly lambdaPerMillionRequests: number;
  readonly lambdaArmPerGbSecond: number;
  readonly dynamoPerMillionReadUnits: number;
  readonly dynamoPerMillionWriteUnits: number;
  readonly kmsKeyPerMonth: number;
  readonly alarmPerMonth: number;
  readonly dashboardPerMonth: number;
}

/**
 * us-east-1 on-demand list prices. Sources: Amazon EMR pricing
 * (https://aws.amazon.com/emr/pricing/: the EMR charge per instance-hour, on
 * top of EC2) and Amazon EC2 On-Demand pricing
 * (https://aws.amazon.com/ec2/pricing/on-demand/, Linux); Lambda, DynamoDB
 * on-demand from their pricing pages as recorded in the project's toolchain
 * notes; KMS $1 per key-month; CloudWatch $0.10 per standard alarm-month and
 * $3 per dashboard-month beyond the free three. Not fetched live (the tool
 * runs offline): check the pages before relying on a cent, and edit here.
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

/**
 * The control plane in a month: the sweeper and (with a fleet) the reconcile
 * run every minute; each run of a job costs a few invocations and writes.
 * Everything else (SNS to Lambda, EventBridge Scheduler within its 14 M free
 * invocations, S3 PUTs of markers) is below a cent at these volumes.
 */
function controlPlane(dag: Dag, prices: ControlPlanePrices, alarms: number): { perMonth: number; items: Record<string, number> } {
  const minutes = 60 * 730;
  const ticks = minutes * (dag.clusters.size > 0 ? 2 : 1);
  const runsPerMonth = [...dag.jobs.values()].filter((j) => j.target.type !== 'external').length * DAYS_PER_MONTH;
  // A tick: ~0.3 s at 512 MB; a run: ~3 invocations (marker, submission, completion) of ~0.3 s.
  const invocations = ticks + runsPerMonth * 3;
  const lambda = (invocations / 1e6) * prices.lambdaPerMillionRequests + invocations * 0.3 * 0.5 * prices.lambdaArmPerGbSecond;
  // A tick queries due runs (~2 read units); a run writes ~10 times (claims, transitions, history).
  const dynamo = ((ticks * 2) / 1e6) * prices.dynamoPerMillionReadUnits + ((runsPerMonth * 10) / 1e6) * prices.dynamoPerMillionWriteUnits;
  const items = {
    lambda: round(lambda),
    dynamodb: round(dynamo),
    kms: prices.kmsKeyPerMonth,
    alarms: round(alarms * prices.alarmPerMonth),
    dashboard: prices.dashboardPerMonth,
  };
  return { perMonth: round(Object.values(items).reduce((a, b) => a + b, 0)), items };
}

/** The number of alarms the stack creates (lib/alerts.ts): errors + throttles per function, one per DLQ, heartbeats, three Scheduler alarms. */
export function alarmCount(dag: Dag, slack: boolean): number {
  const functions = 2 + (dag.clusters.size > 0 ? 3 : 0) + (slack ? 1 : 0);
  const queues = 1 + (dag.clusters.size > 0 ? 1 : 0) + (slack ? 1 : 0);
  const heartbeats = 1 + (dag.clusters.size > 0 ? 1 : 0);
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
    controlPlane: controlPlane(dag, prices.controlPlane, alarmCount(dag, options.slack ?? false)),
    notes,
  };
}
