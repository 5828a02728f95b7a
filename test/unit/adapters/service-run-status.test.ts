import {
  EMRServerlessClient,
  GetJobRunCommand as GetServerlessJobRunCommand,
  ListApplicationsCommand,
} from '@aws-sdk/client-emr-serverless';
import { AccessDeniedException, GetJobRunCommand, GlueClient } from '@aws-sdk/client-glue';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EmrServerlessRunStatus } from '../../../lambdas/adapters/aws/emr-serverless-run-status';
import { EmrServerlessSubmitter } from '../../../lambdas/adapters/aws/emr-serverless-submitter';
import { GlueRunStatus } from '../../../lambdas/adapters/aws/glue-run-status';
import { StepFunctionsRunStatus } from '../../../lambdas/adapters/aws/stepfunctions-run-status';
import type { Job } from '../../../lambdas/domain/config/dag';
import type { RunDate } from '../../../lambdas/domain/run-date';

/**
 * The three status readers' requests and how each answer maps through the
 * domain state table (docs/completion.md, "State mapping"):
 * - Glue GetJobRun {JobName, RunId} → JobRun.JobRunState
 *   (https://docs.aws.amazon.com/glue/latest/webapi/API_GetJobRun.html);
 * - EMR Serverless GetJobRun {applicationId, jobRunId} → jobRun.state
 *   (https://docs.aws.amazon.com/emr-serverless/latest/APIReference/API_GetJobRun.html);
 * - Step Functions DescribeExecution {executionArn} → status
 *   (https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html).
 */
const config = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
const glue = new GlueClient(config);
const serverless = new EMRServerlessClient(config);
const sfn = new SFNClient(config);
const glueMock = mockClient(glue);
const serverlessMock = mockClient(serverless);
const sfnMock = mockClient(sfn);
const base = { job: 'j', date: '2026-11-22' as RunDate, attempt: 1 };
const GLUE_TARGET = { type: 'glue', jobName: 'orders-to-parquet', arguments: {} } as unknown as Job['target'];
const APP_TARGET = { type: 'emr-serverless', application: 'analytics-spark' } as unknown as Job['target'];
const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:refresh-marts:rsched-j-20261122-1';

beforeEach(() => {
  for (const m of [glueMock, serverlessMock, sfnMock]) m.reset();
  serverlessMock.on(ListApplicationsCommand).resolves({
    applications: [
      {
        id: '00fabc123def4567',
        name: 'analytics-spark',
        arn: 'arn:aws:emr-serverless:us-east-1:123456789012:/applications/00fabc123def4567',
        releaseLabel: 'emr-7.5.0',
        type: 'Spark',
        state: 'STARTED',
        createdAt: new Date(0),
        updatedAt: new Date(0),
      },
    ],
  });
});

describe('GlueRunStatus', () => {
  const reader = new GlueRunStatus(glue);
  const ask = () => reader.status({ ...base, submissionId: 'jr_1', target: GLUE_TARGET });

  it('asks GetJobRun for the configured job and the run id', async () => {
    glueMock.on(GetJobRunCommand).resolves({ JobRun: { JobRunState: 'STOPPING' } });
    expect(await ask()).toEqual({ kind: 'running', state: 'STOPPING' });
    expect(glueMock.commandCalls(GetJobRunCommand)[0]?.args[0].input).toEqual({ JobName: 'orders-to-parquet', RunId: 'jr_1' });
  });

  it.each(['TIMEOUT', 'STOPPED', 'ERROR', 'EXPIRED'])('%s ended the run (a .failed), with its error message', async (state) => {
    glueMock.on(GetJobRunCommand).resolves({
      JobRun: {
        JobRunState: state as never,
        StartedOn: new Date('2026-11-22T01:00:00Z'),
        CompletedOn: new Date('2026-11-22T01:30:00Z'),
        ErrorMessage: 'Job run exceeded timeout',
      },
    });
    expect(await ask()).toEqual({
      kind: 'ended',
      state,
      endedAt: '2026-11-22T01:30:00.000Z',
      durationSeconds: 1800,
      error: 'Job run exceeded timeout',
    });
  });

  it('cannot tell on access denied, or without the job name', async () => {
    glueMock
      .on(GetJobRunCommand)
      .rejects(new AccessDeniedException({ message: 'not authorized to perform glue:GetJobRun', $metadata: {} }));
    expect(await ask()).toEqual({
      kind: 'unknown',
      why: 'GetJobRun orders-to-parquet jr_1 failed: AccessDeniedException: not authorized to perform glue:GetJobRun',
    });
    expect((await reader.status({ ...base, submissionId: 'jr_1' })).kind).toBe('unknown');
  });
});

