import { DescribeStepCommand, EMRClient, InvalidRequestException } from '@aws-sdk/client-emr';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EmrStepRunStatus } from '../../../lambdas/adapters/aws/emr-step-run-status';
import type { RunDate } from '../../../lambdas/domain/run-date';

/**
 * DescribeStep (Amazon EMR API Reference, "DescribeStep",
 * https://docs.aws.amazon.com/emr/latest/APIReference/API_DescribeStep.html):
 * request {ClusterId, StepId}; Step.Status.State is one of PENDING |
 * CANCEL_PENDING | RUNNING | COMPLETED | CANCELLED | FAILED | INTERRUPTED,
 * with Timeline and FailureDetails.
 */
const client = new EMRClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
const mock = mockClient(client);
const reader = new EmrStepRunStatus(client);
const query = { job: 'sessions', date: '2026-11-22' as RunDate, attempt: 1, submissionId: 's-1ABC', clusterId: 'j-2AXXXXXXGAPLF' };

beforeEach(() => mock.reset());

describe('EmrStepRunStatus', () => {
  it('asks DescribeStep for the recorded cluster and step', async () => {
    mock.on(DescribeStepCommand).resolves({ Step: { Status: { State: 'RUNNING' } } });
    expect(await reader.status(query)).toEqual({ kind: 'running', state: 'RUNNING' });
    expect(mock.commandCalls(DescribeStepCommand)[0]?.args[0].input).toEqual({ ClusterId: 'j-2AXXXXXXGAPLF', StepId: 's-1ABC' });
  });

  it.each(['PENDING', 'CANCEL_PENDING', 'RUNNING'])('%s is still running', async (state) => {
    mock.on(DescribeStepCommand).resolves({ Step: { Status: { State: state as never } } });
    expect((await reader.status(query)).kind).toBe('running');
  });

  it('an ended step: its state, end time, duration and failure message', async () => {
    mock.on(DescribeStepCommand).resolves({
      Step: {
        Status: {
          State: 'FAILED',
          FailureDetails: {
            Reason: 'Unknown error',
            Message: 'Exception in thread "main" java.lang.OutOfMemoryError',
            LogFile: 's3://logs/x',
          },
          Timeline: { StartDateTime: new Date('2026-11-22T01:00:00Z'), EndDateTime: new Date('2026-11-22T01:20:00Z') },
        },
      },
    });
    expect(await reader.status(query)).toEqual({
      kind: 'ended',
      state: 'FAILED',
      endedAt: '2026-11-22T01:20:00.000Z',
      durationSeconds: 1200,
      error: 'Exception in thread "main" java.lang.OutOfMemoryError',
    });
  });

  it('cannot tell without a cluster id, on an error, or without a state', async () => {
    expect((await reader.status({ ...query, clusterId: undefined })).kind).toBe('unknown');
    mock.on(DescribeStepCommand).rejects(new InvalidRequestException({ message: 'Step id is not valid', $metadata: {} }));
    expect(await reader.status(query)).toMatchObject({ kind: 'unknown', why: expect.stringMatching(/InvalidRequestException/) });
    mock.on(DescribeStepCommand).resolves({ Step: {} });
    expect((await reader.status(query)).kind).toBe('unknown');
    expect(mock.commandCalls(DescribeStepCommand)).toHaveLength(2);
  });
});
