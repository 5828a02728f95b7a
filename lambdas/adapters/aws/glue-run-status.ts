import { GetJobRunCommand, type GetJobRunCommandOutput, type GlueClient } from '@aws-sdk/client-glue';
import type { RunStatus, RunStatusQuery, RunStatusReader } from '../../ports/run-status';
import { couldNotAsk, runStatusOf } from './run-status-answer';

/**
 * The status of an AWS Glue job run, by GetJobRun(JobName, RunId) — AWS Glue
 * API, "GetJobRun" (https://docs.aws.amazon.com/glue/latest/webapi/API_GetJobRun.html):
 * `JobRun.JobRunState` (STARTING | RUNNING | STOPPING | STOPPED | SUCCEEDED |
 * FAILED | TIMEOUT | ERROR | WAITING | EXPIRED), `StartedOn`, `CompletedOn`,
 * `ExecutionTime` (seconds) and `ErrorMessage`. The job name is the
 * configured one (identity fields take no templates). A read with the SDK's
 * retries; any error (ThrottlingException, AccessDeniedException,
 * EntityNotFoundException …) is "unknown".
 */
export class GlueRunStatus implements RunStatusReader {
  readonly service = 'glue' as const;

  constructor(private readonly glue: GlueClient) {}

  async status(q: RunStatusQuery): Promise<RunStatus> {
    if (q.target?.type !== 'glue') return { kind: 'unknown', why: `job run ${q.submissionId}: no Glue job name to ask with` };
    const call = `GetJobRun ${q.target.jobName} ${q.submissionId}`;
    let out: GetJobRunCommandOutput;
    try {
      out = await this.glue.send(new GetJobRunCommand({ JobName: q.target.jobName, RunId: q.submissionId }));
    } catch (err) {
      return couldNotAsk(call, err);
    }
    const run = out.JobRun;
    return runStatusOf(this.service, call, {
      state: run?.JobRunState,
      ...(run?.StartedOn ? { startedAt: run.StartedOn } : {}),
      ...(run?.CompletedOn ? { endedAt: run.CompletedOn } : {}),
      ...(run?.ExecutionTime !== undefined ? { durationSeconds: run.ExecutionTime } : {}),
      error: run?.ErrorMessage,
    });
  }
}
