import type { S3Client } from '@aws-sdk/client-s3';
import { S3MarkerBucket } from '../adapters/aws/s3-marker-bucket';
import { S3MarkerReader } from '../adapters/aws/s3-marker-reader';
import type { ClientSettings } from './client-settings';
import { s3Client } from './s3-client';

/** The engine's S3 side, one client for reading markers and writing completion markers; loaded by `import()` on first use. */
export interface S3Markers {
  readonly reader: S3MarkerReader;
  bucket(name: string): S3MarkerBucket;
}

export function s3Markers(settings: ClientSettings, client: S3Client = s3Client(settings)): S3Markers {
  return { reader: new S3MarkerReader(client), bucket: (name) => new S3MarkerBucket(client, name) };
}
