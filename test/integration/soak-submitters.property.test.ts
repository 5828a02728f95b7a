import { describe, expect, it } from 'vitest';
import type { TargetTally } from '../../bench/soak/judge';
import { SDK_TARGETS, type SdkTarget, TELLING_TARGETS } from '../../bench/soak/service-plane';
import { runTrial, type TrialOptions, type TrialResult } from '../../bench/soak/trial';
import { SubmitError, type Submitter } from '../../lambdas/ports/submitter';
import { useDynalite } from '../support/dynalite';
import { HTTP_FAULTS } from '../support/http-faults';

/**
 * Issue 15: "a duplicate-delivery property test covers each new submitter with
 * 'applied then failed' faults". Soak trials (bench/soak/trial.ts: random
 * DAGs, every event delivered 1-5 times, shuffled, up to 8 handlers at once,
 * sweeps, replays, marks, failing and hanging jobs, DynamoDB HTTP faults) in
 * which every submitted job goes through the production submitters and SDK
 * clients — EMR Serverless, Glue, Step Functions, Lambda, Data Pipeline — to
 * simulated services that keep each one's documented idempotency rules, with
 * throttle / 5xx / applied-then-5xx / applied-answer-lost at each client's HTTP
 * layer (bench/soak/service-plane.ts). Per target, once nothing more can happen:
 *
 * - at most one submission took effect per (run, attempt);
 * - every run ended, and SUBMIT_UNCERTAIN only for Lambda and Data Pipeline,
 *   whose lookups cannot tell (docs/exactly-once.md); never for EMR
 *   Serverless, Glue or Step Functions;
 * - no `.done` of a run's current attempt was lost.
 *
 * Seeds are fixed; the checks at the end prove that the faults did strike
 * every target's submit call, and the second test that a submitter which
 * resends without looking up is caught. `npm run soak` runs the same checks
 * over any number of days, with a random share of the jobs on these targets.
 */

const emulator = useDynalite();
/** Every submitted job on a real submitter; small days, and faults on about a third of the submit calls, so that 24 days strike every target with every fault. */
const SMALL: TrialOptions = { sdkShare: 1, maxJobs: 12, submitFaultRate: 0.35 };
/** 24 days take about 13 s of CPU (dynalite and the SDK's middleware, as in bench/results/soak.md); a loaded machine stretches that. */
const TIMEOUT_MS = 150_000;

type Sums = Record<SdkTarget, Record<string, number>>;

async function play(seeds: readonly number[], options: TrialOptions): Promise<{ results: TrialResult[]; sums: Sums }> {
  const listener = emulator().listener;
  if (!listener) throw new Error('dynalite has no in-process listener');
  const results: TrialResult[] = [];
  const sums = Object.fromEntries(SDK_TARGETS.map((t) => [t, {}])) as Sums;
  for (const seed of seeds) {
    const result = await runTrial(seed, listener, options);
    results.push(result);
    for (const [target, tally] of Object.entries(result.byTarget) as [SdkTarget, TargetTally][]) {
      const sum = sums[target];
      const { submitFaults, ...counts } = tally;
      for (const [k, v] of Object.entries(counts)) sum[k] = (sum[k] ?? 0) + v;
      for (const [k, v] of Object.entries(submitFaults)) sum[k] = (sum[k] ?? 0) + (v ?? 0);
    }
  }
  return { results, sums };
}

const seeds = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('the real submitters under duplicated, shuffled, concurrent delivery and applied-then-failed faults', () => {
  it(
    '24 days (seeds 31000-31023): per target, one submission per attempt, every run ended, no lost completion',
    async () => {
      const { results, sums } = await play(seeds(31_000, 24), SMALL);
      const failing = results
        .filter((t) => t.doubleSubmissions + t.lostCompletions + t.stuckRuns + t.needlessParks > 0 || t.problems.length > 0)
        .map((t) => `seed ${t.seed}: ${JSON.stringify(t)}`);
      expect(failing).toEqual([]);
      for (const target of SDK_TARGETS) {
        const sum = sums[target];
        expect({ target, double: sum.doubleSubmissions, lost: sum.lostCompletions, stuck: sum.stuckRuns }).toEqual({
          target,
          double: 0,
          lost: 0,
          stuck: 0,
        });
        if (TELLING_TARGETS.has(target)) expect({ target, parked: sum.uncertainParks }).toEqual({ target, parked: 0 });
        // Not vacuous: every target ran jobs and took faults of every kind on its submit call.
        expect(sum.submissions, target).toBeGreaterThan(10);
        for (const fault of HTTP_FAULTS) expect(sum[fault] ?? 0, `${target} ${fault}`).toBeGreaterThan(0);
      }
      // Lambda cannot look anything up: an applied-then-failed Invoke parks its run (and its marker still ends it).
      expect(sums.lambda.uncertainParks).toBeGreaterThan(0);
    },
    TIMEOUT_MS,
  );

  it(
    'catches a submitter that resends a maybe-applied call without looking it up (the checks can fail)',
    async () => {
      const naive = (real: Submitter): Submitter => ({
        submit: (request) =>
          real.submit(request).catch((err: unknown) => {
            if (err instanceof SubmitError && err.maybeApplied) return real.submit(request);
            throw err;
          }),
        findSubmission: (ref) => real.findSubmission(ref),
      });
      const { sums } = await play(seeds(31_000, 8), { ...SMALL, wrapSubmitter: naive });
      // No token: a second Invoke queues a second event.
      expect(sums.lambda.doubleSubmissions).toBeGreaterThan(0);
      // A client token and an execution name make the same resend harmless.
      expect([sums['emr-serverless'].doubleSubmissions, sums.stepfunctions.doubleSubmissions]).toEqual([0, 0]);
    },
    TIMEOUT_MS,
  );
});
