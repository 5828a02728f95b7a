import { type EMRServerlessClient, GetJobRunCommand, type GetJobRunCommandOutput } from '@aws-sdk/client-emr-serverless';
import type { RunStatus, RunStatusQuery, RunStatusReader } from '../../ports/run-status';
import { couldNotAsk, runStatusOf } from './run-status-answer';

/** Turns a configured application (id or name) into its id: EmrServerlessSubmitter.resolve (ListApplications, cached). */
export interface ApplicationIds {
  resolve(application: string): Promise<string>;
}

/**
 * The status of an EMR Serverless job run, by GetJobRun(applicationId,
 * jobRunId) — Amazon EMR Serverless API Reference, "GetJobRun"
 * (https://docs.aws.amazon.com/emr-serverless/latest/APIReference/API_GetJobRun.html):
 * `jobRun.state` (SUBMITTED | PENDING | SCHEDULED | RUNNING | SUCCESS |
 * FAILED | CANCELLING | CANCELLED | QUEUED), `stateDetails`, `createdAt`,
 * `updatedAt`, `totalExecutionDurationSeconds`. The application is the
 * configured one, resolved like the submitter resolves it. A read with the
 * SDK's retries; any error (ThrottlingException, AccessDeniedException,
 * ResourceNotFoundException, an application name that resolves to none) is
 * "unknown".
 */
export class EmrServerlessRunStatus implements RunStatusReader {
  readonly service = 'emr-serverless' as const;

  constructor(
    private readonly client: EMRServerlessClient,
    private readonly applications: ApplicationIds,
  ) {}

  async status(q: RunStatusQuery): Promise<RunStatus> {
    if (q.target?.type !== 'emr-serverless')
      return { kind: 'unknown', why: `job run ${q.submissionId}: no EMR Serverless application to ask on` };
    let call = `GetJobRun ${q.target.application} ${q.submissionId}`;
    let out: GetJobRunCommandOutput;
    try {
      const applicationId = await this.applications.resolve(q.target.application);
      call = `GetJobRun ${applicationId} ${q.submissionId}`;
      out = await this.client.send(new GetJobRunCommand({ applicationId, jobRunId: q.submissionId }));
    } catch (err) {
      return couldNotAsk(call, err);
    }
    const run = out.jobRun;
    // updatedAt is the last change of state: for an ended run, when it ended.
    return runStatusOf(this.service, call, {
      state: run?.state,
      ...(run?.updatedAt ? { endedAt: run.updatedAt } : {}),
      ...(run?.totalExecutionDurationSeconds !== undefined ? { durationSeconds: run.totalExecutionDurationSeconds } : {}),
      error: run?.stateDetails,
    });
  }
}
