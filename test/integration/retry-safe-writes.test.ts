import { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { S3MarkerBucket } from '../../lambdas/adapters/aws/s3-marker-bucket';
import { SnsAlertSink } from '../../lambdas/adapters/aws/sns-alert-sink';
import type { RunDate } from '../../lambdas/domain/run-date';
import { localS3Client } from '../../lambdas/local/marker-writer';
import { startS3Emulator } from '../../lambdas/local/s3-emulator';
import { ManualClock } from '../../lambdas/ports/clock';
import { injectHttpFaults, operation, strike } from '../support/http-faults';

/**
 * Issue 11: the mutating calls that keep the SDK's retries on purpose, and
 * what "applied, then 5xx" does to them — a second copy, never a lost write.
 * (AddJobFlowSteps and ActivatePipeline, which must not be repeated, are sent
 * once: submit-once.test.ts, activate-once.test.ts.)
 */

/** A stand-in for SNS that answers every Publish (the query protocol's XML) and counts them. */
function fakeSns(): { published: string[]; handler: unknown } {
  const published: string[] = [];
  const handler = {
    metadata: { handlerProtocol: 'http/1.1' },
    async handle(request: { body?: unknown }) {
      published.push(String(request.body));
      const xml = `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-${published.length}</MessageId></PublishResult><ResponseMetadata><RequestId>r-${published.length}</RequestId></ResponseMetadata></PublishResponse>`;
      return { response: { statusCode: 200, headers: { 'content-type': 'text/xml' }, body: Readable.from([Buffer.from(xml)]) } };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
  return { published, handler };
}

describe('mutating calls whose SDK retries are safe', () => {
  it('SNS Publish after applied-then-5xx: the alert is not lost; subscribers may get it twice (at-least-once)', async () => {
    const sns = fakeSns();
    const client = new SNSClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestHandler: sns.handler as never,
    });
    const faults = injectHttpFaults(client, strike(operation('Publish'), 'applied-then-5xx'));
    await new SnsAlertSink(client, 'arn:aws:sns:us-east-1:123456789012:rsched-alerts').publish({
      kind: 'FAILED',
      job: 'sessions',
      date: '2026-11-22' as RunDate,
      attempt: 1,
      at: '2026-11-22T03:00:00.000Z',
      message: 'sessions FAILED',
    });
    expect(faults.faults.map((f) => f.fault)).toEqual(['applied-then-5xx']);
    expect(sns.published).toHaveLength(2);
    expect(sns.published[0]).toBe(sns.published[1]);
  });

  it('S3 PutObject of a marker after applied-then-5xx and after a lost answer: the object is written, with its body, and the retry succeeds', async () => {
    const s3 = await startS3Emulator({ bucket: 'rsched-markers', clock: new ManualClock('2026-11-22T00:00:00Z') });
    try {
      const notifications: string[] = [];
      s3.onNotification((record) => notifications.push(record.s3?.object?.key ?? ''));
      const client = localS3Client(s3.endpoint);
      const faults = injectHttpFaults(client, strike(operation('PutObject'), 'applied-then-5xx'));
      const bucket = new S3MarkerBucket(client, s3.bucket);
      await bucket.write('sessions/2026-11-22/_SUCCESS.done', '{"by":"rsched mark"}');
      faults.setPlan(strike(operation('PutObject'), 'applied-answer-lost'));
      await bucket.write('revenue/2026-11-22/_SUCCESS.done', '{}');
      const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'sessions/2026-11-22/_SUCCESS.done' }));
      expect(await got.Body?.transformToString()).toBe('{"by":"rsched mark"}');
      // Two PUTs each: S3 notifies each (duplicates the scheduler ignores, SPEC §4.5).
      expect(faults.calls.filter((c) => c.operation === 'PutObject')).toHaveLength(4);
      expect(notifications.filter((k) => k.startsWith('sessions/'))).toHaveLength(2);
      client.destroy();
    } finally {
      await s3.stop();
    }
  });
});
