/**
 * Monthly cost of running the scheduler for a platform, from the us-east-1
 * prices in ../shared/TOOLCHAIN.md, against an always-on MWAA mw1.small.
 * Counts are per run of a job; the DynamoDB request counts come from the
 * event-cost benchmark, not from guesses.
 */
export const PRICES = {
  lambdaPerMillionRequests: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  dynamoPerMillionWrites: 0.625,
  dynamoPerMillionReads: 0.125,
  snsPerMillionPublishes: 0.5,
  s3PutPer1000: 0.005,
  s3GetPer1000: 0.0004,
  mwaaSmallPerMonth: 358,
} as const;

export interface CostInputs {
  readonly jobsPerDay: number;
  /** Average downstream runs per job (fan-out). */
  readonly fanOut: number;
  /** Writes per completion event (measured): own run + one per downstream + bookkeeping. */
  readonly writesPerCompletion: number;
  readonly writesPerSubmission: number;
  readonly lambdaMemoryGb: number;
  readonly lambdaMsPerEvent: number;
  /** The sweeper runs every minute, all month. */
  readonly sweeperMsPerRun: number;
}

export interface MonthlyCost {
  readonly lambda: number;
  readonly dynamodb: number;
  readonly sns: number;
  readonly s3: number;
  readonly total: number;
  readonly mwaa: number;
}

export function monthlyCost(i: CostInputs): MonthlyCost {
  const days = 30;
  const events = i.jobsPerDay * days;
  const sweeps = 60 * 24 * days;
  const invocations = events * 2 + sweeps; // completion events + submissions' triggers, plus sweeps
  const gbSeconds = ((events * 2 * i.lambdaMsPerEvent + sweeps * i.sweeperMsPerRun) / 1000) * i.lambdaMemoryGb;
  const lambda = (invocations / 1e6) * PRICES.lambdaPerMillionRequests + gbSeconds * PRICES.lambdaArmPerGbSecond;
  const writes = events * (i.writesPerCompletion + i.writesPerSubmission) + sweeps * 2;
  const reads = events * 1 + sweeps * 2;
  const dynamodb = (writes / 1e6) * PRICES.dynamoPerMillionWrites + (reads / 1e6) * PRICES.dynamoPerMillionReads;
  const sns = (events / 1e6) * PRICES.snsPerMillionPublishes;
  const s3 = (events / 1000) * PRICES.s3PutPer1000 + (events / 1000) * PRICES.s3GetPer1000;
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    lambda: round(lambda),
    dynamodb: round(dynamodb),
    sns: round(sns),
    s3: round(s3),
    total: round(lambda + dynamodb + sns + s3),
    mwaa: PRICES.mwaaSmallPerMonth,
  };
}
