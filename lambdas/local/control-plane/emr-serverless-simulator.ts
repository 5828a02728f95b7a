import { createHash } from 'node:crypto';
import { parseSubmissionName } from '../../ports/submitter';
import { LOCAL_REGION } from '../dynamodb-emulator';
import { type Operation, ServiceError } from './json-rpc-server';
import { LOCAL_ACCOUNT, serviceEvent } from './service-event';
import { type PendingRun, SimulatedRuns, type SimulatedRunsDeps } from './simulated-runs';

/** ListApplications and ListJobRuns pages are small on purpose, so pagination is exercised. */
const PAGE_SIZE = 10;

interface SimJobRun {
  readonly id: string;
  readonly applicationId: string;
  readonly name: string;
  readonly clientToken: string;
  readonly createdAt: string;
  /** When it ends (ISO) and how; absent: never (a hanging job, or state saved before they were kept). */
  readonly endsAt?: string;
  readonly result?: 'done' | 'failed';
}

type JobRunState = 'RUNNING' | 'SUCCESS' | 'FAILED';
const FAILURE = 'simulated failure (--fail)';

export interface EmrServerlessSnapshot {
  readonly pending: readonly PendingRun[];
  readonly jobRuns: readonly SimJobRun[];
  readonly counter: number;
}

/** A simulated application id: 16 characters of [0-9a-z], derived from the name. */
export function simulatedApplicationId(name: string): string {
  return `00${createHash('sha256').update(name).digest('hex').slice(0, 14)}`;
}

function page<T>(items: readonly T[], token: unknown): { items: T[]; nextToken?: string } {
  const start = token ? Number(token) : 0;
  const more = start + PAGE_SIZE < items.length;
  return { items: items.slice(start, start + PAGE_SIZE), ...(more ? { nextToken: String(start + PAGE_SIZE) } : {}) };
}

export interface EmrServerlessSimulatorOptions {
  /**
   * How long a `clientToken` is honoured after its job run started. The
   * StartJobRun reference documents the token but not for how long AWS keeps
   * it; the soak (bench/soak) draws short windows to show that nothing relies
   * on it past the SDK's retries. @default forever
   */
  readonly clientTokenTtlMs?: number;
}

/**
 * A simulated EMR Serverless (REST-JSON, as the SDK speaks it): the
 * applications the config names exist (a name gets a derived id; an id is
 * taken as it is); StartJobRun honours `clientToken` — the same token answers
 * the same job run and starts nothing (within `clientTokenTtlMs`) — and a new
 * run is found again by its name through ListJobRuns. GetJobRun reports one, and one that ends sends
 * "EMR Serverless Job Run State Change" (detail jobRunId, applicationId, arn,
 * releaseLabel, state, previousState, createdBy, createdAt, updatedAt: EMR
 * Serverless User Guide, "Automating EMR Serverless with Amazon EventBridge").
 */
export class EmrServerlessSimulator {
  private readonly applications = new Map<string, string>();
  private readonly jobRuns: SimJobRun[] = [];
  private readonly byToken = new Map<string, SimJobRun>();
  private readonly runs: SimulatedRuns;
  private counter = 0;

  constructor(
    private readonly deps: SimulatedRunsDeps,
    private readonly options: EmrServerlessSimulatorOptions = {},
  ) {
    this.runs = new SimulatedRuns('emr-serverless', deps, (ended) => {
      const run = this.jobRuns.find((r) => r.id === ended.submissionId);
      if (!run) return undefined;
      const state = this.stateOf(run);
      return serviceEvent('emr-serverless', this.runs.now, {
        jobRunId: run.id,
        applicationId: run.applicationId,
        arn: `${this.arn(run.applicationId)}/jobruns/${run.id}`,
        releaseLabel: 'emr-7.5.0',
        state,
        previousState: 'RUNNING',
        createdBy: 'local',
        createdAt: run.createdAt,
        updatedAt: run.endsAt ?? this.runs.now.toISOString(),
        ...(state === 'FAILED' ? { stateDetails: FAILURE } : {}),
      });
    });
    for (const job of deps.dag.jobs.values()) {
      if (job.target.type !== 'emr-serverless') continue;
      const value = job.target.application;
      // A configured value that looks like a simulated id is that application; anything else is a name
      // (which wins: one job may name the application another configures by id).
      if (!/^00[0-9a-f]{14}$/.test(value)) this.applications.set(simulatedApplicationId(value), value);
      else if (!this.applications.has(value)) this.applications.set(value, value);
    }
  }

  private arn(applicationId: string): string {
    return `arn:aws:emr-serverless:${LOCAL_REGION}:${LOCAL_ACCOUNT}:/applications/${applicationId}`;
  }

