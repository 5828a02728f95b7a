import { randomUUID } from 'node:crypto';
import type { Timeline } from './timeline';

/**
 * An in-process stand-in for an SNS topic with Lambda subscribers. Delivery is
 * at least once: `duplicates` delivers every message that many times, and
 * `jitterMs` delays each delivery by a random amount so deliveries overtake
 * each other, as they may in AWS.
 */
export interface DeliveryPolicy {
  readonly duplicates: number;
  readonly jitterMs: number;
  /** Fixed delay before delivery. */
  readonly latencyMs?: number;
  /** Fault injection: messages for which this returns true are lost (as an event S3 never sent). */
  readonly drop?: (message: string) => boolean;
}

export const EXACT_DELIVERY: DeliveryPolicy = { duplicates: 1, jitterMs: 0 };

export type Subscriber = (event: unknown) => void;

export function localTopicArn(name: string): string {
  return `arn:aws:sns:us-east-1:000000000000:${name}`;
}

export class LocalTopic {
  private readonly subscribers: Subscriber[] = [];
  /** Messages published (for the marker topic: one per S3 event). */
  published = 0;
  /** Deliveries handed to subscribers, duplicates included (the exactly-once evidence of rsched simulate). */
  delivered = 0;

  constructor(
    readonly name: string,
    private readonly timeline: Timeline,
    private readonly policy: DeliveryPolicy = EXACT_DELIVERY,
  ) {}

  /** The topic's ARN as SNS puts it in every delivery (the scheduler trusts only the marker topic's). */
  get arn(): string {
    return localTopicArn(this.name);
  }

  subscribe(subscriber: Subscriber): void {
    this.subscribers.push(subscriber);
  }

  publish(message: string): void {
    this.published++;
    if (this.policy.drop?.(message)) return;
    const now = this.timeline.now().getTime();
    for (const subscriber of this.subscribers) {
      for (let copy = 0; copy < this.policy.duplicates; copy++) {
        const delay =
          (this.policy.latencyMs ?? 0) + (this.policy.jitterMs > 0 ? Math.floor(this.timeline.random() * this.policy.jitterMs) : 0);
        const event = {
          Records: [
            {
              EventSource: 'aws:sns',
              EventVersion: '1.0',
              Sns: {
                Type: 'Notification',
                MessageId: randomUUID(),
                TopicArn: this.arn,
                Message: message,
                Timestamp: new Date(now + delay).toISOString(),
              },
            },
          ],
        };
        this.timeline.schedule(new Date(now + delay), `${this.name} delivery`, async () => {
          this.delivered++;
          subscriber(event);
        });
      }
    }
  }
}
