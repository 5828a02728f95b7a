import { DescribeStepCommand, type DescribeStepCommandOutput, type EMRClient } from '@aws-sdk/client-emr';
import type { RunStatus, RunStatusQuery, RunStatusReader } from '../../ports/run-status';

/** States of a step that has not ended ("StepStatus", Amazon EMR API Reference). */
const NOT_ENDED = new Set(['PENDING', 'CANCEL_PENDING', 'RUNNING']);

/**
 * The status of an EMR step, by DescribeStep(ClusterId, StepId) — Amazon EMR
 * API Reference, "DescribeStep"
 * (https://docs.aws.amazon.com/emr/latest/APIReference/API_DescribeStep.html):
 * `Step.Status.State`, `Status.Timeline.StartDateTime/EndDateTime`,
 * `Status.FailureDetails.Message`. A read with the SDK's normal retries; any
 * error is "unknown" (the sweeper then keeps today's TIMED_OUT path).
 */
export class EmrStepRunStatus implements RunStatusReader {
  readonly service = 'emr-step' as const;

  constructor(private readonly emr: EMRClient) {}

  async status(q: RunStatusQuery): Promise<RunStatus> {
    if (!q.clusterId) return { kind: 'unknown', why: `step ${q.submissionId} has no recorded cluster id` };
    let out: DescribeStepCommandOutput;
    try {
      out = await this.emr.send(new DescribeStepCommand({ ClusterId: q.clusterId, StepId: q.submissionId }));
    } catch (err) {
      return {
        kind: 'unknown',
        why: `DescribeStep ${q.clusterId} ${q.submissionId} failed: ${(err as Error).name}: ${(err as Error).message}`,
      };
    }
    const status = out.Step?.Status;
    const state = status?.State;
    if (!state) return { kind: 'unknown', why: `DescribeStep ${q.clusterId} ${q.submissionId} returned no state` };
    if (NOT_ENDED.has(state)) return { kind: 'running', state };
    const start = status.Timeline?.StartDateTime;
    const end = status.Timeline?.EndDateTime;
    const failure = status.FailureDetails?.Message ?? status.FailureDetails?.Reason ?? status.StateChangeReason?.Message;
    return {
      kind: 'ended',
      state,
      ...(end ? { endedAt: new Date(end).toISOString() } : {}),
      ...(start && end ? { durationSeconds: Math.max(0, Math.round((new Date(end).getTime() - new Date(start).getTime()) / 1000)) } : {}),
      ...(failure ? { error: failure.slice(0, 500) } : {}),
    };
  }
}
