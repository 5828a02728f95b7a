import type { RunDate } from '../domain/run-date';
import type { LiveCluster } from './cluster-directory';

/** A target with every template rendered: exactly what goes to the control plane. */
export type RenderedTarget =
  | { readonly type: 'datapipeline'; readonly pipeline: string; readonly parameters: Readonly<Record<string, string>> }
  | {
      readonly type: 'emr-step';
      readonly args: readonly string[];
      readonly jar: string;
      readonly mainClass?: string;
      readonly actionOnFailure: string;
    }
  | {
      readonly type: 'emr-serverless';
      /** Application id or name, as configured (the submitter resolves a name). */
      readonly application: string;
      readonly executionRole: string;
      readonly entryPoint: string;
      readonly arguments: readonly string[];
      readonly sparkSubmitParameters?: string;
    }
  | { readonly type: 'glue'; readonly jobName: string; readonly arguments: Readonly<Record<string, string>> }
  /** `input` is the rendered execution input as JSON text. */
  | { readonly type: 'stepfunctions'; readonly stateMachine: string; readonly input: string }
  /** `payload` is the rendered event as JSON text. */
  | { readonly type: 'lambda'; readonly function: string; readonly payload: string };

export interface SubmitRequest {
  readonly job: string;
  readonly date: RunDate;
  readonly attempt: number;
  readonly target: RenderedTarget;
  readonly cluster?: LiveCluster;
}

export interface SubmitResult {
  /** Pipeline id, EMR step id, EMR Serverless job run id, Glue job run id, execution ARN, or Lambda request id. */
  readonly submissionId: string;
  readonly clusterId?: string;
}

/** Hands a run to the system that executes it. One implementation per target kind, routed by type. */
export interface Submitter {
  submit(request: SubmitRequest): Promise<SubmitResult>;
  /**
   * Looks for a submission of this attempt (after a handler died between
   * submitting and recording it). Undefined when none was made; 'unknown' when
   * the control plane cannot tell.
   */
  findSubmission(ref: SubmissionRef): Promise<SubmitResult | undefined | 'unknown'>;
}

export interface SubmissionRef {
  readonly job: string;
  readonly date: RunDate;
  readonly attempt: number;
  readonly type: RenderedTarget['type'];
  readonly clusterId?: string;
  /** The target as it was (or would be) sent: the Data Pipeline lookup needs the pipeline. */
  readonly target?: RenderedTarget;
  /** When the run was claimed for submission (ISO): no submission of this attempt can be older. */
  readonly since?: string;
}

/**
 * A submission that failed. `retryable` says whether trying again may help;
 * `maybeApplied` says the call may have taken effect before it failed (a 5xx,
 * a timeout, a lost connection), so it must be looked up before any resend.
 */
export class SubmitError extends Error {
  override readonly name = 'SubmitError';
  readonly maybeApplied: boolean;
  /**
   * The target refused for now because it is busy (Glue's
   * ConcurrentRunsExceededException): not applied, and a reason to wait and
   * try later rather than to fail the run (docs/targets.md).
   */
  readonly busy: boolean;
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown; maybeApplied?: boolean; busy?: boolean },
  ) {
    super(message, options);
    this.maybeApplied = options?.maybeApplied ?? false;
    this.busy = options?.busy ?? false;
  }
}

/** Stable name of a run's attempt, used as EMR step name and for finding lost submissions. */
export function submissionName(job: string, date: RunDate, attempt: number): string {
  return `rsched:${job}:${date}:${attempt}`;
}

export function parseSubmissionName(name: string): { job: string; date: RunDate; attempt: number } | undefined {
  const m = /^rsched:([a-z0-9][a-z0-9_-]*):(\d{4}-\d{2}-\d{2}(?:T\d{2})?):(\d+)$/.exec(name);
  return m ? { job: m[1] as string, date: m[2] as RunDate, attempt: Number(m[3]) } : undefined;
}
