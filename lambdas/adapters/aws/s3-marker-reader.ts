import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { MarkerReader } from '../../ports/marker-reader';

const NOT_FOUND = new Set(['NoSuchKey', 'NoSuchVersion', 'NotFound']);

export class S3MarkerReader implements MarkerReader {
  constructor(private readonly client: S3Client) {}

  async read(bucket: string, key: string, versionId?: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
      );
      return (await out.Body?.transformToString('utf8')) ?? '';
    } catch (err) {
      if (NOT_FOUND.has((err as Error).name)) return undefined;
      throw err;
    }
  }
}
