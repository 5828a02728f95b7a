import { AddJobFlowStepsCommand, EMRClient, InternalServerError, ListStepsCommand } from '@aws-sdk/client-emr';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EmrStepSubmitter } from '../../../lambdas/adapters/aws/emr-step-submitter';
import type { RunDate } from '../../../lambdas/domain/run-date';
import type { LiveCluster } from '../../../lambdas/ports/cluster-directory';
import type { SubmitRequest } from '../../../lambdas/ports/submitter';
import { submitErrorOf } from '../../support/submit-errors';

const client = new EMRClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const mock = mockClient(client);
const submitter = new EmrStepSubmitter(client);

const cluster: LiveCluster = {
  name: 'nightly-etl',
  id: 'j-2AXXXXXXGAPLF',
  masterIp: '10.0.0.12',
  pools: ['etl'],
  windowStart: '2026-11-22T00:00:00.000Z',
  windowEnd: '2026-11-22T03:00:00.000Z',
};

const request = (target: Partial<Extract<SubmitRequest['target'], { type: 'emr-step' }>> = {}): SubmitRequest => ({
  job: 'sessions',
  date: '2026-11-22' as RunDate,
  attempt: 2,
  cluster,
  target: {
    type: 'emr-step',
    args: ['spark-submit', 's3://code/sessions.py', '--date', '2026-11-22'],
    jar: 'command-runner.jar',
    actionOnFailure: 'CONTINUE',
    ...target,
  },
});

beforeEach(() => {
  mock.reset();
});

describe('EmrStepSubmitter.submit', () => {
  it('sends exactly one AddJobFlowSteps: the cluster, a step named after the attempt, its jar and args', async () => {
    mock.on(AddJobFlowStepsCommand).resolves({ StepIds: ['s-1ABC'] });
    expect(await submitter.submit(request())).toEqual({ submissionId: 's-1ABC', clusterId: 'j-2AXXXXXXGAPLF' });
    expect(mock.commandCalls(AddJobFlowStepsCommand).map((c) => c.args[0].input)).toEqual([
      {
        JobFlowId: 'j-2AXXXXXXGAPLF',
        Steps: [
          {
            Name: 'rsched:sessions:2026-11-22:2',
            ActionOnFailure: 'CONTINUE',
            HadoopJarStep: { Jar: 'command-runner.jar', Args: ['spark-submit', 's3://code/sessions.py', '--date', '2026-11-22'] },
          },
        ],
      },
    ]);
  });

  it('passes a custom jar, main class and action on failure through', async () => {
    mock.on(AddJobFlowStepsCommand).resolves({ StepIds: ['s-2'] });
    await submitter.submit(
      request({ jar: 's3://jars/etl.jar', mainClass: 'com.example.Etl', actionOnFailure: 'CANCEL_AND_WAIT', args: ['--x'] }),
    );
    expect(mock.commandCalls(AddJobFlowStepsCommand)[0]?.args[0].input.Steps).toEqual([
      {
        Name: 'rsched:sessions:2026-11-22:2',
        ActionOnFailure: 'CANCEL_AND_WAIT',
        HadoopJarStep: { Jar: 's3://jars/etl.jar', Args: ['--x'], MainClass: 'com.example.Etl' },
      },
    ]);
  });

  it('maps ValidationException to a permanent error and 5xx and throttling to retryable ones', async () => {
    mock.on(AddJobFlowStepsCommand).rejects(Object.assign(new Error('Cluster is terminated'), { name: 'ValidationException' }));
    const permanent = await submitErrorOf(submitter.submit(request()));
    expect(permanent.retryable).toBe(false);
    expect(permanent.message).toBe('AddJobFlowSteps on j-2AXXXXXXGAPLF: ValidationException: Cluster is terminated');

    mock.on(AddJobFlowStepsCommand).rejects(new InternalServerError({ message: 'oops', $metadata: {} }));
    expect((await submitErrorOf(submitter.submit(request()))).retryable).toBe(true);
    mock.on(AddJobFlowStepsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    expect((await submitErrorOf(submitter.submit(request()))).retryable).toBe(true);
  });

  it('says which failures may have added the step: 5xx, timeouts and lost connections may; refusals and throttling did not', async () => {
    const judged = async (error: Error) => {
      mock.on(AddJobFlowStepsCommand).rejects(error);
      const err = await submitErrorOf(submitter.submit(request()));
      return { maybeApplied: err.maybeApplied, retryable: err.retryable };
    };
    expect(await judged(new InternalServerError({ message: 'oops', $metadata: { httpStatusCode: 500 } }))).toEqual({
      maybeApplied: true,
      retryable: true,
    });
    expect(await judged(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toEqual({
      maybeApplied: true,
      retryable: true,
    });
    expect(await judged(Object.assign(new Error('Request timed out'), { name: 'TimeoutError' }))).toEqual({
      maybeApplied: true,
      retryable: true,
    });
    expect(
      await judged(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } })),
    ).toEqual({ maybeApplied: false, retryable: true });
    expect(await judged(Object.assign(new Error('terminated'), { name: 'ValidationException', $fault: 'client' }))).toEqual({
      maybeApplied: false,
      retryable: false,
    });
  });

  it('treats a response without a step id as retryable, and a run without a cluster as permanent', async () => {
    mock.on(AddJobFlowStepsCommand).resolves({ StepIds: [] });
    expect(await submitErrorOf(submitter.submit(request()))).toMatchObject({
      retryable: true,
      maybeApplied: true,
      message: 'AddJobFlowSteps returned no step id',
    });
    const err = await submitErrorOf(submitter.submit({ ...request(), cluster: undefined }));
    expect(err).toMatchObject({ retryable: false, message: 'no cluster given for an emr-step run' });
    expect(mock.commandCalls(AddJobFlowStepsCommand)).toHaveLength(1);
  });
});

describe('EmrStepSubmitter.findSubmission', () => {
  const ref = { job: 'sessions', date: '2026-11-22' as RunDate, attempt: 2, type: 'emr-step' as const, clusterId: 'j-2AXXXXXXGAPLF' };

  it('pages through ListSteps until it finds the step named after the attempt', async () => {
    mock
      .on(ListStepsCommand, { ClusterId: 'j-2AXXXXXXGAPLF', Marker: undefined })
      .resolves({ Steps: [{ Id: 's-OLD', Name: 'rsched:sessions:2026-11-22:1' }], Marker: 'next' });
    mock.on(ListStepsCommand, { ClusterId: 'j-2AXXXXXXGAPLF', Marker: 'next' }).resolves({
      Steps: [
        { Id: 's-OTHER', Name: 'rsched:revenue:2026-11-22:2' },
        { Id: 's-MINE', Name: 'rsched:sessions:2026-11-22:2' },
      ],
    });
    expect(await submitter.findSubmission(ref)).toEqual({ submissionId: 's-MINE', clusterId: 'j-2AXXXXXXGAPLF' });
    expect(mock.commandCalls(ListStepsCommand)).toHaveLength(2);
  });

  it('answers undefined when no page has the step, and without asking when there is no cluster', async () => {
    mock.on(ListStepsCommand).resolves({ Steps: [{ Id: 's-OLD', Name: 'rsched:sessions:2026-11-22:1' }] });
    expect(await submitter.findSubmission(ref)).toBeUndefined();
    expect(await submitter.findSubmission({ ...ref, clusterId: undefined })).toBeUndefined();
    expect(mock.commandCalls(ListStepsCommand)).toHaveLength(1);
  });
});
