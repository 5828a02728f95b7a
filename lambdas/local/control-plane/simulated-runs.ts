import type { Dag } from '../../domain/config/dag';
import type { RunDate } from '../../domain/run-date';
import type { RenderedTarget } from '../../ports/submitter';
import { type JobOverrides, type SimulatedOutcome, simulatedOutcome } from '../job-behaviour';
import type { MarkerWriter } from '../marker-writer';
import type { Timeline } from '../timeline';
import { ServiceError } from './json-rpc-server';
import type { SubmissionLog } from './submission-log';

/** A started run whose marker is still to be written, as stored in `.rsched/control-plane.json`. */
export interface PendingRun {
  readonly job: string;
  readonly date: string;
  readonly at: string;
  readonly result: 'done' | 'failed';
}

export interface SimulatedRunsDeps {
  readonly dag: Dag;
  readonly timeline: Timeline;
  readonly overrides: JobOverrides;
  readonly markers: MarkerWriter;
  readonly submissions: SubmissionLog;
  /** Called after every change (rsched dev persists the state). */
  readonly onChange?: () => void;
}

/**
 * What the simulated serverless services (EMR Serverless, Glue, Step
 * Functions, Lambda) share: a started run is recorded in the submission log —
 * the count `rsched simulate --json` reports as `submissions` — and "runs" for
 * the job's simulated duration, then writes the job's marker, as the job's
 * last step would.
 */
export class SimulatedRuns {
  private readonly pending = new Set<PendingRun>();

  constructor(
    private readonly kind: RenderedTarget['type'],
    private readonly deps: SimulatedRunsDeps,
  ) {}

  get now(): Date {
    return this.deps.timeline.now();
  }

  /** Records a real submission of `run` and arms its marker. Throws a 400 when the job is not in the config. */
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
      });
    }
    this.deps.onChange?.();
    return outcome;
  }

  private arm(run: PendingRun): void {
    this.pending.add(run);
    this.deps.timeline.schedule(new Date(run.at), `${this.kind} ${run.job}`, async () => {
      const body = run.result === 'failed' ? JSON.stringify({ meta: { error: 'simulated failure (--fail)' } }) : '';
      await this.deps.markers.write(run.job, run.date as RunDate, run.result, body);
      this.pending.delete(run);
      this.deps.onChange?.();
    });
  }

  snapshot(): PendingRun[] {
    return [...this.pending];
  }

  /** Re-arms the runs still going when the state was saved (at once if their time has passed). */
  restore(pending: readonly PendingRun[] | undefined): void {
    for (const run of pending ?? []) this.arm(run);
  }
}
