import { isDeepStrictEqual } from 'node:util';
import { executionArn, executionName } from '../../adapters/aws/stepfunctions-submitter';
import type { RunDate } from '../../domain/run-date';
import { LOCAL_REGION } from '../dynamodb-emulator';
import { type Operation, ServiceError } from './json-rpc-server';
import { LOCAL_ACCOUNT, serviceEvent } from './service-event';
import { type PendingRun, SimulatedRuns, type SimulatedRunsDeps } from './simulated-runs';

interface SimExecution {
  readonly arn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  readonly input: string;
  readonly startDate: string;
  /** When it closes (ISO); undefined: never (a hanging job). */
  readonly closesAt?: string;
  /** How it closes (absent in state saved before it was kept: succeeded). */
  readonly result?: 'done' | 'failed';
}

const FAILURE = { error: 'Simulated.Failure', cause: 'simulated failure (--fail)' } as const;

export interface StepFunctionsSnapshot {
  readonly pending: readonly PendingRun[];
  readonly executions: readonly SimExecution[];
}

function sameJson(a: string, b: string): boolean {
  try {
    return isDeepStrictEqual(JSON.parse(a), JSON.parse(b));
  } catch {
    return a === b;
  }
}

/**
 * A simulated AWS Step Functions: the state machines named in the config
 * exist (STANDARD); StartExecution keeps the name rules of the real service
 * (StartExecution, https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html):
 * the same name and input while open answers the same execution, a closed
 * one or another input answers ExecutionAlreadyExists. Only a new execution
 * counts as a submission. DescribeExecution reports an execution, and one
 * that closes sends "Step Functions Execution Status Change" (detail
 * executionArn, stateMachineArn, name, status, startDate/stopDate in epoch
 * ms, input, error/cause: Step Functions Developer Guide, "Automating Step
 * Functions event delivery with EventBridge").
 */
export class StepFunctionsSimulator {
  private readonly machines = new Map<string, string>();
  private readonly executions = new Map<string, SimExecution>();
  private readonly runs: SimulatedRuns;

  constructor(private readonly deps: SimulatedRunsDeps) {
    this.runs = new SimulatedRuns('stepfunctions', deps, (ended) => {
      const execution = this.executions.get(ended.submissionId);
      if (!execution) return undefined;
      const status = this.statusOf(execution);
      return serviceEvent(
        'stepfunctions',
        this.runs.now,
        {
          executionArn: execution.arn,
          stateMachineArn: execution.stateMachineArn,
          name: execution.name,
          status,
          startDate: Date.parse(execution.startDate),
          stopDate: execution.closesAt ? Date.parse(execution.closesAt) : null,
          input: execution.input,
          inputDetails: { included: true },
          output: null,
          outputDetails: null,
          ...(status === 'FAILED' ? FAILURE : {}),
        },
        [execution.arn],
      );
    });
    for (const job of deps.dag.jobs.values()) {
      if (job.target.type !== 'stepfunctions') continue;
      const id = job.target.stateMachine;
      const arn = id.startsWith('arn:') ? id : `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${id}`;
      this.machines.set(arn, arn.slice(arn.lastIndexOf(':') + 1));
    }
  }

  operations(): Record<string, Operation> {
    return {
      'AWSStepFunctions.ListStateMachines': () => ({
        stateMachines: [...this.machines].map(([stateMachineArn, name]) => ({
          stateMachineArn,
          name,
          type: 'STANDARD',
          creationDate: 0,
        })),
      }),
      'AWSStepFunctions.DescribeStateMachine': (input) => {
        const arn = String(input.stateMachineArn);
        const name = this.machines.get(arn);
        if (!name) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
        return { stateMachineArn: arn, name, type: 'STANDARD', status: 'ACTIVE', definition: '{}', roleArn: 'local', creationDate: 0 };
      },
      'AWSStepFunctions.StartExecution': (input) => this.start(input),
      'AWSStepFunctions.DescribeExecution': (input) => {
        const execution = this.executions.get(String(input.executionArn));
        if (!execution) throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(input.executionArn)}'`);
        const status = this.statusOf(execution);
        return {
          executionArn: execution.arn,
          stateMachineArn: execution.stateMachineArn,
          name: execution.name,
          status,
          input: execution.input,
          startDate: Date.parse(execution.startDate) / 1000,
          ...(status !== 'RUNNING' && execution.closesAt ? { stopDate: Date.parse(execution.closesAt) / 1000 } : {}),
          ...(status === 'FAILED' ? FAILURE : {}),
        };
      },
    };
  }

  private statusOf(execution: SimExecution): 'RUNNING' | 'SUCCEEDED' | 'FAILED' {
    if (this.isOpen(execution)) return 'RUNNING';
    return execution.result === 'failed' ? 'FAILED' : 'SUCCEEDED';
  }

  private isOpen(execution: SimExecution): boolean {
    return execution.closesAt === undefined || this.runs.now.toISOString() < execution.closesAt;
  }

  private start(input: Record<string, unknown>): unknown {
    const stateMachineArn = String(input.stateMachineArn);
    if (!this.machines.has(stateMachineArn))
      throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    const name = String(input.name ?? '');
    const body = typeof input.input === 'string' ? input.input : '{}';
    const arn = executionArn(stateMachineArn, name);
    const existing = this.executions.get(arn);
    if (existing) {
      if (this.isOpen(existing) && sameJson(existing.input, body))
        return { executionArn: arn, startDate: Date.parse(existing.startDate) / 1000 };
      throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const run = this.runOf(name);
    if (!run) throw new ServiceError('InvalidName', `the simulator knows no run named ${name}`);
    const now = this.runs.now;
    const outcome = this.runs.start(run, arn);
    this.executions.set(arn, {
      arn,
      name,
      stateMachineArn,
      input: body,
      startDate: now.toISOString(),
      ...(outcome.result === 'hang'
        ? {}
        : { closesAt: new Date(now.getTime() + outcome.durationMinutes * 60_000).toISOString(), result: outcome.result }),
    });
    this.deps.onChange?.();
    return { executionArn: arn, startDate: now.getTime() / 1000 };
  }

  /** The run an execution name belongs to: `rsched-<job>-<yyyymmdd>-<attempt>` (long job names are hashed, so compare). */
  private runOf(name: string): { job: string; date: RunDate; attempt: number } | undefined {
    const m = /-(\d{4})(\d{2})(\d{2})-(\d+)$/.exec(name);
    if (!m) return undefined;
    const date = `${m[1]}-${m[2]}-${m[3]}` as RunDate;
    const attempt = Number(m[4]);
    for (const job of this.deps.dag.jobs.keys()) if (executionName(job, date, attempt) === name) return { job, date, attempt };
    return undefined;
  }

  snapshot(): StepFunctionsSnapshot {
    return { pending: this.runs.snapshot(), executions: [...this.executions.values()] };
  }

  restore(snapshot: StepFunctionsSnapshot | undefined): void {
    for (const e of snapshot?.executions ?? []) this.executions.set(e.arn, e);
    this.runs.restore(snapshot?.pending);
  }
}
