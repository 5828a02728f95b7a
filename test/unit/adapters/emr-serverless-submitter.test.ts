import { EMRServerlessClient, ListApplicationsCommand, ListJobRunsCommand, StartJobRunCommand } from '@aws-sdk/client-emr-serverless';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EmrServerlessSubmitter, jobRunClientToken } from '../../../lambdas/adapters/aws/emr-serverless-submitter';
import type { RunDate } from '../../../lambdas/domain/run-date';
import type { SubmissionRef, SubmitRequest } from '../../../lambdas/ports/submitter';
import { submitErrorOf } from '../../support/submit-errors';

/**
 * StartJobRun (https://docs.aws.amazon.com/emr-serverless/latest/APIReference/API_StartJobRun.html):
 * `clientToken` is the idempotency token of the job run (1–64 characters of
 * [A-Za-z0-9._-]); `name` is free text, used here to find a lost run again.
 */

const client = new EMRServerlessClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const mock = mockClient(client);
const ROLE = 'arn:aws:iam::123456789012:role/etl-job-runner';
const APP = '00fabc123def4567';
let now = 0;
let submitter: EmrServerlessSubmitter;
const DATE = '2026-11-22' as RunDate;

const request = (application = APP, attempt = 1): SubmitRequest => ({
  job: 'sessions',
  date: DATE,
  attempt,
  target: {
    type: 'emr-serverless',
    application,
    executionRole: ROLE,
    entryPoint: 's3://code/sessions.py',
    arguments: ['--date', '2026-11-22'],
    sparkSubmitParameters: '--conf spark.executor.cores=4',
  },
});
const named = (name: string, status = 400) => Object.assign(new Error('x'), { name, $metadata: { httpStatusCode: status } });

beforeEach(() => {
  mock.reset();
  now = 0;
  submitter = new EmrServerlessSubmitter(client, { now: () => now });
  mock.on(ListApplicationsCommand).resolves({
    applications: [
      {
        id: APP,
        name: 'analytics',
        arn: 'a',
        releaseLabel: 'emr-7.5.0',
        type: 'Spark',
        state: 'STARTED',
        createdAt: new Date(),
        updatedAt: new Date(),
      },
      {
        id: '00old',
        name: 'analytics',
        arn: 'b',
        releaseLabel: 'emr-6',
        type: 'Spark',
        state: 'TERMINATED',
        createdAt: new Date(),
        updatedAt: new Date(),
      },
    ],
  });
});

describe('client tokens', () => {
  it('are 64 hex digits, the same for the same attempt and different for another attempt, job, date or application', () => {
    const token = jobRunClientToken(APP, 'sessions', DATE, 1);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(jobRunClientToken(APP, 'sessions', DATE, 1)).toBe(token);
    for (const other of [
      jobRunClientToken(APP, 'sessions', DATE, 2),
      jobRunClientToken(APP, 'revenue', DATE, 1),
      jobRunClientToken(APP, 'sessions', '2026-11-23' as RunDate, 1),
      jobRunClientToken('00other', 'sessions', DATE, 1),
    ])
      expect(other).not.toBe(token);
  });
});

