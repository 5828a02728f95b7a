import { isDeepStrictEqual } from 'node:util';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  paginateListStateMachines,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { RunDate } from '../../domain/run-date';
import { compactPeriod } from '../../domain/run-hour';
import { type SubmissionRef, SubmitError, type SubmitRequest, type SubmitResult, type Submitter } from '../../ports/submitter';
import { beforeSend, judgeSendError } from './send-once';
import { shortHash } from './short-hash';

/**
 * Starts executions of Standard state machines, exactly once per attempt on
 * AWS's side, by naming each execution after its attempt.
 *
 * StartExecution, "Step Functions API Reference"
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html),
 * `name`: "This name must be unique for your AWS account, Region, and state
 * machine for 90 days": the same name and input while the first execution is
 * open answers success with the same execution; once it is closed, or with
 * another input, it answers 400 ExecutionAlreadyExists. "Execution
 * guarantees" (https://docs.aws.amazon.com/step-functions/latest/dg/express-at-least-once-execution.html):
 * Standard workflows are "exactly-once workflow execution" and return "an
 * idempotent response on starting an execution with the same name"; for
 * Express workflows "idempotency is not automatically managed", so an EXPRESS
 * state machine is refused. The same page: names "can be reused after removal
 * of out-of-date execution data" — after 90 days, or 30 where the account
 * asked for shorter retention; an attempt is never submitted that long after
 * its claim (maxRuntimeMinutes is at most 7 days, docs/targets.md).
 *
 * The SDK's retries are therefore left on: a retried call cannot start a
 * second execution. ExecutionAlreadyExists is answered by DescribeExecution:
 * the same input means the execution is this attempt's (its name is ours by
 * construction); another input means someone else used the name, a
 * permanent error. Names: at most 80 characters, none of whitespace,
 * brackets, wildcards, `" # % \ ^ | ~ \` $ & , ; : /` or control characters
 * ("Step Functions service quotas", https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
 */

/** Execution names are at most 80 characters (Step Functions service quotas, "General quotas"). */
export const EXECUTION_NAME_MAX = 80;
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/;
/** Refusals that trying again cannot fix. */
const PERMANENT = new Set([
  'StateMachineDoesNotExist',
  'StateMachineDeleting',
  'InvalidArn',
  'InvalidName',
  'InvalidExecutionInput',
  'ValidationException',
  'AccessDeniedException',
  'KmsAccessDeniedException',
]);

/**
 * The execution name of a run's attempt: `rsched-<job>-<yyyymmdd>-<attempt>` (`<yyyymmddhh>` for an hourly run),
 * only [a-z0-9_-] (job names allow nothing else). A job name too long for 80
 * characters is cut and followed by a hash of the whole name, so two long
 * names never share an execution name.
 */
export function executionName(job: string, date: RunDate, attempt: number): string {
  const tail = `-${compactPeriod(date)}-${attempt}`;
  const full = `rsched-${job}${tail}`;
  if (full.length <= EXECUTION_NAME_MAX) return full;
  const hash = shortHash(job, 12);
  const room = EXECUTION_NAME_MAX - 'rsched-'.length - tail.length - hash.length - 1;
  return `rsched-${job.slice(0, room)}-${hash}${tail}`;
}

