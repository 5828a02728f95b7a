import { DescribeStepCommand, type DescribeStepCommandOutput, type EMRClient } from '@aws-sdk/client-emr';
import type { RunStatus, RunStatusQuery, RunStatusReader } from '../../ports/run-status';
import { couldNotAsk, runStatusOf } from './run-status-answer';

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
    const call = `DescribeStep ${q.clusterId} ${q.submissionId}`;
    let out: DescribeStepCommandOutput;
    try {
      out = await this.emr.send(new DescribeStepCommand({ ClusterId: q.clusterId, StepId: q.submissionId }));
    } catch (err) {
      return couldNotAsk(call, err);
    }
    const status = out.Step?.Status;
    const start = status?.Timeline?.StartDateTime;
    const end = status?.Timeline?.EndDateTime;
    return runStatusOf(this.service, call, {
      state: status?.State,
      ...(start ? { startedAt: new Date(start) } : {}),
      ...(end ? { endedAt: new Date(end) } : {}),
      error: status?.FailureDetails?.Message ?? status?.FailureDetails?.Reason ?? status?.StateChangeReason?.Message,
    });
  }
}
