import type { CompletionService } from '../domain/completion/terminal-states';
import type { Job } from '../domain/config/dag';
import type { RunDate } from '../domain/run-date';

/** The submission of a run's attempt, as the run recorded it. */
export interface RunStatusQuery {
  readonly job: string;
  readonly date: RunDate;
  readonly attempt: number;
  /** Step id, job run id or execution ARN (Run.submissionId). */
  readonly submissionId: string;
  /** EMR steps: the cluster the step was added to (Run.clusterId). */
  readonly clusterId?: string;
  /** The job's configured target: where to ask (the Glue job name, the EMR Serverless application). */
  readonly target?: Job['target'];
}

/**
 * What the service says of a submission. `ended` carries the service's own
 * state name; the outcome is read through the domain's state table
 * (domain/completion/terminal-states), the same one the events go through.
 */
export type RunStatus =
  | { readonly kind: 'running'; readonly state: string }
  | {
      readonly kind: 'ended';
      readonly state: string;
      /** When the service says it ended, if it says. */
      readonly endedAt?: string;
      readonly error?: string;
      readonly durationSeconds?: number;
    }
  /** The service could not be asked or gave no answer (throttled, access denied, not found, no cluster id). */
  | { readonly kind: 'unknown'; readonly why: string };

/**
 * Asks one service for the status of a run it was given. One implementation
 * per target type (adapters/aws/*-run-status.ts); `RunStatusReaders` routes by
 * type, so supporting a new target is one class and one entry where the
 * readers are built (runtime/targets/<type>.ts, listed in runtime/lazy-targets.ts).
 */
export interface RunStatusReader {
  readonly service: CompletionService;
  status(query: RunStatusQuery): Promise<RunStatus>;
}

/** The readers of every target type that has one. */
export class RunStatusReaders {
  private readonly byService = new Map<string, RunStatusReader>();

  constructor(readers: readonly RunStatusReader[]) {
    for (const reader of readers) {
      if (this.byService.has(reader.service)) throw new Error(`two run status readers for ${reader.service}`);
      this.byService.set(reader.service, reader);
    }
  }

  /** The reader for a target type; undefined when the type cannot be polled (yet). */
  for(targetType: string): RunStatusReader | undefined {
    return this.byService.get(targetType);
  }
}
