import type { Dag } from '../../domain/config/dag';
import type { RunDate } from '../../domain/run-date';
import type { RenderedTarget } from '../../ports/submitter';
import { type JobOverrides, type SimulatedOutcome, simulatedOutcome } from '../job-behaviour';
import type { MarkerWriter } from '../marker-writer';
import type { Timeline } from '../timeline';
import { ServiceError } from './json-rpc-server';
import type { ServiceEventEnvelope } from './service-event';
import type { SubmissionLog } from './submission-log';

/** A started run that is still to end, as stored in `.rsched/control-plane.json`. */
export interface PendingRun {
  readonly job: string;
  readonly date: string;
  readonly at: string;
  readonly result: 'done' | 'failed';
  /** The service's id of the run; absent in state saved before the simulators sent state-change events. */
  readonly submissionId?: string;
}

export interface SimulatedRunsDeps {
  readonly dag: Dag;
  readonly timeline: Timeline;
  readonly overrides: JobOverrides;
  readonly markers: MarkerWriter;
  readonly submissions: SubmissionLog;
  /**
   * Where the services' state-change events go (rsched simulate/dev: EventBridge to the local
   * completion function, docs/completion.md#locally). Without it every job writes its own marker.
   */
  readonly emit?: (event: ServiceEventEnvelope) => void;
  /** Called after every change (rsched dev persists the state). */
  readonly onChange?: () => void;
}

/** The service's state-change event for a run that ended; undefined when the service sends none (Lambda). */
export type EndEvent = (run: PendingRun & { readonly submissionId: string }) => ServiceEventEnvelope | undefined;

/**
 * What the simulated serverless services (EMR Serverless, Glue, Step
 * Functions, Lambda) share: a started run is recorded in the submission log —
 * the count `rsched simulate --json` reports as `submissions` — and "runs" for
 * the job's simulated duration. Then, like the real services, it ends: a job
 * with completion "events" writes nothing and the service sends its
 * state-change event (`endEvent`), which the scheduler's completion function
 * turns into the marker; a job with completion "marker" (and every Lambda
 * job) writes its own marker, as its last step would.
 */
export class SimulatedRuns {
  private readonly pending = new Set<PendingRun>();

  constructor(
    private readonly kind: RenderedTarget['type'],
    private readonly deps: SimulatedRunsDeps,
    private readonly endEvent?: EndEvent,
  ) {}

  get now(): Date {
    return this.deps.timeline.now();
  }

  /** Records a real submission of `run` and arms its end. Throws a 400 when the job is not in the config. */
  start(run: { job: string; date: string; attempt: number }, submissionId: string): SimulatedOutcome {
    const job = this.deps.dag.jobs.get(run.job);
    if (!job) throw new ServiceError('ValidationException', `unknown job ${run.job}`);
    const now = this.now;
    this.deps.submissions.record({ ...run, kind: this.kind, submissionId, at: now });
    const outcome = simulatedOutcome(job, this.deps.overrides);
    if (outcome.result !== 'hang') {
      this.arm({
        job: run.job,
        date: run.date,
        at: new Date(now.getTime() + outcome.durationMinutes * 60_000).toISOString(),
        result: outcome.result,
        submissionId,
      });
    }
    this.deps.onChange?.();
    return outcome;
  }

  private arm(run: PendingRun): void {
    this.pending.add(run);
    this.deps.timeline.schedule(new Date(run.at), `${this.kind} ${run.job}`, async () => {
      const event = this.eventFor(run);
      if (event) this.deps.emit?.(event);
      else {
        const body = run.result === 'failed' ? JSON.stringify({ meta: { error: 'simulated failure (--fail)' } }) : '';
        await this.deps.markers.write(run.job, run.date as RunDate, run.result, body);
      }
      this.pending.delete(run);
      this.deps.onChange?.();
    });
  }

  /** The state-change event that ends `run`, when its job leaves its marker to the scheduler (completion "events"). */
  private eventFor(run: PendingRun): ServiceEventEnvelope | undefined {
    const job = this.deps.dag.jobs.get(run.job);
    if (!this.deps.emit || job?.completion !== 'events' || run.submissionId === undefined) return undefined;
    return this.endEvent?.({ ...run, submissionId: run.submissionId });
  }

  snapshot(): PendingRun[] {
    return [...this.pending];
  }

  /** Re-arms the runs still going when the state was saved (at once if their time has passed). */
  restore(pending: readonly PendingRun[] | undefined): void {
    for (const run of pending ?? []) this.arm(run);
  }
}
