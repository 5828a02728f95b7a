import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { MAX_MARKER_BODY_BYTES } from '../../domain/markers';
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

  /**
   * Reads at most one byte more than a marker body may have, then stops the
   * download: an event's `size` is not trusted, and a huge object must not be
   * read whole to find out it is too big (the body check rejects it by its
   * length). Not a Range request: S3 answers a Range on an empty object with
   * 416, and most markers are empty.
   */
  async read(bucket: string, key: string, versionId?: string): Promise<string | undefined> {
    let out: GetObjectCommandOutput;
    try {
      out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    const body = out.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
    if (!body) return '';
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of body) {
      chunks.push(Buffer.from(chunk));
      length += chunk.length;
      if (length > MAX_MARKER_BODY_BYTES) {
        body.destroy?.();
        break;
      }
    }
    return Buffer.concat(chunks)
      .subarray(0, MAX_MARKER_BODY_BYTES + 1)
      .toString('utf8');
  }
}
