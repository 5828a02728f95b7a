import { decodeS3Key } from '../domain/markers';
import type { MarkerEvent } from '../engine/markers';

/**
 * S3 notification payloads as they reach the scheduler: wrapped in SNS
 * (`Records[].Sns.Message` is the S3 event as a JSON string), or direct. S3
 * sends `s3:TestEvent` (no Records) when a notification is configured.
 */

export interface S3EventRecord {
  readonly eventName?: string;
  readonly eventTime?: string;
  readonly s3?: {
    readonly bucket?: { readonly name?: string };
    readonly object?: { readonly key?: string; readonly size?: number; readonly sequencer?: string; readonly versionId?: string };
  };
}

export type ParsedNotification =
  | { readonly kind: 'markers'; readonly markers: MarkerEvent[]; readonly ignored: string[] }
  | { readonly kind: 'test-event' }
  | { readonly kind: 'unrecognised'; readonly reason: string };

/** Turns one S3 event document into marker events; records other than object creation are ignored. */
export function parseS3Notification(doc: unknown): ParsedNotification {
  if (!doc || typeof doc !== 'object') return { kind: 'unrecognised', reason: 'not a JSON object' };
  const d = doc as { Event?: string; Records?: unknown };
  if (d.Event === 's3:TestEvent') return { kind: 'test-event' };
  if (!Array.isArray(d.Records)) return { kind: 'unrecognised', reason: 'no Records array' };
  const markers: MarkerEvent[] = [];
  const ignored: string[] = [];
  for (const raw of d.Records as S3EventRecord[]) {
    const name = raw.eventName ?? '';
    const object = raw.s3?.object;
    if (!name.startsWith('ObjectCreated:') || !object?.key || !raw.s3?.bucket?.name) {
      ignored.push(`${name || 'unnamed event'} ${object?.key ?? ''}`.trim());
      continue;
    }
    markers.push({
      bucket: raw.s3.bucket.name,
      key: decodeS3Key(object.key),
      size: object.size ?? 0,
      eventTime: raw.eventTime ?? new Date(0).toISOString(),
      sequencer: object.sequencer ?? '0',
      versionId: object.versionId,
    });
  }
  return { kind: 'markers', markers, ignored };
}