describe('EmrServerlessSubmitter.submit', () => {
  it('sends StartJobRun with the token, the role, the run name and the spark-submit driver', async () => {
    mock.on(StartJobRunCommand).resolves({ applicationId: APP, jobRunId: '00jr1', arn: 'x' });
    expect(await submitter.submit(request())).toEqual({ submissionId: '00jr1' });
    expect(mock.commandCalls(StartJobRunCommand).map((c) => c.args[0].input)).toEqual([
      {
        applicationId: APP,
        clientToken: jobRunClientToken(APP, 'sessions', DATE, 1),
        executionRoleArn: ROLE,
        name: 'rsched:sessions:2026-11-22:1',
        jobDriver: {
          sparkSubmit: {
            entryPoint: 's3://code/sessions.py',
            entryPointArguments: ['--date', '2026-11-22'],
            sparkSubmitParameters: '--conf spark.executor.cores=4',
          },
        },
      },
    ]);
  });

  it('resolves a name to the id of its live application (ListApplications, cached), skipping terminated ones', async () => {
    mock.on(StartJobRunCommand).resolves({ applicationId: APP, jobRunId: '00jr1', arn: 'x' });
    await submitter.submit(request('analytics'));
    await submitter.submit(request('analytics', 2));
    expect(mock.commandCalls(ListApplicationsCommand)).toHaveLength(1);
    expect(mock.commandCalls(StartJobRunCommand).map((c) => c.args[0].input.applicationId)).toEqual([APP, APP]);
    now = 11 * 60_000;
    await submitter.submit(request('analytics'));
    expect(mock.commandCalls(ListApplicationsCommand)).toHaveLength(2);
  });

  it('a failing ListApplications before StartJobRun is retryable and not applied: nothing was sent (found by the soak)', async () => {
    mock.on(ListApplicationsCommand).rejects(named('ThrottlingException'));
    expect(await submitErrorOf(submitter.submit(request('analytics')))).toMatchObject({ retryable: true, maybeApplied: false });
    mock.on(ListApplicationsCommand).rejects(named('InternalServerException', 500));
    expect(await submitErrorOf(submitter.submit(request('analytics')))).toMatchObject({ retryable: true, maybeApplied: false });
    expect(mock.commandCalls(StartJobRunCommand)).toHaveLength(0);
  });

  it('refuses an unknown application permanently, listing again once first', async () => {
    expect(await submitErrorOf(submitter.submit(request('nope')))).toMatchObject({
      retryable: false,
      message: 'no EMR Serverless application with id or name "nope" in this account and region',
    });
    expect(mock.commandCalls(StartJobRunCommand)).toHaveLength(0);
  });

  it('maps errors: validation and not-found permanent, throttling retryable and not applied, 5xx maybe applied', async () => {
    const judged = async (error: Error) => {
      mock.on(StartJobRunCommand).rejects(error);
      const err = await submitErrorOf(submitter.submit(request()));
      return { retryable: err.retryable, maybeApplied: err.maybeApplied };
    };
    expect(await judged(named('ValidationException'))).toEqual({ retryable: false, maybeApplied: false });
    expect(await judged(named('ResourceNotFoundException', 404))).toEqual({ retryable: false, maybeApplied: false });
    expect(await judged(named('ThrottlingException'))).toEqual({ retryable: true, maybeApplied: false });
    expect(await judged(named('InternalServerException', 500))).toEqual({ retryable: true, maybeApplied: true });
  });
});

describe('EmrServerlessSubmitter.findSubmission', () => {
  const ref: SubmissionRef = {
    job: 'sessions',
    date: DATE,
    attempt: 1,
    type: 'emr-serverless',
    target: request().target,
    since: '2026-11-22T06:00:00.000Z',
  };
  const summary = (id: string, name: string) => ({
    applicationId: APP,
    id,
    name,
    arn: 'x',
    createdBy: 'x',
    createdAt: new Date(),
    updatedAt: new Date(),
    executionRole: ROLE,
    state: 'RUNNING' as const,
    stateDetails: '',
    releaseLabel: 'emr-7.5.0',
  });

  it('finds the run of the attempt by its name, on any page, among runs created since the claim less the skew', async () => {
    mock
      .on(ListJobRunsCommand)
      .resolvesOnce({ jobRuns: [summary('00a', 'rsched:sessions:2026-11-22:2')], nextToken: 'p2' })
      .resolvesOnce({ jobRuns: [summary('00b', 'rsched:sessions:2026-11-22:1')] });
    expect(await submitter.findSubmission(ref)).toEqual({ submissionId: '00b' });
    // Two pages read; the paginator reuses one input object, so only what stays the same is checked.
    expect(mock.commandCalls(ListJobRunsCommand)).toHaveLength(2);
    expect(mock.commandCalls(ListJobRunsCommand)[0]?.args[0].input).toMatchObject({
      applicationId: APP,
      createdAtAfter: new Date('2026-11-22T05:55:00.000Z'),
    });
  });

  it('proves there is none, and throws when the listing fails', async () => {
    mock.on(ListJobRunsCommand).resolves({ jobRuns: [summary('00a', 'rsched:revenue:2026-11-22:1')] });
    expect(await submitter.findSubmission(ref)).toBeUndefined();
    mock.on(ListJobRunsCommand).rejects(named('InternalServerException', 500));
    await expect(submitter.findSubmission(ref)).rejects.toThrow();
  });
});
