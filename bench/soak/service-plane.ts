import { ConfiguredRetryStrategy } from '@smithy/util-retry';
import type { Dag } from '../../lambdas/domain/config/dag';
import { DataPipelineSimulator } from '../../lambdas/local/control-plane/datapipeline-simulator';
import { EmrServerlessSimulator } from '../../lambdas/local/control-plane/emr-serverless-simulator';
import { GlueSimulator } from '../../lambdas/local/control-plane/glue-simulator';
import { jsonRpcListener } from '../../lambdas/local/control-plane/json-rpc-server';
import { LambdaSimulator } from '../../lambdas/local/control-plane/lambda-simulator';
import { StepFunctionsSimulator } from '../../lambdas/local/control-plane/stepfunctions-simulator';
import { type Submission, SubmissionLog } from '../../lambdas/local/control-plane/submission-log';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lambdas/local/dynamodb-emulator';
import { InProcessRequestHandler } from '../../lambdas/local/in-process-transport';
import type { JobOverrides } from '../../lambdas/local/job-behaviour';
import type { MarkerWriter } from '../../lambdas/local/marker-writer';
import { tagWithRun } from '../../lambdas/local/run-context';
import type { Timeline } from '../../lambdas/local/timeline';
import type { Clock } from '../../lambdas/ports/clock';
import { silentLog } from '../../lambdas/ports/log';
import type { Submitter } from '../../lambdas/ports/submitter';
import type { InstrumentableClient } from '../../lambdas/runtime/client-settings';
import { awsEngineDeps } from '../../lambdas/runtime/engine-deps';
import { type FaultPlan, HTTP_FAULTS, type HttpFault, injectHttpFaults } from '../../test/support/http-faults';

/**
 * The soak's share of jobs that go to the real submitters (issue 15: "a
 * duplicate-delivery property test covers each new submitter with 'applied
 * then failed' faults"): the production wiring (runtime/aws-deps: the same
 * clients, SDK retry settings and submitters as the Lambdas) talking, in
 * process, to the simulated services of `rsched simulate`, each keeping its
 * service's documented idempotency rules:
 *
 * - EMR Serverless StartJobRun: `clientToken`, "the client idempotency token of
 *   the job run to start" (https://docs.aws.amazon.com/emr-serverless/latest/APIReference/API_StartJobRun.html):
 *   the same token answers the same job run. For how long is not documented,
 *   so each trial draws a window (30 s to 2 h) after which the token starts a
 *   new run: the submitter must not rely on it past the SDK's own retries.
 * - Step Functions StartExecution (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html):
 *   the same name and input while the execution is open answers that
 *   execution; a closed one or another input answers ExecutionAlreadyExists.
 * - Glue StartJobRun (https://docs.aws.amazon.com/glue/latest/webapi/API_StartJobRun.html):
 *   no token, every accepted call starts a run; GetJobRuns lists them newest
 *   first; MaxConcurrentRuns 1 answers ConcurrentRunsExceededException
 *   (https://docs.aws.amazon.com/glue/latest/webapi/API_ExecutionProperty.html).
 * - Lambda Invoke, InvocationType Event (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html):
 *   no token, 202 once queued, nothing to list afterwards.
 * - Data Pipeline ActivatePipeline (https://docs.aws.amazon.com/datapipeline/latest/APIReference/API_ActivatePipeline.html):
 *   no token; DescribePipelines shows the last activation time.
 *
 * Every client gets faults at its HTTP layer, below the SDK's retries
 * (test/support/http-faults.ts): throttle, 5xx before the call, applied then
 * 5xx, applied and the answer lost — in bursts of 1-3 requests, so that the
 * SDK's 3 tries of an idempotent call sometimes all fail and the engine's
 * maybe-applied path runs for every target, not only the send-once ones.
 */

/** The target types the soak sends through real submitters. */
export const SDK_TARGETS = ['emr-serverless', 'glue', 'stepfunctions', 'lambda', 'datapipeline'] as const;
export type SdkTarget = (typeof SDK_TARGETS)[number];

/**
 * Targets whose lookup is conclusive (docs/exactly-once.md): a run of theirs
 * parked SUBMIT_UNCERTAIN is a bug. Lambda (nothing to look up) and Data
 * Pipeline (an activation time, not an attempt) may park, with an alert.
 */
export const TELLING_TARGETS: ReadonlySet<string> = new Set<SdkTarget>(['emr-serverless', 'glue', 'stepfunctions']);

/** The calls that start something; the others are reads. */
const SUBMIT_OPERATIONS = new Set(['StartJobRun', 'StartExecution', 'Invoke', 'ActivatePipeline']);
/** Share of submit calls that start a burst of faults (reads: a third of it), unless a trial says otherwise. */
export const SUBMIT_FAULT_RATE = 0.12;

const TARGET_OF_SERVICE: Readonly<Record<string, SdkTarget>> = {
  emrserverless: 'emr-serverless',
  glue: 'glue',
  sfn: 'stepfunctions',
  lambda: 'lambda',
  datapipeline: 'datapipeline',
};

