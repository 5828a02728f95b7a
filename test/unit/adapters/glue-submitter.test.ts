import { GetJobRunsCommand, GlueClient, StartJobRunCommand } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GlueSubmitter } from '../../../lambdas/adapters/aws/glue-submitter';
import type { RunDate } from '../../../lambdas/domain/run-date';
import type { SubmissionRef, SubmitRequest } from '../../../lambdas/ports/submitter';
import { submitErrorOf } from '../../support/submit-errors';

/**
 * Glue StartJobRun (https://docs.aws.amazon.com/glue/latest/webapi/API_StartJobRun.html) has no
 * idempotency token; GetJobRuns lists runs newest first
 * (https://docs.aws.amazon.com/glue/latest/webapi/API_GetJobRuns.html).
 */

const client = new GlueClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const mock = mockClient(client);
const submitter = new GlueSubmitter(client);
const DATE = '2026-11-22' as RunDate;
const request = (attempt = 1): SubmitRequest => ({
  job: 'orders_parquet',
  date: DATE,
  attempt,
  target: { type: 'glue', jobName: 'orders-to-parquet', arguments: { '--date': '2026-11-22' } },
});
const named = (name: string, status = 400) => Object.assign(new Error('x'), { name, $metadata: { httpStatusCode: status } });

beforeEach(() => mock.reset());

describe('GlueSubmitter.submit', () => {
  it('sends one StartJobRun with the arguments and the run’s name in --rsched-run', async () => {
    mock.on(StartJobRunCommand).resolves({ JobRunId: 'jr_1' });
    expect(await submitter.submit(request())).toEqual({ submissionId: 'jr_1' });
    expect(mock.commandCalls(StartJobRunCommand).map((c) => c.args[0].input)).toEqual([
      { JobName: 'orders-to-parquet', Arguments: { '--date': '2026-11-22', '--rsched-run': 'rsched:orders_parquet:2026-11-22:1' } },
    ]);
  });

  it('calls ConcurrentRunsExceededException busy: not applied, retryable, a reason to wait', async () => {
    mock.on(StartJobRunCommand).rejects(named('ConcurrentRunsExceededException'));
    expect(await submitErrorOf(submitter.submit(request()))).toMatchObject({ busy: true, retryable: true, maybeApplied: false });
  });

  it('maps other errors: not-found and bad input permanent, throttling not applied, 5xx and lost answers maybe applied', async () => {
    const judged = async (error: Error) => {
      mock.on(StartJobRunCommand).rejects(error);
      const err = await submitErrorOf(submitter.submit(request()));
      return { retryable: err.retryable, maybeApplied: err.maybeApplied, busy: err.busy };
    };
    expect(await judged(named('EntityNotFoundException'))).toEqual({ retryable: false, maybeApplied: false, busy: false });
    expect(await judged(named('InvalidInputException'))).toEqual({ retryable: false, maybeApplied: false, busy: false });
    expect(await judged(named('ThrottlingException'))).toEqual({ retryable: true, maybeApplied: false, busy: false });
    expect(await judged(named('InternalServiceException', 500))).toEqual({ retryable: true, maybeApplied: true, busy: false });
    expect(await judged(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toEqual({
      retryable: true,
      maybeApplied: true,
      busy: false,
    });
  });

  it('treats a 200 without a run id as maybe applied', async () => {
    mock.on(StartJobRunCommand).resolves({});
    expect(await submitErrorOf(submitter.submit(request()))).toMatchObject({ maybeApplied: true, retryable: true });
  });
});

describe('GlueSubmitter.findSubmission', () => {
  const ref: SubmissionRef = {
    job: 'orders_parquet',
    date: DATE,
    attempt: 1,
    type: 'glue',
    target: request().target,
    since: '2026-11-22T06:00:00.000Z',
  };
  const run = (id: string, attempt: number, startedOn: string) => ({
    Id: id,
    Arguments: { '--rsched-run': `rsched:orders_parquet:2026-11-22:${attempt}` },
    StartedOn: new Date(startedOn),
  });

  it('finds the run by its --rsched-run argument, on a later page', async () => {
    mock
      .on(GetJobRunsCommand)
      .resolvesOnce({ JobRuns: [run('jr_3', 2, '2026-11-22T06:03:00Z')], NextToken: 'p2' })
      .resolvesOnce({ JobRuns: [run('jr_2', 1, '2026-11-22T06:00:01Z')] });
    expect(await submitter.findSubmission(ref)).toEqual({ submissionId: 'jr_2' });
  });

  it('stops at runs older than the claim less the skew: none, without reading further pages', async () => {
    mock
      .on(GetJobRunsCommand)
      .resolvesOnce({ JobRuns: [run('jr_1', 1, '2026-11-21T06:00:00Z')], NextToken: 'p2' })
      .resolvesOnce({ JobRuns: [run('jr_0', 1, '2026-11-20T06:00:00Z')] });
    expect(await submitter.findSubmission({ ...ref, date: DATE, attempt: 3 })).toBeUndefined();
    expect(mock.commandCalls(GetJobRunsCommand)).toHaveLength(1);
  });

  it('cannot look without the rendered target: unknown, never "not started"', async () => {
    expect(await submitter.findSubmission({ ...ref, target: undefined })).toBe('unknown');
    expect(mock.commandCalls(GetJobRunsCommand)).toHaveLength(0);
  });

  it('throws when GetJobRuns fails', async () => {
    mock.on(GetJobRunsCommand).rejects(named('InternalServiceException', 500));
    await expect(submitter.findSubmission(ref)).rejects.toThrow();
  });
});
