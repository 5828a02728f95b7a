import { Readable } from 'node:stream';
import { GetObjectCommand, NoSuchKey, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3MarkerReader } from '../../../lambdas/adapters/aws/s3-marker-reader';
import { MAX_MARKER_BODY_BYTES } from '../../../lambdas/domain/markers';

const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const mock = mockClient(client);
const reader = new S3MarkerReader(client);

const s3Error = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: name });

beforeEach(() => mock.reset());

describe('S3MarkerReader', () => {
  it('treats NoSuchKey (404) as a missing marker', async () => {
    mock.on(GetObjectCommand).rejects(new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'The specified key does not exist.' }));
    expect(await reader.read('markers', 'sessions__20261201.done')).toBeUndefined();
  });

  // Amazon S3 API Reference, GetObject, "Permissions": without s3:ListBucket (the scheduler has none), a key that
  // does not exist is answered 403 Access Denied, not 404. That is a missing marker (a rejection and an alert),
  // not an infrastructure failure to retry until the event dead-letters.
  it('treats 403 AccessDenied as a missing marker, since the scheduler may not list the bucket', async () => {
    mock.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403));
    expect(await reader.read('markers', 'sessions__20261201.done', 'v1')).toBeUndefined();
  });

  it('lets throttling and server errors through, so the event is retried', async () => {
    mock.on(GetObjectCommand).rejects(s3Error('SlowDown', 503));
    await expect(reader.read('markers', 'sessions__20261201.done')).rejects.toThrow('SlowDown');
  });
});

describe('S3MarkerReader: a huge object', () => {
  it('is not read whole: the download stops one byte past the marker body limit', async () => {
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 16 * 1024;
        this.push(Buffer.alloc(16 * 1024, 'x'));
      },
    });
    mock.on(GetObjectCommand).resolves({ Body: endless as never });
    const text = await reader.read('b', 'k__20261122.done');
    expect(text?.length).toBe(MAX_MARKER_BODY_BYTES + 1);
    expect(produced).toBeLessThan(MAX_MARKER_BODY_BYTES * 2);
  });
});
