import { InternalServerError, InvalidRequestException } from '@aws-sdk/client-emr';
import { describe, expect, it } from 'vitest';
import { judgeSendError, SEND_ONCE } from '../../../lambdas/adapters/aws/send-once';

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
