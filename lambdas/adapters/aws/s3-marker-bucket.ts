import { PutObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import type { ListedMarker, MarkerBucket } from '../../ports/marker-bucket';
import { S3MarkerReader } from './s3-marker-reader';

export class S3MarkerBucket extends S3MarkerReader implements MarkerBucket {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {
    super(s3);
  }

  async list(suffixes: readonly string[], prefix?: string): Promise<ListedMarker[]> {
    const out: ListedMarker[] = [];
    for await (const page of paginateListObjectsV2({ client: this.s3 }, { Bucket: this.bucket, ...(prefix ? { Prefix: prefix } : {}) })) {
      for (const object of page.Contents ?? []) {
        if (!object.Key || !suffixes.some((s) => object.Key?.endsWith(s))) continue;
        out.push({ key: object.Key, size: object.Size ?? 0, lastModified: (object.LastModified ?? new Date(0)).toISOString() });
      }
    }
    return out;
  }

  /**
   * PutObject keeps the SDK's retries: writing the same key with the same body
   * twice leaves the same content (the versioned bucket keeps one more
   * version), and the second ObjectCreated notification is one more duplicate
   * of the kind S3 already delivers at least once ("Manage event ordering and
   * duplicate events with Amazon S3 Event Notifications", AWS Storage Blog) —
   * a duplicate `.done` changes nothing (SPEC §4.5). Losing an operator's
   * `rsched mark` to a 5xx would be worse.
   */
  async write(key: string, body: string): Promise<void> {
    const bytes = Buffer.from(body, 'utf8');
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentLength: bytes.length, ContentType: 'application/json' }),
    );
  }
}
