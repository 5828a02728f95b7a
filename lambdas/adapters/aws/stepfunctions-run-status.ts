import { DescribeExecutionCommand, type DescribeExecutionCommandOutput, type SFNClient } from '@aws-sdk/client-sfn';
import type { RunStatus, RunStatusQuery, RunStatusReader } from '../../ports/run-status';
import { couldNotAsk, runStatusOf } from './run-status-answer';

/**
 * The status of a Step Functions execution, by DescribeExecution(executionArn)
 * — Step Functions API Reference, "DescribeExecution"
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html):
 * `status` (RUNNING | SUCCEEDED | FAILED | TIMED_OUT | ABORTED |
 * PENDING_REDRIVE), `startDate`, `stopDate`, `error`, `cause`. The recorded
 * submission id is the execution ARN. A read with the SDK's retries; any
 * error (ThrottlingException, AccessDeniedException, ExecutionDoesNotExist …)
 * is "unknown".
 */
export class StepFunctionsRunStatus implements RunStatusReader {
  readonly service = 'stepfunctions' as const;

  constructor(private readonly sfn: SFNClient) {}

  async status(q: RunStatusQuery): Promise<RunStatus> {
    const call = `DescribeExecution ${q.submissionId}`;
    let out: DescribeExecutionCommandOutput;
    try {
      out = await this.sfn.send(new DescribeExecutionCommand({ executionArn: q.submissionId }));
    } catch (err) {
      return couldNotAsk(call, err);
    }
    const error = [out.error, out.cause].filter(Boolean).join(': ');
    return runStatusOf(this.service, call, {
      state: out.status,
      ...(out.startDate ? { startedAt: out.startDate } : {}),
      ...(out.stopDate ? { endedAt: out.stopDate } : {}),
      ...(error ? { error } : {}),
    });
  }
}
