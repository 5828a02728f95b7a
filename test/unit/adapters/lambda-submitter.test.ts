import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { LambdaSubmitter } from '../../../lambdas/adapters/aws/lambda-submitter';
import type { RunDate } from '../../../lambdas/domain/run-date';
import type { SubmitRequest } from '../../../lambdas/ports/submitter';
import { submitErrorOf } from '../../support/submit-errors';

/** Invoke, InvocationType Event (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html): queued, 202. */

const client = new LambdaClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const mock = mockClient(client);
const submitter = new LambdaSubmitter(client);
const request: SubmitRequest = {
  job: 'notify_partners',
  date: '2026-11-22' as RunDate,
  attempt: 1,
  target: { type: 'lambda', function: 'notify-partners', payload: '{"day":"20261122"}' },
};
const named = (name: string, status = 400) => Object.assign(new Error('x'), { name, $metadata: { httpStatusCode: status } });

beforeEach(() => mock.reset());

describe('LambdaSubmitter', () => {
  it('invokes asynchronously (Event) with the rendered payload, once', async () => {
    mock.on(InvokeCommand).resolves({ StatusCode: 202, $metadata: { requestId: 'req-1' } });
    expect(await submitter.submit(request)).toEqual({ submissionId: 'req-1' });
    const input = mock.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input?.FunctionName).toBe('notify-partners');
    expect(input?.InvocationType).toBe('Event');
    expect(new TextDecoder().decode(input?.Payload as Uint8Array)).toBe('{"day":"20261122"}');
    expect(mock.commandCalls(InvokeCommand)).toHaveLength(1);
  });

  it('maps errors: unknown function and bad payload permanent, throttling not applied, 5xx maybe applied', async () => {
    const judged = async (error: Error) => {
      mock.on(InvokeCommand).rejects(error);
      const err = await submitErrorOf(submitter.submit(request));
      return { retryable: err.retryable, maybeApplied: err.maybeApplied };
    };
    expect(await judged(named('ResourceNotFoundException', 404))).toEqual({ retryable: false, maybeApplied: false });
    expect(await judged(named('RequestTooLargeException', 413))).toEqual({ retryable: false, maybeApplied: false });
    expect(await judged(named('TooManyRequestsException', 429))).toEqual({ retryable: true, maybeApplied: false });
    expect(await judged(named('ServiceException', 500))).toEqual({ retryable: true, maybeApplied: true });
  });

  it('treats an answer other than 202 as maybe applied', async () => {
    mock.on(InvokeCommand).resolves({ StatusCode: 200, $metadata: {} });
    expect(await submitErrorOf(submitter.submit(request))).toMatchObject({ maybeApplied: true });
  });

  it('can never look an invocation up: unknown, so a maybe-applied call parks the run instead of invoking again', async () => {
    expect(await submitter.findSubmission({ job: 'notify_partners', date: '2026-11-22' as RunDate, attempt: 1, type: 'lambda' })).toBe(
      'unknown',
    );
  });
});
