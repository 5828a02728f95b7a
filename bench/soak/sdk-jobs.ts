import { simulatedApplicationId } from '../../lambdas/local/control-plane/emr-serverless-simulator';
import { LOCAL_ACCOUNT } from '../../lambdas/local/control-plane/service-event';
import { LOCAL_REGION } from '../../lambdas/local/dynamodb-emulator';
import { SDK_TARGETS, type SdkTarget } from './service-plane';

/** A soak job sent through a real submitter (bench/soak/service-plane.ts). */
export interface SdkJob {
  readonly kind: SdkTarget;
  /** Configure the application / state machine by name (resolved through a paginated list) rather than by id / ARN. */
  readonly byName: boolean;
  /** Which of the shared applications, state machines or functions. */
  readonly slot: number;
  /** How long its run lasts on the service (Glue keeps the job busy, Step Functions keeps the execution open). */
  readonly durationMinutes: number;
}

/** Picks, from its own random stream, which submitted jobs go to real submitters, and how. */
export function planSdkJobs(
  plans: readonly { readonly name: string; readonly external: boolean }[],
  share: number,
  random: () => number,
): Map<string, SdkJob> {
  const jobs = new Map<string, SdkJob>();
  for (const plan of plans) {
    if (plan.external || random() >= share) continue;
    jobs.set(plan.name, {
      kind: SDK_TARGETS[Math.floor(random() * SDK_TARGETS.length)] as SdkTarget,
      byName: random() < 0.5,
      slot: Math.floor(random() * 3),
      durationMinutes: 1 + Math.floor(random() * 4),
    });
  }
  return jobs;
}

/**
 * The job's target in the config. Applications, state machines and functions
 * are shared by several jobs, as they are in accounts; a Glue job and a
 * pipeline belong to one scheduler job each (Glue's MaxConcurrentRuns and
 * Data Pipeline's lookup are per job / pipeline: docs/targets.md, docs/exactly-once.md).
 */
export function sdkTargetConfig(job: string, sdk: SdkJob): Record<string, unknown> {
  switch (sdk.kind) {
    case 'emr-serverless': {
      const name = `soak-app-${sdk.slot}`;
      return {
        type: 'emr-serverless',
        application: sdk.byName ? name : simulatedApplicationId(name),
        executionRole: 'arn:aws:iam::123456789012:role/soak-jobs',
        entryPoint: `s3://soak-code/${job}.py`,
        arguments: ['--date', '{{date}}'],
      };
    }
    case 'glue':
      return { type: 'glue', jobName: `${job}-glue`, arguments: { '--date': '{{date}}' } };
    case 'stepfunctions': {
      const name = `soak-sm-${sdk.slot}`;
      return {
        type: 'stepfunctions',
        stateMachine: sdk.byName ? name : `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${name}`,
        input: { date: '{{date}}', job },
      };
    }
    case 'lambda':
      return { type: 'lambda', function: `soak-fn-${sdk.slot}`, payload: { date: '{{date}}', job } };
    case 'datapipeline':
      return { type: 'datapipeline', pipeline: `${job}-pipeline`, parameters: { d: '{{date}}' } };
  }
}