  operations(): Record<string, Operation> {
    return {
      'GET /applications': (input) => {
        const all = [...this.applications].map(([id, name]) => ({
          id,
          name,
          arn: this.arn(id),
          releaseLabel: 'emr-7.5.0',
          type: 'Spark',
          state: 'CREATED',
          createdAt: 0,
          updatedAt: 0,
        }));
        const p = page(all, input.nextToken);
        return { applications: p.items, ...(p.nextToken ? { nextToken: p.nextToken } : {}) };
      },
      'POST /applications/{applicationId}/jobruns': (input) => this.start(input),
      'GET /applications/{applicationId}/jobruns': (input) => {
        const applicationId = this.application(input);
        const after = input.createdAtAfter === undefined ? undefined : new Date(String(input.createdAtAfter)).toISOString();
        // Most recent first, as AWS lists them.
        const all = this.jobRuns
          .filter((r) => r.applicationId === applicationId && (after === undefined || r.createdAt >= after))
          .reverse()
          .map((r) => ({ ...this.describe(r), id: r.id }));
        const p = page(all, input.nextToken);
        return { jobRuns: p.items, ...(p.nextToken ? { nextToken: p.nextToken } : {}) };
      },
      'GET /applications/{applicationId}/jobruns/{jobRunId}': (input) => {
        const applicationId = this.application(input);
        const run = this.jobRuns.find((r) => r.applicationId === applicationId && r.id === input.jobRunId);
        if (!run) throw new ServiceError('ResourceNotFoundException', `Job run ${String(input.jobRunId)} does not exist`, 404);
        return { jobRun: { ...this.describe(run), jobRunId: run.id, jobDriver: { sparkSubmit: { entryPoint: 'local' } } } };
      },
    };
  }

  private stateOf(run: SimJobRun): JobRunState {
    if (run.endsAt === undefined || this.runs.now.toISOString() < run.endsAt) return 'RUNNING';
    return run.result === 'failed' ? 'FAILED' : 'SUCCESS';
  }

  /** What ListJobRuns (JobRunSummary) and GetJobRun (JobRun) share; instants in epoch seconds. */
  private describe(run: SimJobRun): Record<string, unknown> {
    const state = this.stateOf(run);
    const updated = state === 'RUNNING' ? run.createdAt : (run.endsAt as string);
    return {
      applicationId: run.applicationId,
      name: run.name,
      arn: `${this.arn(run.applicationId)}/jobruns/${run.id}`,
      createdBy: 'local',
      createdAt: Date.parse(run.createdAt) / 1000,
      updatedAt: Date.parse(updated) / 1000,
      executionRole: 'local',
      state,
      stateDetails: state === 'FAILED' ? FAILURE : '',
      releaseLabel: 'emr-7.5.0',
      ...(state === 'RUNNING'
        ? {}
        : { totalExecutionDurationSeconds: Math.round((Date.parse(updated) - Date.parse(run.createdAt)) / 1000) }),
    };
  }

  private application(input: Record<string, unknown>): string {
    const id = String(input.applicationId ?? '');
    if (!this.applications.has(id)) throw new ServiceError('ResourceNotFoundException', `Application ${id} does not exist`, 404);
    return id;
  }

  private start(input: Record<string, unknown>): unknown {
    const applicationId = this.application(input);
    const clientToken = String(input.clientToken ?? '');
    const known = this.byToken.get(clientToken);
    if (known && this.honours(known)) return { applicationId, jobRunId: known.id, arn: `${this.arn(applicationId)}/jobruns/${known.id}` };
    const name = String(input.name ?? '');
    const run = parseSubmissionName(name);
    if (!run)
      throw new ServiceError('ValidationException', `the simulator needs the job run name rsched:<job>:<date>:<attempt>, got "${name}"`);
    this.counter++;
    const id = `00jr${String(this.counter).padStart(12, '0')}`;
    const now = this.runs.now;
    const outcome = this.runs.start(run, id);
    const jobRun: SimJobRun = {
      id,
      applicationId,
      name,
      clientToken,
      createdAt: now.toISOString(),
      ...(outcome.result === 'hang'
        ? {}
        : { endsAt: new Date(now.getTime() + outcome.durationMinutes * 60_000).toISOString(), result: outcome.result }),
    };
    this.jobRuns.push(jobRun);
    this.byToken.set(clientToken, jobRun);
    this.deps.onChange?.();
    return { applicationId, jobRunId: id, arn: `${this.arn(applicationId)}/jobruns/${id}` };
  }

  private honours(run: SimJobRun): boolean {
    const ttl = this.options.clientTokenTtlMs;
    return ttl === undefined || this.runs.now.getTime() - Date.parse(run.createdAt) < ttl;
  }

  snapshot(): EmrServerlessSnapshot {
    return { pending: this.runs.snapshot(), jobRuns: [...this.jobRuns], counter: this.counter };
  }

  restore(snapshot: EmrServerlessSnapshot | undefined): void {
    if (!snapshot) return;
    this.counter = snapshot.counter;
    for (const r of snapshot.jobRuns) {
      this.jobRuns.push(r);
      this.byToken.set(r.clientToken, r);
    }
    this.runs.restore(snapshot.pending);
  }
}
