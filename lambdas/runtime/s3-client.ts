import { S3Client } from '@aws-sdk/client-s3';
import { type ClientSettings, clientConfig, instrumented } from './client-settings';

/**
 * The S3 client of the marker bucket. Checksums only when required: s3rver
 * (local mode) stores streamed uploads with their chunk framing otherwise, and
 * path-style addressing for an emulator's endpoint.
 */
export function s3Client(settings: ClientSettings): S3Client {
  return instrumented(
    new S3Client({
      ...clientConfig(settings, 's3'),
      forcePathStyle: settings.endpoints?.s3 !== undefined,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
    settings,
    's3',
  );
}
