import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EXECUTION_NAME_MAX, executionName, StepFunctionsSubmitter } from '../../../lambdas/adapters/aws/stepfunctions-submitter';
import type { RunDate } from '../../../lambdas/domain/run-date';
import type { SubmitRequest } from '../../../lambdas/ports/submitter';
import { submitErrorOf } from '../../support/submit-errors';

/**
 * StartExecution (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html):
 * the execution name is unique per state machine for 90 days; the same name and
 * input while open answers success, otherwise ExecutionAlreadyExists. Names are
 * at most 80 characters without whitespace, brackets, wildcards or
 * `" # % \ ^ | ~ \` $ & , ; : /` ("Step Functions service quotas",
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
 */

const client = new SFNClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const mock = mockClient(client);
const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:refresh-marts';
const EXEC = 'arn:aws:states:us-east-1:123456789012:execution:refresh-marts:rsched-marts-20261122-2';
const INPUT = '{"date":"2026-11-22"}';
let now = 0;
let submitter: StepFunctionsSubmitter;

const request = (stateMachine = ARN, input = INPUT): SubmitRequest => ({
  job: 'marts',
  date: '2026-11-22' as RunDate,
  attempt: 2,
  target: { type: 'stepfunctions', stateMachine, input },
});
const named = (name: string, message = 'x') =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 }, $fault: 'client' });

beforeEach(() => {
  mock.reset();
  now = 0;
  submitter = new StepFunctionsSubmitter(client, { now: () => now });
  mock.on(DescribeStateMachineCommand).resolves({ type: 'STANDARD' });
});

describe('execution names', () => {
  it('are rsched-<job>-<yyyymmdd>-<attempt>, within the 80-character limit and the allowed characters', () => {
    expect(executionName('marts', '2026-11-22' as RunDate, 2)).toBe('rsched-marts-20261122-2');
    const long = 'a'.repeat(128);
    const name = executionName(long, '2026-11-22' as RunDate, 12);
    expect(name.length).toBeLessThanOrEqual(EXECUTION_NAME_MAX);
    expect(name).toMatch(/^[a-z0-9_-]+$/);
    expect(name.endsWith('-20261122-12')).toBe(true);
    // Two long names that share their first 60 characters still differ.
    expect(executionName(`${long}x`, '2026-11-22' as RunDate, 12)).not.toBe(name);
  });
});

