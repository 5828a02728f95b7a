import {
  ActivatePipelineCommand,
  type DataPipelineClient,
  DescribePipelinesCommand,
  paginateListPipelines,
} from '@aws-sdk/client-data-pipeline';
import { type SubmissionRef, SubmitError, type SubmitRequest, type SubmitResult, type Submitter } from '../../ports/submitter';
import { beforeSend, judgeSendError } from './send-once';

const PIPELINE_ID = /^df-[A-Z0-9]+$/;
/** Errors that will not go away by trying again. */
const PERMANENT = new Set(['PipelineNotFoundException', 'PipelineDeletedException', 'InvalidRequestException', 'AccessDeniedException']);

/**
 * The field of a pipeline's description (DescribePipelines → `fields`, a list
 * of key/stringValue pairs: https://docs.aws.amazon.com/datapipeline/latest/APIReference/API_DescribePipelines.html)
 * that holds the time of its last activation. AWS's reference shows the
 * `@`-prefixed runtime fields (`@pipelineState`, `@creationTime` as
 * "2012-12-13T01:24:06": UTC, second resolution, no zone) but does not list
 * this one; its name and format are those public tools read from the
 * service's answer for activated pipelines ("@lastActivationTime":
 * "2018-01-30T14:23:52"). Not documented by AWS either: whether the field is
 * updated before ActivatePipeline answers (read-after-write). A lookup that
 * sees an older time right after a lost answer would call the activation
 * "not applied": a residual risk the documentation does not let us close
 * (docs/exactly-once.md). Where the field is absent the answer is 'unknown'.
 */
export const LAST_ACTIVATION_FIELD = '@lastActivationTime';

/**
 * How much earlier than the claim an activation may be stamped and still be
 * ours: the field is truncated to the second (up to 1 s), and the stamp comes
 * from AWS's clock while the claim time comes from the Lambda's (both
 * NTP-synchronised; a few hundred ms at worst). 5 s covers both with margin;
 * a foreign activation inside that margin would be taken for ours — the safe
 * direction (no second activation).
 */
export const ACTIVATION_SKEW_MS = 5_000;

/** A Data Pipeline time ("2012-12-13T01:24:06", UTC without a zone) in ms; undefined when unreadable. */
export function parsePipelineTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const iso = /[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Activates AWS Data Pipeline pipelines. Names are resolved to ids through the
 * paginated ListPipelines, cached for `cacheTtlMs` (and refreshed once when a
 * name is not found, for pipelines created since).
 *
 * ActivatePipeline takes no idempotency token (pipelineId, parameterValues,
 * startTimestamp: https://docs.aws.amazon.com/datapipeline/latest/APIReference/API_ActivatePipeline.html),
 * and activating an on-demand pipeline that is running "will cancel all
 * running objects and re-run the pipeline" (same page). It is sent once, on
 * a client with SDK retries off (`SEND_ONCE`); a failure that may have been
 * applied is looked up by the pipeline's last activation time
 * (findSubmission), and where that cannot prove anything the engine parks
 * the run (SUBMIT_UNCERTAIN) instead of activating twice.
 */
export class DataPipelineSubmitter implements Submitter {
  private cache: { at: number; ids: Map<string, string[]> } | undefined;
  private readonly readClient: DataPipelineClient;

  /**
   * @param client sends ActivatePipeline; build it with `SEND_ONCE` (maxAttempts 1).
   * @param options.readClient for ListPipelines and DescribePipelines, with the SDK's retries; defaults to client.
   */
  constructor(
    private readonly client: DataPipelineClient,
    private readonly options: {
      readonly cacheTtlMs?: number;
      readonly now?: () => number;
      readonly readClient?: DataPipelineClient;
      /** Sees each ActivatePipeline command before it is sent (the local runtime tags it with its run). */
      readonly onCommand?: (command: ActivatePipelineCommand, request: SubmitRequest) => void;
    } = {},
  ) {
    this.readClient = options.readClient ?? client;
  }

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  private async listPipelines(): Promise<Map<string, string[]>> {
    const ids = new Map<string, string[]>();
    for await (const page of paginateListPipelines({ client: this.readClient }, {})) {
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
    const pipeline = request.target.pipeline;
    const pipelineId = await beforeSend(`ListPipelines for "${pipeline}"`, PERMANENT, () => this.resolve(pipeline));
    const command = new ActivatePipelineCommand({
      pipelineId,
      parameterValues: Object.entries(request.target.parameters).map(([id, stringValue]) => ({ id, stringValue })),
    });
    this.options.onCommand?.(command, request);
    try {
      await this.client.send(command);
    } catch (err) {
      const { retryable, maybeApplied } = judgeSendError(err, PERMANENT);
      throw new SubmitError(`ActivatePipeline ${pipelineId}: ${(err as Error).name}: ${(err as Error).message}`, retryable, {
        cause: err,
        maybeApplied,
      });
    }
    return { submissionId: pipelineId };
  }

  /**
   * Whether this attempt's activation happened, judged by the pipeline's last
   * activation time against the claim (`ref.since`: nothing of this attempt
   * can be older):
   *
   *   since - skew ──────── since ──────────── now
   *   │ activated before: not ours  │ activated at/after: ours (found)
   *
   * - at/after `since - ACTIVATION_SKEW_MS` → found (submission id = pipeline id);
   * - clearly before → undefined: no activation since the claim, safe to send;
   * - no `since` or target, no such field, an unreadable time, or
   *   DescribePipelines failing → 'unknown': the engine parks the run
   *   (SUBMIT_UNCERTAIN) with an alert rather than risk a second activation.
   */
  async findSubmission(ref: SubmissionRef): Promise<SubmitResult | undefined | 'unknown'> {
    const since = ref.since === undefined ? undefined : Date.parse(ref.since);
    if (ref.target?.type !== 'datapipeline' || since === undefined || Number.isNaN(since)) return 'unknown';
    let activatedAt: number | undefined;
    let pipelineId: string;
    try {
      pipelineId = await this.resolve(ref.target.pipeline);
      const out = await this.readClient.send(new DescribePipelinesCommand({ pipelineIds: [pipelineId] }));
      const description = out.pipelineDescriptionList?.find((p) => p.pipelineId === pipelineId);
      activatedAt = parsePipelineTime(description?.fields?.find((f) => f.key === LAST_ACTIVATION_FIELD)?.stringValue);
    } catch {
      return 'unknown';
    }
    if (activatedAt === undefined) return 'unknown';
    return activatedAt >= since - ACTIVATION_SKEW_MS ? { submissionId: pipelineId } : undefined;
  }
}
