import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { MarkerReader } from '../../ports/marker-reader';

const NOT_FOUND = new Set(['NoSuchKey', 'NoSuchVersion', 'NotFound']);

/**
 * True when S3 answered that the object is not there for us to read. The
 * scheduler may read marker objects (s3:GetObject on `*.done`/`*.failed`) but
 * not list the bucket, and GetObject (Amazon S3 API Reference, "Permissions"):
 * "If you don't have the s3:ListBucket permission, Amazon S3 returns an HTTP
 * status code 403 Access Denied error" for a key that does not exist. So a 403
 * is the usual answer for a marker deleted before it was read: a rejection
 * (the operator is alerted), not an infrastructure error to retry until the
 * event lands in the dead-letter queue.
 */
function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return NOT_FOUND.has(e?.name ?? '') || e?.name === 'AccessDenied' || e?.$metadata?.httpStatusCode === 403;
}

export class S3MarkerReader implements MarkerReader {
  constructor(private readonly client: S3Client) {}

  async read(bucket: string, key: string, versionId?: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
      );
      return (await out.Body?.transformToString('utf8')) ?? '';
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }
}
