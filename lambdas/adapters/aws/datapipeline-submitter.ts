import { ActivatePipelineCommand, type DataPipelineClient, paginateListPipelines } from '@aws-sdk/client-data-pipeline';
import { SubmitError, type SubmitRequest, type SubmitResult, type Submitter } from '../../ports/submitter';

const PIPELINE_ID = /^df-[A-Z0-9]+$/;
/** Errors that will not go away by trying again. */
const PERMANENT = new Set(['PipelineNotFoundException', 'PipelineDeletedException', 'InvalidRequestException', 'AccessDeniedException']);

/**
 * Activates AWS Data Pipeline pipelines. Names are resolved to ids through the
 * paginated ListPipelines, cached for `cacheTtlMs` (and refreshed once when a
 * name is not found, for pipelines created since).
 */
export class DataPipelineSubmitter implements Submitter {
  private cache: { at: number; ids: Map<string, string[]> } | undefined;

  constructor(
    private readonly client: DataPipelineClient,
    private readonly options: {
      readonly cacheTtlMs?: number;
      readonly now?: () => number;
      /** Sees each ActivatePipeline command before it is sent (the local runtime tags it with its run). */
      readonly onCommand?: (command: ActivatePipelineCommand, request: SubmitRequest) => void;
    } = {},
  ) {}

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  private async listPipelines(): Promise<Map<string, string[]>> {
    const ids = new Map<string, string[]>();
    for await (const page of paginateListPipelines({ client: this.client }, {})) {
      for (const p of page.pipelineIdList ?? []) {
        if (!p.name || !p.id) continue;
        ids.set(p.name, [...(ids.get(p.name) ?? []), p.id]);
      }
    }
    this.cache = { at: this.now, ids };
    return ids;
  }

  /** The pipeline id for a name or id. */
  async resolve(pipeline: string): Promise<string> {
    if (PIPELINE_ID.test(pipeline)) return pipeline;
    const fresh = this.cache && this.now - this.cache.at < (this.options.cacheTtlMs ?? 10 * 60_000);
    let ids = fresh ? this.cache?.ids.get(pipeline) : undefined;
    // A miss (or a stale cache) lists once: pipelines created since the last listing are found.
    if (!ids) ids = (await this.listPipelines()).get(pipeline);
    if (!ids) throw new SubmitError(`no Data Pipeline named "${pipeline}" in this account and region`, false);
    if (ids.length > 1) throw new SubmitError(`${ids.length} pipelines are named "${pipeline}" (${ids.join(', ')}); use the df- id`, false);
    return ids[0] as string;
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    if (request.target.type !== 'datapipeline') throw new SubmitError(`DataPipelineSubmitter got a ${request.target.type} target`, false);
    const pipelineId = await this.resolve(request.target.pipeline);
    const command = new ActivatePipelineCommand({
      pipelineId,
      parameterValues: Object.entries(request.target.parameters).map(([id, stringValue]) => ({ id, stringValue })),
    });
    this.options.onCommand?.(command, request);
    try {
      await this.client.send(command);
    } catch (err) {
      const name = (err as Error).name;
      throw new SubmitError(`ActivatePipeline ${pipelineId}: ${name}: ${(err as Error).message}`, !PERMANENT.has(name), { cause: err });
    }
    return { submissionId: pipelineId };
  }

  /** ActivatePipeline leaves no trace that names our attempt, so a lost submission cannot be found. */
  async findSubmission(): Promise<'unknown'> {
    return 'unknown';
  }
}