/** The simulators' clock is the soak's; their runs end when the soak says (it writes each job's marker itself). */
class SoakTimeline implements Timeline {
  readonly errors: { label: string; error: unknown }[] = [];
  constructor(
    private readonly clock: Clock,
    private readonly rand: () => number,
  ) {}
  now(): Date {
    return this.clock.now();
  }
  sleep(ms: number): Promise<void> {
    return this.clock.sleep(ms);
  }
  schedule(): void {}
  spawn(): void {}
  random(): number {
    return this.rand();
  }
}

export interface ServicePlaneOptions {
  readonly dag: Dag;
  readonly clock: Clock;
  /** The plane's own random stream (faults, token window): the soak's main stream stays as it was. */
  readonly random: () => number;
  /** Jobs that never end (Glue keeps them running, Step Functions keeps them open). */
  readonly hang: ReadonlySet<string>;
  /** How long each job runs on its service, in minutes (Glue's concurrency, Step Functions' open executions). */
  readonly durations: ReadonlyMap<string, number>;
  /** Share of submit calls that start a burst of faults; reads a third of it. @default SUBMIT_FAULT_RATE */
  readonly submitFaultRate?: number;
}

export class SimulatedServicePlane {
  /** The production submitters (RoutingSubmitter of runtime/aws-deps) for these targets. */
  readonly submitter: Submitter;
  /** Submissions that took effect in a simulated service (a resend the service answered idempotently is not one). */
  readonly submissions = new SubmissionLog();
  /** Faults that struck submit calls, per target and kind: the trial's proof that the faults happened. */
  readonly submitFaults = new Map<SdkTarget, Map<HttpFault, number>>();
  readonly tokenTtlMs: number;
  private seen = 0;

  constructor(options: ServicePlaneOptions) {
    const { dag, clock, random } = options;
    this.tokenTtlMs = 30_000 + Math.floor(random() * 2 * 3_600_000);
    const overrides: JobOverrides = { fail: new Set(), hang: options.hang, durations: options.durations };
    const deps = {
      dag,
      timeline: new SoakTimeline(clock, random),
      overrides,
      // Never called: SoakTimeline runs no scheduled task, so no simulated run writes a marker.
      markers: { write: async () => '' } as unknown as MarkerWriter,
      submissions: this.submissions,
    };
    const listener = jsonRpcListener({
      ...new EmrServerlessSimulator(deps, { clientTokenTtlMs: this.tokenTtlMs }).operations(),
      ...new GlueSimulator(deps).operations(),
      ...new StepFunctionsSimulator(deps).operations(),
      ...new LambdaSimulator(deps).operations(),
      ...new DataPipelineSimulator(deps).operations(),
    });
    const handler = () => new InProcessRequestHandler(listener);
    this.submitter = awsEngineDeps(
      dag,
      { runsTable: 'soak-unused', clustersTable: 'soak-unused', alertTopicArn: 'arn:aws:sns:us-east-1:000000000000:soak-unused' },
      silentLog,
      {
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
        requestHandlers: {
          emrserverless: handler(),
          glue: handler(),
          sfn: handler(),
          lambda: handler(),
          datapipeline: handler(),
        },
        onDataPipelineCommand: tagWithRun,
        onLambdaCommand: tagWithRun,
        instrument: (client, service) => {
          const target = TARGET_OF_SERVICE[service];
          if (!target) return;
          withoutBackoff(client);
          injectHttpFaults(client, this.bursts(target, random, options.submitFaultRate ?? SUBMIT_FAULT_RATE));
        },
      },
    ).submitter;
  }

  /** Whether fresh() has anything. */
  hasFresh(): boolean {
    return this.submissions.all.length > this.seen;
  }

  /** Submissions that took effect since the last call. */
  fresh(): Submission[] {
    const out = this.submissions.all.slice(this.seen);
    this.seen = this.submissions.all.length;
    return out;
  }

  /** Faults for one client: a request starts a burst of 1-3 faulted requests, each of a kind drawn anew. */
  private bursts(target: SdkTarget, random: () => number, rate: number): FaultPlan {
    let left = 0;
    return (call) => {
      const submit = SUBMIT_OPERATIONS.has(call.operation);
      if (left === 0) {
        if (random() >= (submit ? rate : rate / 3)) return undefined;
        left = 1 + Math.floor(random() * 3);
      }
      left--;
      const fault = HTTP_FAULTS[Math.floor(random() * HTTP_FAULTS.length)] as HttpFault;
      if (submit) {
        const tally = this.submitFaults.get(target) ?? new Map<HttpFault, number>();
        tally.set(fault, (tally.get(fault) ?? 0) + 1);
        this.submitFaults.set(target, tally);
      }
      return fault;
    };
  }
}

/**
 * Keeps a client's number of tries (3, or 1 for SEND_ONCE clients) but drops
 * the waits between them: the soak's clock is virtual, and the SDK's backoff
 * would only add real seconds. The retry middleware asks `config.retryStrategy`
 * on every request (@smithy/core, middleware-retry), so replacing it on a built
 * client takes effect at once.
 */
function withoutBackoff(client: InstrumentableClient): void {
  const config = client.config as unknown as { maxAttempts: () => Promise<number>; retryStrategy: () => Promise<unknown> };
  const strategy = new ConfiguredRetryStrategy(config.maxAttempts, () => 0);
  config.retryStrategy = async () => strategy;
}
