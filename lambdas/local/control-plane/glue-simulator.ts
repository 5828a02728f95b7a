import { GLUE_RUN_ARGUMENT } from '../../domain/glue';
import { parseSubmissionName } from '../../ports/submitter';
import { type Operation, ServiceError } from './json-rpc-server';
import { serviceEvent } from './service-event';
import { type PendingRun, SimulatedRuns, type SimulatedRunsDeps } from './simulated-runs';

/** GetJobRuns pages are small on purpose, so the lookup's pagination is exercised. */
const PAGE_SIZE = 10;

interface SimGlueRun {
  readonly id: string;
  readonly jobName: string;
  readonly arguments: Readonly<Record<string, string>>;
  readonly startedOn: string;
  /** When it ends (ISO); undefined: never (a hanging job). */
  readonly endsAt?: string;
  /** How it ends (absent in state saved before it was kept: succeeded). */
  readonly result?: 'done' | 'failed';
}

const FAILURE = 'simulated failure (--fail)';

export interface GlueSnapshot {
  readonly pending: readonly PendingRun[];
  readonly runs: readonly SimGlueRun[];
}

/**
 * A simulated AWS Glue: the jobs the config names exist, each with
 * MaxConcurrentRuns 1 (Glue's default, "ExecutionProperty",
 * https://docs.aws.amazon.com/glue/latest/webapi/API_ExecutionProperty.html):
 * a StartJobRun while a run of that job is going answers
 * ConcurrentRunsExceededException. Every StartJobRun that is accepted starts a
 * run — there is no token — GetJobRuns lists them newest first, and GetJobRun
 * reports one (https://docs.aws.amazon.com/glue/latest/webapi/API_GetJobRun.html).
 * A run that ends sends "Glue Job State Change" (detail jobName, severity,
 * state, jobRunId, message: AWS Glue Developer Guide, "Automating AWS Glue
 * with EventBridge").
 */
export class GlueSimulator {
  private readonly jobs = new Set<string>();
  private readonly runs: SimGlueRun[] = [];
  private readonly simulated: SimulatedRuns;

  constructor(private readonly deps: SimulatedRunsDeps) {
    this.simulated = new SimulatedRuns('glue', deps, (ended) => {
      const run = this.runs.find((r) => r.id === ended.submissionId);
      if (!run) return undefined;
      const state = this.stateOf(run);
      return serviceEvent('glue', this.simulated.now, {
        jobName: run.jobName,
        severity: state === 'FAILED' ? 'ERROR' : 'INFO',
        state,
        jobRunId: run.id,
        message: state === 'FAILED' ? `JobName:${run.jobName} and JobRunId:${run.id} failed to execute: ${FAILURE}` : 'Job run succeeded',
      });
    });
    for (const job of deps.dag.jobs.values()) if (job.target.type === 'glue') this.jobs.add(job.target.jobName);
  }

  operations(): Record<string, Operation> {
    return {
      'AWSGlue.StartJobRun': (input) => this.start(input),
      'AWSGlue.GetJobRuns': (input) => {
        const jobName = this.job(input);
        const all = this.runs.filter((r) => r.jobName === jobName).reverse();
        const start = input.NextToken ? Number(input.NextToken) : 0;
        const more = start + PAGE_SIZE < all.length;
        return {
          JobRuns: all.slice(start, start + PAGE_SIZE).map((r) => this.describe(r)),
          ...(more ? { NextToken: String(start + PAGE_SIZE) } : {}),
        };
      },
      'AWSGlue.GetJobRun': (input) => {
        const jobName = this.job(input);
        const run = this.runs.find((r) => r.jobName === jobName && r.id === input.RunId);
        if (!run) throw new ServiceError('EntityNotFoundException', `Job run ${String(input.RunId)} of ${jobName} not found`);
        return { JobRun: this.describe(run) };
      },
    };
  }

  private stateOf(run: SimGlueRun): 'RUNNING' | 'SUCCEEDED' | 'FAILED' {
    if (this.isRunning(run)) return 'RUNNING';
    return run.result === 'failed' ? 'FAILED' : 'SUCCEEDED';
  }

  /** A JobRun as GetJobRun and GetJobRuns return it (instants in epoch seconds, as the JSON protocol sends them). */
  private describe(run: SimGlueRun): Record<string, unknown> {
    const state = this.stateOf(run);
    const started = Date.parse(run.startedOn) / 1000;
    const ended = state === 'RUNNING' || !run.endsAt ? undefined : Date.parse(run.endsAt) / 1000;
    return {
      Id: run.id,
      JobName: run.jobName,
      Arguments: run.arguments,
      StartedOn: started,
      JobRunState: state,
      ...(ended !== undefined ? { CompletedOn: ended, ExecutionTime: Math.round(ended - started) } : {}),
      ...(state === 'FAILED' ? { ErrorMessage: FAILURE } : {}),
    };
  }

  private job(input: Record<string, unknown>): string {
    const name = String(input.JobName ?? '');
    if (!this.jobs.has(name)) throw new ServiceError('EntityNotFoundException', `Job with name ${name} not found`);
    return name;
  }

  private isRunning(run: SimGlueRun): boolean {
    return run.endsAt === undefined || this.simulated.now.toISOString() < run.endsAt;
  }

  private start(input: Record<string, unknown>): unknown {
    const jobName = this.job(input);
    if (this.runs.some((r) => r.jobName === jobName && this.isRunning(r)))
      throw new ServiceError('ConcurrentRunsExceededException', `Concurrent runs exceeded for ${jobName}`);
    const args = (input.Arguments ?? {}) as Record<string, string>;
    const run = parseSubmissionName(String(args[GLUE_RUN_ARGUMENT] ?? ''));
    if (!run)
      throw new ServiceError('InvalidInputException', `the simulator needs the ${GLUE_RUN_ARGUMENT} argument to know which run this is`);
    const id = `jr_${String(this.runs.length + 1).padStart(8, '0')}`;
    const now = this.simulated.now;
    const outcome = this.simulated.start(run, id);
    this.runs.push({
      id,
      jobName,
      arguments: args,
      startedOn: now.toISOString(),
      ...(outcome.result === 'hang'
        ? {}
        : { endsAt: new Date(now.getTime() + outcome.durationMinutes * 60_000).toISOString(), result: outcome.result }),
    });
    this.deps.onChange?.();
    return { JobRunId: id };
  }

  snapshot(): GlueSnapshot {
    return { pending: this.simulated.snapshot(), runs: [...this.runs] };
  }

  restore(snapshot: GlueSnapshot | undefined): void {
    if (!snapshot) return;
    this.runs.push(...snapshot.runs);
    this.simulated.restore(snapshot.pending);
  }
}
