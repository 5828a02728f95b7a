import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SnsAlertSink } from '../../../lambdas/adapters/aws/sns-alert-sink';
import { alertSubject, alertText } from '../../../lambdas/domain/alerts';
import type { RunDate } from '../../../lambdas/domain/run-date';
import type { AlertRecord } from '../../../lambdas/ports/run-store';

const client = new SNSClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const mock = mockClient(client);
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:rsched-alerts';

const failed: AlertRecord = {
  kind: 'FAILED',
  job: 'sessions',
  date: '2026-11-22' as RunDate,
  attempt: 2,
  at: '2026-11-22T03:00:00.000Z',
  message: 'sessions 2026-11-22 FAILED (attempt 2): OOM in stage 3. Every run downstream of it is UPSTREAM_FAILED.',
  next: 'Fix the job, then: rsched replay sessions --date 2026-11-22 --downstream',
};

beforeEach(() => {
  mock.reset();
  mock.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

describe('SnsAlertSink', () => {
  it('publishes a json-structured message: text for default and email, the alert itself for Lambda subscribers', async () => {
    await new SnsAlertSink(client, TOPIC).publish(failed);
    const [call] = mock.commandCalls(PublishCommand);
    const input = call?.args[0].input;
    expect(input).toMatchObject({
      TopicArn: TOPIC,
      MessageStructure: 'json',
      Subject: 'rsched FAILED sessions 2026-11-22',
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'FAILED' } },
    });
    const bodies = JSON.parse(input?.Message as string) as Record<string, string>;
    expect(Object.keys(bodies).sort()).toEqual(['default', 'email', 'lambda']);
    expect(bodies.default).toBe(
      [
        '[FAILED] sessions 2026-11-22 (attempt 2)',
        failed.message,
        'Next: Fix the job, then: rsched replay sessions --date 2026-11-22 --downstream',
      ].join('\n'),
    );
    expect(bodies.email).toBe(bodies.default);
    expect(JSON.parse(bodies.lambda as string)).toEqual(failed);
  });

  it('keeps the subject valid for SNS: printable ASCII, no newline, at most 100 characters', () => {
    const rejected: AlertRecord = {
      kind: 'MARKER_REJECTED',
      date: '2026-11-22' as RunDate,
      at: '2026-11-22T03:00:00.000Z',
      subject: `café/${'x'.repeat(120)}\n__20261122.done#0001`,
      message: 'm',
    };
    const subject = alertSubject(rejected);
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject.startsWith('rsched MARKER_REJECTED caf?/xxx')).toBe(true);
  });

  it('writes alerts without a run or a next step as plain text', () => {
    const late: AlertRecord = { kind: 'LATE', date: '2026-11-22' as RunDate, at: '2026-11-22T06:00:00.000Z', message: 'late' };
    expect(alertText(late)).toBe('[LATE] 2026-11-22\nlate');
  });

  it('lets a failed publish fail the caller, so the alert is not recorded as sent', async () => {
    mock.on(PublishCommand).rejects(Object.assign(new Error('KMS key disabled'), { name: 'KMSDisabledException' }));
    await expect(new SnsAlertSink(client, TOPIC).publish(failed)).rejects.toThrow('KMS key disabled');
  });
});
