import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { formatMarkerKey, type MarkerStatus } from '../domain/markers';
import type { RunDate } from '../domain/run-date';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './dynamodb-emulator';

/** What a simulated job does at its end: write its marker to the (local) bucket, through the S3 API. */
export class MarkerWriter {
  private readonly client: S3Client;

  constructor(
    endpoint: string,
    private readonly bucket: string,
  ) {
    this.client = localS3Client(endpoint);
  }

  async write(job: string, date: RunDate, status: MarkerStatus, body = ''): Promise<string> {
    const key = formatMarkerKey(job, date, status);
    const bytes = Buffer.from(body, 'utf8');
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentLength: bytes.length }));
    return key;
  }
}

/** An S3 client for s3rver (path-style; no streaming checksums, which s3rver would store as chunk framing). */
export function localS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
