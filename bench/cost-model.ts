import { US_EAST_1 } from '../bin/cli/cost/model';
import type { FixedResources } from './stack-resources';

/**
 * Monthly cost of running the scheduler for a platform of `jobsPerDay` runs,
 * from the price list `rsched cost` uses (bin/cli/cost/model.ts: every price
 * there names its source and date), next to Amazon MWAA doing the same
 * scheduling. Request counts per completion come from the completion-cost
 * benchmark and the fixed resources from the synthesized stack, not guesses.
 */

const DAYS = 730 / 24;
const MINUTES = 60 * 730;

export interface CostInputs {
  readonly jobsPerDay: number;
  /** DynamoDB requests per completion event (measured; all writes). */
  readonly requestsPerCompletion: number;
  /** Writes per submission outside the completion event (a root's start, claim and record). */
  readonly writesPerSubmission: number;
  readonly lambdaMemoryGb: number;
  readonly lambdaMsPerEvent: number;
  /** The sweeper runs every minute, all month. */
  readonly sweeperMsPerRun: number;
  /** The stack's resources that bill by the month (alarms, the KMS key, the dashboard, schedules). */
  readonly fixed: FixedResources;
  /** Schedules that fire every minute: the sweeper, and with a fleet its reconcile. */
  readonly everyMinuteSchedules: number;
  /** How long a job runs: what an MWAA Serverless task that waits for it is billed. */
  readonly jobMinutes: number;
}

export interface MonthlyCost {
  readonly lambda: number;
  readonly dynamodb: number;
  readonly sns: number;
  readonly s3: number;
  /** EventBridge Scheduler invocations beyond the free 14 million (the sweeper's minute, the roots' schedules). */
  readonly scheduler: number;
  /** The KMS key, the alarms and the dashboard. */
  readonly fixed: number;
  readonly total: number;
  readonly mwaaSmall: number;
  /** MWAA Serverless, each run one task billed its 1-minute minimum (deferrable operators) … */
  readonly mwaaServerlessMinimum: number;
  /** … or as long as the job runs (operators that wait for it). */
  readonly mwaaServerlessWholeRun: number;
}

const round = (x: number) => Math.round(x * 100) / 100;

export function monthlyCost(i: CostInputs): MonthlyCost {
  const p = US_EAST_1.controlPlane;
  const events = i.jobsPerDay * DAYS;
  const sweeps = MINUTES;
  const invocations = events * 2 + sweeps; // completion events + submissions' triggers, plus sweeps
  const gbSeconds = ((events * 2 * i.lambdaMsPerEvent + sweeps * i.sweeperMsPerRun) / 1000) * i.lambdaMemoryGb;
  const lambda = (invocations / 1e6) * p.lambdaPerMillionRequests + gbSeconds * p.lambdaArmPerGbSecond;
  const writes = events * (i.requestsPerCompletion + i.writesPerSubmission) + sweeps * 2;
  const reads = events * 1 + sweeps * 2;
  const dynamodb = (writes / 1e6) * p.dynamoPerMillionWriteUnits + (reads / 1e6) * p.dynamoPerMillionReadUnits;
  const sns = (events / 1e6) * p.snsPerMillionPublishes;
  const s3 = (events / 1000) * p.s3PutPer1000 + (events / 1000) * p.s3GetPer1000;
  // The minute schedules (sweeper, and a fleet's reconcile) all month, plus at most one trigger per run (every job a root: an upper bound).
  const schedulerInvocations = i.everyMinuteSchedules * MINUTES + events;
  const scheduler = (Math.max(0, schedulerInvocations - p.schedulerFreeInvocationsPerMonth) / 1e6) * p.schedulerPerMillionInvocations;
  const fixed = i.fixed.kmsKeys * p.kmsKeyPerMonth + i.fixed.alarms * p.alarmPerMonth + i.fixed.dashboards * p.dashboardPerMonth;
  const mwaa = US_EAST_1.mwaa;
  const perTaskSecond = mwaa.serverlessPerTaskHour / 3600;
  const tasks = i.jobsPerDay * DAYS;
  return {
    lambda: round(lambda),
    dynamodb: round(dynamodb),
    sns: round(sns),
    s3: round(s3),
    scheduler: round(scheduler),
    fixed: round(fixed),
    total: round(lambda + dynamodb + sns + s3 + scheduler + fixed),
    mwaaSmall: round(mwaa.smallPerHour * 730),
    mwaaServerlessMinimum: round(tasks * mwaa.serverlessMinimumSeconds * perTaskSecond),
    mwaaServerlessWholeRun: round(tasks * Math.max(mwaa.serverlessMinimumSeconds, i.jobMinutes * 60) * perTaskSecond),
  };
}