describe('StepFunctionsSubmitter.submit', () => {
  it('starts one execution named after the attempt, with the rendered input', async () => {
    mock.on(StartExecutionCommand).resolves({ executionArn: EXEC, startDate: new Date() });
    expect(await submitter.submit(request())).toEqual({ submissionId: EXEC });
    expect(mock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { stateMachineArn: ARN, name: 'rsched-marts-20261122-2', input: INPUT },
    ]);
  });

  it('resolves a name through ListStateMachines once, then from its cache until it is stale', async () => {
    mock
      .on(ListStateMachinesCommand)
      .resolves({ stateMachines: [{ name: 'refresh-marts', stateMachineArn: ARN, type: 'STANDARD', creationDate: new Date() }] });
    mock.on(StartExecutionCommand).resolves({ executionArn: EXEC, startDate: new Date() });
    await submitter.submit(request('refresh-marts'));
    await submitter.submit(request('refresh-marts'));
    expect(mock.commandCalls(ListStateMachinesCommand)).toHaveLength(1);
    now = 11 * 60_000;
    await submitter.submit(request('refresh-marts'));
    expect(mock.commandCalls(ListStateMachinesCommand)).toHaveLength(2);
    expect(mock.commandCalls(StartExecutionCommand)[0]?.args[0].input.stateMachineArn).toBe(ARN);
  });

  it('refuses an unknown name and an EXPRESS state machine, permanently and without starting anything', async () => {
    mock.on(ListStateMachinesCommand).resolves({ stateMachines: [] });
    expect(await submitErrorOf(submitter.submit(request('nope')))).toMatchObject({
      retryable: false,
      message: 'no state machine named "nope" in this account and region',
    });
    mock.on(DescribeStateMachineCommand).resolves({ type: 'EXPRESS' });
    expect(await submitErrorOf(submitter.submit(request()))).toMatchObject({
      retryable: false,
      message: `state machine ${ARN} is EXPRESS: only STANDARD workflows start exactly once`,
    });
    expect(mock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('takes ExecutionAlreadyExists with the same input as this attempt’s execution (it closed before the resend)', async () => {
    mock.on(StartExecutionCommand).rejects(named('ExecutionAlreadyExists'));
    mock.on(DescribeExecutionCommand).resolves({ executionArn: EXEC, input: '{ "date": "2026-11-22" }' });
    expect(await submitter.submit(request())).toEqual({ submissionId: EXEC });
    expect(mock.commandCalls(DescribeExecutionCommand)[0]?.args[0].input).toEqual({ executionArn: EXEC });
  });

  it('ExecutionAlreadyExists and a failing DescribeExecution: maybe applied (an execution has that name), for the lookup to decide', async () => {
    mock.on(StartExecutionCommand).rejects(named('ExecutionAlreadyExists'));
    mock
      .on(DescribeExecutionCommand)
      .rejects(Object.assign(new Error('down'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } }));
    expect(await submitErrorOf(submitter.submit(request()))).toMatchObject({ retryable: true, maybeApplied: true });
  });

  it('a failing ListStateMachines before StartExecution is retryable and not applied: nothing was sent (found by the soak)', async () => {
    mock.on(ListStateMachinesCommand).rejects(named('ThrottlingException'));
    expect(await submitErrorOf(submitter.submit(request('refresh-marts')))).toMatchObject({ retryable: true, maybeApplied: false });
    expect(mock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('refuses, permanently, an execution of that name with another input: not ours, never started again', async () => {
    mock.on(StartExecutionCommand).rejects(named('ExecutionAlreadyExists'));
    mock.on(DescribeExecutionCommand).resolves({ executionArn: EXEC, input: '{"date":"2026-11-21"}' });
    const err = await submitErrorOf(submitter.submit(request()));
    expect(err).toMatchObject({ retryable: false, maybeApplied: false });
    expect(err.message).toContain('already exists');
  });

  it('maps errors: refusals permanent, throttling retryable and not applied, 5xx maybe applied', async () => {
    const judged = async (error: Error) => {
      mock.on(StartExecutionCommand).rejects(error);
      const err = await submitErrorOf(submitter.submit(request()));
      return { retryable: err.retryable, maybeApplied: err.maybeApplied };
    };
    expect(await judged(named('StateMachineDoesNotExist'))).toEqual({ retryable: false, maybeApplied: false });
    expect(await judged(named('InvalidExecutionInput'))).toEqual({ retryable: false, maybeApplied: false });
    expect(await judged(named('ThrottlingException'))).toEqual({ retryable: true, maybeApplied: false });
    expect(await judged(named('ExecutionLimitExceeded'))).toEqual({ retryable: true, maybeApplied: false });
    expect(await judged(Object.assign(new Error('oops'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } }))).toEqual({
      retryable: true,
      maybeApplied: true,
    });
  });
});

describe('StepFunctionsSubmitter.findSubmission', () => {
  const ref = { job: 'marts', date: '2026-11-22' as RunDate, attempt: 2, type: 'stepfunctions' as const, target: request().target };

  it('finds the execution of the attempt by its name, and proves there is none', async () => {
    mock.on(DescribeExecutionCommand).resolves({ executionArn: EXEC, input: INPUT });
    expect(await submitter.findSubmission(ref)).toEqual({ submissionId: EXEC });
    mock.on(DescribeExecutionCommand).rejects(named('ExecutionDoesNotExist'));
    expect(await submitter.findSubmission(ref)).toBeUndefined();
  });

  it('throws when the lookup fails, so the engine never takes it for "not started"', async () => {
    mock.on(DescribeExecutionCommand).rejects(Object.assign(new Error('down'), { name: 'InternalServerError' }));
    await expect(submitter.findSubmission(ref)).rejects.toThrow('down');
  });
});
