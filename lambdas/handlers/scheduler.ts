import type { EngineDeps } from '../engine/deps';
import { type MarkerOutcome, onMarker, rejectMarker } from '../engine/markers';
import { onTrigger, type TriggerOutcome } from '../engine/triggers';
import { type ParsedNotification, parseS3Notification } from '../events/s3-event';
import type { TriggerEvent } from '../events/trigger-event';

export interface SchedulerResult {
  readonly markers: MarkerOutcome[];
  readonly triggers: { job: string; outcome: TriggerOutcome }[];
  testEvents: number;
  readonly ignored: string[];
}

/** Thrown after every record was tried, so Lambda retries the event (and then dead-letters it). */
export class RecordsFailedError extends Error {
  override readonly name = 'RecordsFailedError';
  constructor(readonly failures: readonly { record: string; error: unknown }[]) {
    super(`${failures.length} record(s) failed and will be retried: ${failures.map((f) => `${f.record}: ${String(f.error)}`).join('; ')}`);
  }
}

function isTrigger(event: unknown): event is TriggerEvent {
  return (event as TriggerEvent)?.source === 'rsched.trigger' && typeof (event as TriggerEvent).job === 'string';
}

/** The S3 notification documents inside an SNS event, or the event itself when S3 invokes directly. */
function notifications(event: unknown): { id: string; topicArn?: string; doc: ParsedNotification }[] {
  const records = (event as { Records?: unknown[] })?.Records;
  if (!Array.isArray(records)) return [{ id: 'event', doc: parseS3Notification(event) }];
  if (records.every((r) => (r as { Sns?: unknown }).Sns === undefined)) return [{ id: 'event', doc: parseS3Notification(event) }];
  return records.map((r, i) => {
    const sns = (r as { Sns?: { Message?: string; MessageId?: string; TopicArn?: string } }).Sns;
    const id = sns?.MessageId ?? `record ${i}`;
    try {
      return { id, topicArn: sns?.TopicArn, doc: parseS3Notification(JSON.parse(sns?.Message ?? '')) };
    } catch {
      return { id, doc: { kind: 'unrecognised', reason: 'SNS message is not JSON' } as const };
    }
  });
}

/**
 * The scheduler Lambda: S3 marker events (through SNS) and root triggers. One
 * bad record never stops the others; records that fail for infrastructure
 * reasons are retried by throwing once all were tried.
 */
export function makeSchedulerHandler(deps: EngineDeps) {
  return async (event: unknown): Promise<SchedulerResult> => {
    const result: SchedulerResult = { markers: [], triggers: [], testEvents: 0, ignored: [] };
    const failures: { record: string; error: unknown }[] = [];
    if (isTrigger(event)) {
      const at = event.scheduledTime ? new Date(event.scheduledTime) : deps.clock.now();
      result.triggers.push({ job: event.job, outcome: await onTrigger(deps, event.job, at, `trigger:schedule`) });
      return result;
    }
    const topic = deps.trust?.topicArn;
    for (const { id, topicArn, doc } of notifications(event)) {
      if (doc.kind === 'test-event') {
        result.testEvents++;
        continue;
      }
      if (doc.kind === 'unrecognised') {
        failures.push({ record: id, error: new Error(`not an S3 event: ${doc.reason}`) });
        continue;
      }
      result.ignored.push(...doc.ignored);
      // Only the marker topic is trusted (docs/threat-model.md): anyone allowed to invoke the function could forge the rest.
      const untrusted =
        topic !== undefined && topicArn !== topic ? `it arrived through ${topicArn ?? 'no topic'}, not the marker topic` : undefined;
      for (const marker of doc.markers) {
        try {
          result.markers.push(untrusted ? await rejectMarker(deps, marker, untrusted) : await onMarker(deps, marker));
        } catch (error) {
          deps.log.error('marker failed', { key: marker.key, error: String(error) });
          failures.push({ record: marker.key, error });
        }
      }
    }
    if (failures.length > 0) throw new RecordsFailedError(failures);
    return result;
  };
}
