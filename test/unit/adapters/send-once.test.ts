import { InternalServerError, InvalidRequestException } from '@aws-sdk/client-emr';
import { describe, expect, it } from 'vitest';
import { beforeSend, judgeSendError, SEND_ONCE } from '../../../lambdas/adapters/aws/send-once';
import { SubmitError } from '../../../lambdas/ports/submitter';
import { submitErrorOf } from '../../support/submit-errors';

const PERMANENT = new Set(['ValidationException']);
const sdkError = (name: string, status: number, fault: 'client' | 'server') =>
  Object.assign(new Error(name), { name, $fault: fault, $metadata: { httpStatusCode: status } });

describe('judgeSendError: was a call that was sent once applied?', () => {
  it.each([
    ['a throttling answer (denied, HTTP 400)', sdkError('ThrottlingException', 400, 'client'), { maybeApplied: false, retryable: true }],
    ['HTTP 429', sdkError('TooManyRequests', 429, 'client'), { maybeApplied: false, retryable: true }],
    ['a permanent refusal', sdkError('ValidationException', 400, 'client'), { maybeApplied: false, retryable: false }],
    [
      'another 4xx',
      new InvalidRequestException({ message: 'x', $metadata: { httpStatusCode: 400 } }),
      { maybeApplied: false, retryable: true },
    ],
    ['a 5xx', new InternalServerError({ message: 'x', $metadata: { httpStatusCode: 500 } }), { maybeApplied: true, retryable: true }],
    ['a 503', sdkError('ServiceUnavailable', 503, 'server'), { maybeApplied: true, retryable: true }],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), { maybeApplied: true, retryable: true }],
    ['a timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), { maybeApplied: true, retryable: true }],
    ['something that is not an error', 'boom', { maybeApplied: true, retryable: true }],
  ])('%s', (_, err, expected) => {
    expect(judgeSendError(err, PERMANENT)).toEqual(expected);
  });

  it('SEND_ONCE turns the SDK retries off', () => {
    expect(SEND_ONCE).toEqual({ maxAttempts: 1 });
  });
});

describe('beforeSend: a read before the mutating call failed, so nothing was sent', () => {
  it('passes the value through', async () => {
    expect(await beforeSend('ListX', PERMANENT, async () => 'id-1')).toBe('id-1');
  });

  it.each([
    ['throttled', sdkError('ThrottlingException', 400, 'client'), true],
    ['a 5xx', sdkError('InternalServerError', 500, 'server'), true],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    ['a permanent refusal', sdkError('ValidationException', 400, 'client'), false],
  ])('%s: a SubmitError, never maybeApplied, retryable unless permanent', async (_, err, retryable) => {
    const failed = await submitErrorOf(beforeSend('ListX', PERMANENT, () => Promise.reject(err)));
    expect(failed).toMatchObject({ maybeApplied: false, retryable, cause: err });
    expect(failed.message).toMatch(/^ListX: .*\(nothing was sent\)$/);
  });

  it('passes a SubmitError of the read itself through (an unknown name stays permanent)', async () => {
    const unknown = new SubmitError('no such thing', false);
    expect(await submitErrorOf(beforeSend('ListX', PERMANENT, () => Promise.reject(unknown)))).toBe(unknown);
  });
});
