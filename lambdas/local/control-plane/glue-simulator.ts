import { GLUE_RUN_ARGUMENT } from '../../domain/glue';
import { parseSubmissionName } from '../../ports/submitter';
import { type Operation, ServiceError } from './json-rpc-server';
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
}

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
 * run — there is no token — and GetJobRuns lists them newest first.
 */
export class GlueSimulator {
  private readonly jobs = new Set<string>();
  private readonly runs: SimGlueRun[] = [];
  private readonly simulated: SimulatedRuns;

  constructor(private readonly deps: SimulatedRunsDeps) {
    this.simulated = new SimulatedRuns('glue', deps);
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
          JobRuns: all.slice(start, start + PAGE_SIZE).map((r) => ({
            Id: r.id,
            JobName: r.jobName,
            Arguments: r.arguments,
            StartedOn: Date.parse(r.startedOn) / 1000,
            JobRunState: this.isRunning(r) ? 'RUNNING' : 'SUCCEEDED',
          })),
          ...(more ? { NextToken: String(start + PAGE_SIZE) } : {}),
        };
      },
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
      ...(outcome.result === 'hang' ? {} : { endsAt: new Date(now.getTime() + outcome.durationMinutes * 60_000).toISOString() }),
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
