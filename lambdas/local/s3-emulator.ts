import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3EventRecord } from '../events/s3-event';
import type { Clock } from '../ports/clock';

/**
 * Embedded S3 (s3rver) for tests and local mode. s3rver emits an event per
 * put, but applies no notification filters, uses a millisecond clock as
 * sequencer and wall time as eventTime. Events are normalised here to what a
 * real bucket notification with the stack's filters (suffix `.done` /
 * `.failed`) delivers, with the runtime's clock.
 */
export interface S3Emulator {
  readonly endpoint: string;
  readonly bucket: string;
  /** Called with each notification the real bucket would send. */
  onNotification(listener: (record: S3EventRecord) => void): void;
  stop(): Promise<void>;
}

/** The suffixes the marker bucket notifies for (the same filters as the stack's). */
export const MARKER_SUFFIXES = ['.done', '.failed'] as const;

interface S3rverEvent {
  Records: {
    eventName: string;
    awsRegion: string;
    s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
  }[];
}

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: S3rverEvent) => void): void;
}

let anyKeyAccepted = false;

/**
 * Local mode accepts any credentials, like the other emulators: a user's real
 * AWS keys in the environment must not make `aws s3 cp --endpoint-url` fail.
 */
function acceptAnyAccessKey(): void {
  if (anyKeyAccepted) return;
  anyKeyAccepted = true;
  const Account = require('s3rver/lib/models/account') as { registry: Map<string, unknown>; DUMMY_ACCOUNT: unknown };
  const registry = Account.registry;
  const get = registry.get.bind(registry);
  registry.get = (key: string) => get(key) ?? Account.DUMMY_ACCOUNT;
}

export async function startS3Emulator(opts: { bucket: string; clock: Clock; directory?: string; port?: number }): Promise<S3Emulator> {
  acceptAnyAccessKey();
  const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;
  const directory = opts.directory ?? mkdtempSync(join(tmpdir(), 'rsched-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: opts.port ?? 0,
    silent: true,
    directory,
    allowMismatchedSignatures: true,
    configureBuckets: [{ name: opts.bucket }],
  });
  const { port } = await server.run();
  const listeners: ((record: S3EventRecord) => void)[] = [];
  // S3's sequencer orders the events of one key. A counter seeded with the wall
  // clock keeps increasing across restarts of `rsched dev` (state is kept).
  let sequencer = BigInt(Date.now()) * 1_000_000n;
  server.on('event', (event) => {
    for (const record of event.Records) {
      const key = record.s3.object.key;
      if (!record.eventName.startsWith('ObjectCreated:') || !MARKER_SUFFIXES.some((s) => key.endsWith(s))) continue;
      sequencer += 1n;
      const normalised: S3EventRecord = {
        eventName: record.eventName,
        eventTime: opts.clock.now().toISOString(),
        s3: {
          bucket: { name: record.s3.bucket.name },
          object: {
            key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'),
            size: record.s3.object.size ?? 0,
            sequencer: sequencer.toString(16).toUpperCase(),
          },
        },
      };
      for (const listener of listeners) listener(normalised);
    }
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket: opts.bucket,
    onNotification: (listener) => listeners.push(listener),
    stop: () => server.close(),
  };
}