/** The ARN of an execution: the state machine ARN with `execution` for `stateMachine`, then the name. */
export function executionArn(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

function sameJson(a: string | undefined, b: string): boolean {
  try {
    return isDeepStrictEqual(JSON.parse(a ?? 'null'), JSON.parse(b));
  } catch {
    return false;
  }
}

export class StepFunctionsSubmitter implements Submitter {
  private names: { at: number; arns: Map<string, string[]> } | undefined;
  /** State machines checked to be STANDARD. */
  private readonly standard = new Set<string>();

  constructor(
    private readonly client: SFNClient,
    private readonly options: { readonly cacheTtlMs?: number; readonly now?: () => number } = {},
  ) {}

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  private async listStateMachines(): Promise<Map<string, string[]>> {
    const arns = new Map<string, string[]>();
    for await (const page of paginateListStateMachines({ client: this.client }, {})) {
      for (const m of page.stateMachines ?? []) {
        if (m.name && m.stateMachineArn) arns.set(m.name, [...(arns.get(m.name) ?? []), m.stateMachineArn]);
      }
    }
    this.names = { at: this.now, arns };
    return arns;
  }

  /** The state machine ARN for an ARN or a name (ListStateMachines, cached; listed again once on a miss). */
  async resolve(stateMachine: string): Promise<string> {
    if (STATE_MACHINE_ARN.test(stateMachine)) return stateMachine;
    const fresh = this.names && this.now - this.names.at < (this.options.cacheTtlMs ?? 10 * 60_000);
    let arns = fresh ? this.names?.arns.get(stateMachine) : undefined;
    if (!arns) arns = (await this.listStateMachines()).get(stateMachine);
    if (!arns) throw new SubmitError(`no state machine named "${stateMachine}" in this account and region`, false);
    if (arns.length > 1) throw new SubmitError(`${arns.length} state machines are named "${stateMachine}"; use the ARN`, false);
    return arns[0] as string;
  }

  /** Refuses EXPRESS state machines: their StartExecution is not idempotent. Checked once per state machine. */
  private async requireStandard(arn: string): Promise<void> {
    if (this.standard.has(arn)) return;
    let type: string | undefined;
    try {
      type = (await this.client.send(new DescribeStateMachineCommand({ stateMachineArn: arn }))).type;
    } catch (err) {
      const { retryable } = judgeSendError(err, PERMANENT);
      throw new SubmitError(`DescribeStateMachine ${arn}: ${(err as Error).name}: ${(err as Error).message}`, retryable, { cause: err });
    }
    if (type !== 'STANDARD')
      throw new SubmitError(`state machine ${arn} is ${type ?? 'of unknown type'}: only STANDARD workflows start exactly once`, false);
    this.standard.add(arn);
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const target = request.target;
    if (target.type !== 'stepfunctions') throw new SubmitError(`StepFunctionsSubmitter got a ${target.type} target`, false);
    const arn = await beforeSend(`ListStateMachines for "${target.stateMachine}"`, PERMANENT, () => this.resolve(target.stateMachine));
    await this.requireStandard(arn);
    const name = executionName(request.job, request.date, request.attempt);
    try {
      const out = await this.client.send(new StartExecutionCommand({ stateMachineArn: arn, name, input: target.input }));
      return { submissionId: out.executionArn ?? executionArn(arn, name) };
    } catch (err) {
      if ((err as Error).name === 'ExecutionAlreadyExists') return this.confirmOurs(arn, name, target.input, err);
      const { retryable, maybeApplied } = judgeSendError(err, PERMANENT);
      throw new SubmitError(`StartExecution ${name} on ${arn}: ${(err as Error).name}: ${(err as Error).message}`, retryable, {
        cause: err,
        maybeApplied,
      });
    }
  }

  /** After ExecutionAlreadyExists: the execution of that name is ours when its input is the one we send. */
  private async confirmOurs(arn: string, name: string, input: string, cause: unknown): Promise<SubmitResult> {
    let existing: Awaited<ReturnType<StepFunctionsSubmitter['describe']>>;
    try {
      existing = await this.describe(executionArn(arn, name));
    } catch (err) {
      // An execution of that name exists; whose, only a later look can say (findSubmission, before any resend).
      throw new SubmitError(
        `StartExecution ${name}: ExecutionAlreadyExists, and DescribeExecution failed: ${(err as Error).name}: ${(err as Error).message}`,
        true,
        { cause: err, maybeApplied: true },
      );
    }
    if (existing === undefined)
      throw new SubmitError(`StartExecution ${name}: ExecutionAlreadyExists, but DescribeExecution finds no such execution`, true, {
        cause,
        maybeApplied: true,
      });
    if (!sameJson(existing.input, input))
      throw new SubmitError(
        `an execution named ${name} already exists on ${arn} with another input: not this attempt's, so not started again`,
        false,
        { cause },
      );
    return { submissionId: existing.executionArn };
  }

  private async describe(arn: string): Promise<{ executionArn: string; input?: string } | undefined> {
    try {
      const out = await this.client.send(new DescribeExecutionCommand({ executionArn: arn }));
      return { executionArn: out.executionArn ?? arn, input: out.input };
    } catch (err) {
      if ((err as Error).name === 'ExecutionDoesNotExist') return undefined;
      throw err;
    }
  }

  /**
   * The execution of this attempt, by its name (DescribeExecution). Undefined
   * when there is none: nothing was started, a resend is safe — and would be
   * safe anyway, the name making it idempotent. A failing lookup throws.
   */
  async findSubmission(ref: SubmissionRef): Promise<SubmitResult | undefined | 'unknown'> {
    // Without the rendered target (it could not be rendered again) there is nothing to look in: never a guess.
    if (ref.target?.type !== 'stepfunctions') return 'unknown';
    const arn = await this.resolve(ref.target.stateMachine);
    const found = await this.describe(executionArn(arn, executionName(ref.job, ref.date, ref.attempt)));
    return found && { submissionId: found.executionArn };
  }
}