describe('EmrServerlessRunStatus', () => {
  const reader = new EmrServerlessRunStatus(serverless, new EmrServerlessSubmitter(serverless));
  const ask = () => reader.status({ ...base, submissionId: '00jr1', target: APP_TARGET });

  it('resolves the application name, then asks GetJobRun; CANCELLED ends it with stateDetails', async () => {
    serverlessMock.on(GetServerlessJobRunCommand).resolves({
      jobRun: {
        state: 'CANCELLED',
        stateDetails: 'Job run cancelled by user',
        updatedAt: new Date('2026-11-22T02:00:00Z'),
        totalExecutionDurationSeconds: 420,
      } as never,
    });
    expect(await ask()).toEqual({
      kind: 'ended',
      state: 'CANCELLED',
      endedAt: '2026-11-22T02:00:00.000Z',
      durationSeconds: 420,
      error: 'Job run cancelled by user',
    });
    expect(serverlessMock.commandCalls(GetServerlessJobRunCommand)[0]?.args[0].input).toEqual({
      applicationId: '00fabc123def4567',
      jobRunId: '00jr1',
    });
  });

  it.each(['SUBMITTED', 'PENDING', 'SCHEDULED', 'QUEUED', 'CANCELLING'])('%s is still running', async (state) => {
    serverlessMock.on(GetServerlessJobRunCommand).resolves({ jobRun: { state } as never });
    expect(await ask()).toEqual({ kind: 'running', state });
  });

  it('cannot tell when the application name resolves to none', async () => {
    serverlessMock.on(ListApplicationsCommand).resolves({ applications: [] });
    // A reader of its own: the names the other tests resolved are cached (EmrServerlessSubmitter.resolve).
    const fresh = new EmrServerlessRunStatus(serverless, new EmrServerlessSubmitter(serverless));
    expect(await fresh.status({ ...base, submissionId: '00jr1', target: APP_TARGET })).toMatchObject({
      kind: 'unknown',
      why: expect.stringMatching(/no EMR Serverless application/),
    });
    expect(serverlessMock.commandCalls(GetServerlessJobRunCommand)).toHaveLength(0);
  });
});

describe('StepFunctionsRunStatus', () => {
  const reader = new StepFunctionsRunStatus(sfn);
  const ask = () => reader.status({ ...base, submissionId: EXECUTION });

  it.each([
    ['RUNNING', 'running'],
    ['PENDING_REDRIVE', 'running'],
  ])('%s is %s', async (status, kind) => {
    sfnMock.on(DescribeExecutionCommand).resolves({ status: status as never });
    expect((await ask()).kind).toBe(kind);
    expect(sfnMock.commandCalls(DescribeExecutionCommand)[0]?.args[0].input).toEqual({ executionArn: EXECUTION });
  });

  it.each(['TIMED_OUT', 'ABORTED', 'FAILED'])('%s ended it, with "error: cause"', async (status) => {
    sfnMock.on(DescribeExecutionCommand).resolves({
      status: status as never,
      startDate: new Date('2026-11-22T01:00:00Z'),
      stopDate: new Date('2026-11-22T01:00:05Z'),
      error: 'States.TaskFailed',
      cause: 'the task failed',
    } as never);
    expect(await ask()).toEqual({
      kind: 'ended',
      state: status,
      endedAt: '2026-11-22T01:00:05.000Z',
      durationSeconds: 5,
      error: 'States.TaskFailed: the task failed',
    });
  });
});
