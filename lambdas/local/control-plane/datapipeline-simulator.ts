import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Dag } from '../../domain/config/dag';
import type { RunDate } from '../../domain/run-date';
import { parseSubmissionName } from '../../ports/submitter';
import { type JobOverrides, simulatedOutcome } from '../job-behaviour';
import type { MarkerWriter } from '../marker-writer';
import type { Timeline } from '../timeline';
import { type Operation, ServiceError } from './json-rpc-server';
import type { SubmissionLog } from './submission-log';

/** Header the local runtime adds to submit calls so the simulator knows which run an activation is for. */
export const RUN_HEADER = 'x-rsched-run';
/** ListPipelines pages are small on purpose, so name resolution's pagination is exercised. */
const PAGE_SIZE = 25;

/** A time as Data Pipeline writes it in a pipeline's fields: UTC, to the second, no zone ("2012-12-13T01:24:06"). */
export function pipelineTime(at: Date): string {
  return at.toISOString().slice(0, 19);
}

export function simulatedPipelineId(name: string): string {
  return `df-${createHash('sha256').update(name).digest('hex').slice(0, 19).toUpperCase()}`;
}

/** An activation whose marker is still to be written, as stored in `.rsched/control-plane.json`. */
interface PendingActivation {
  readonly job: string;
  readonly date: string;
  readonly at: string;
  readonly result: 'done' | 'failed';
}

export interface DataPipelineSnapshot {
  readonly pending: readonly PendingActivation[];
  /** Per pipeline id, its last activation (ISO). */
  readonly lastActivation?: Readonly<Record<string, string>>;
}

/**
 * A simulated AWS Data Pipeline: the pipelines named in the config exist; an
 * activation "runs" for the job's simulated duration and then writes the job's
 * marker, as the pipeline's last activity would.
 */
export class DataPipelineSimulator {
  private readonly pipelines: { id: string; name: string }[];
  private readonly ids: Set<string>;
  private readonly pending = new Set<PendingActivation>();
  /** Per pipeline id, when it was last activated (DescribePipelines' `@lastActivationTime`). */
  private readonly lastActivation = new Map<string, Date>();

  constructor(
    private readonly deps: {
      dag: Dag;
      timeline: Timeline;
      overrides: JobOverrides;
      markers: MarkerWriter;
      submissions: SubmissionLog;
      /** Called after every change of what it knows (rsched dev persists it). */
      onChange?: () => void;
    },
    extraNames: readonly string[] = [],
  ) {
    const names = new Set(extraNames);
    const directIds = new Set<string>();
    for (const job of deps.dag.jobs.values()) {
      if (job.target.type !== 'datapipeline' || job.target.pipeline.includes('{{')) continue;
      if (job.target.pipeline.startsWith('df-')) directIds.add(job.target.pipeline);
      else names.add(job.target.pipeline);
    }
    this.pipelines = [
      ...[...names].sort().map((name) => ({ id: simulatedPipelineId(name), name })),
      ...[...directIds].map((id) => ({ id, name: id })),
    ];
    this.ids = new Set(this.pipelines.map((p) => p.id));
  }

  operations(): Record<string, Operation> {
    return {
      'DataPipeline.ListPipelines': (input) => this.listPipelines(input),
      'DataPipeline.ActivatePipeline': (input, headers) => this.activate(input, headers),
      'DataPipeline.DescribePipelines': (input) => this.describePipelines(input),
    };
  }

  private listPipelines(input: Record<string, unknown>): unknown {
    const start = input.marker ? Number(input.marker) : 0;
    const page = this.pipelines.slice(start, start + PAGE_SIZE);
    const more = start + PAGE_SIZE < this.pipelines.length;
    return { pipelineIdList: page, hasMoreResults: more, ...(more ? { marker: String(start + PAGE_SIZE) } : {}) };
  }

  /**
   * DescribePipelines as AWS answers it: per id a `fields` list of key/stringValue
   * pairs; `@lastActivationTime` only once the pipeline was activated (the
   * submitter's lookup after a lost ActivatePipeline answer reads it).
   */
  private describePipelines(input: Record<string, unknown>): unknown {
    const ids = (input.pipelineIds as string[] | undefined) ?? [];
    const list = ids.map((id) => {
      const pipeline = this.pipelines.find((p) => p.id === id);
      if (!pipeline) throw new ServiceError('PipelineNotFoundException', `Pipeline with id ${id} does not exist`);
      const activated = this.lastActivation.get(id);
      const fields = [
        { key: '@id', stringValue: id },
        { key: 'name', stringValue: pipeline.name },
        { key: '@pipelineState', stringValue: activated ? 'SCHEDULED' : 'PENDING' },
        ...(activated ? [{ key: '@lastActivationTime', stringValue: pipelineTime(activated) }] : []),
      ];
      return { pipelineId: id, name: pipeline.name, fields };
    });
    return { pipelineDescriptionList: list };
  }

  private activate(input: Record<string, unknown>, headers: IncomingHttpHeaders): unknown {
    const id = String(input.pipelineId ?? '');
    if (!this.ids.has(id)) {
      throw new ServiceError('PipelineNotFoundException', `Pipeline with id ${id} does not exist`);
    }
    const run = parseSubmissionName(String(headers[RUN_HEADER] ?? ''));
    if (!run) throw new ServiceError('InvalidRequestException', `the simulator needs the ${RUN_HEADER} header to know which run this is`);
    const job = this.deps.dag.jobs.get(run.job);
    if (!job) throw new ServiceError('InvalidRequestException', `unknown job ${run.job}`);
    const now = this.deps.timeline.now();
    this.lastActivation.set(id, now);
    this.deps.onChange?.();
    this.deps.submissions.record({ ...run, kind: 'datapipeline', submissionId: id, at: now });
    const outcome = simulatedOutcome(job, this.deps.overrides);
    if (outcome.result !== 'hang') {
      this.arm({
        job: run.job,
        date: run.date,
        at: new Date(now.getTime() + outcome.durationMinutes * 60_000).toISOString(),
        result: outcome.result === 'failed' ? 'failed' : 'done',
      });
    }
    return {};
  }

  /** Writes the activation's marker when it is due; remembered until then. */
  private arm(activation: PendingActivation): void {
    this.pending.add(activation);
    this.deps.onChange?.();
    this.deps.timeline.schedule(new Date(activation.at), `pipeline ${activation.job}`, async () => {
      const body = activation.result === 'failed' ? JSON.stringify({ meta: { error: 'simulated failure (--fail)' } }) : '';
      await this.deps.markers.write(activation.job, activation.date as RunDate, activation.result, body);
      this.pending.delete(activation);
      this.deps.onChange?.();
    });
  }

  snapshot(): DataPipelineSnapshot {
    return {
      pending: [...this.pending],
      lastActivation: Object.fromEntries([...this.lastActivation].map(([id, at]) => [id, at.toISOString()])),
    };
  }

  /** Re-arms the activations that were still running when the state was saved (at once if their time has passed). */
  restore(snapshot: DataPipelineSnapshot): void {
    for (const [id, at] of Object.entries(snapshot.lastActivation ?? {})) this.lastActivation.set(id, new Date(at));
    for (const activation of snapshot.pending) this.arm(activation);
  }
}
