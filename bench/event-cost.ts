import { randomUUID } from 'node:crypto';
import { documentClient, RequestCounter } from '../lambdas/adapters/aws/clients';
import { DynamoRunStore } from '../lambdas/adapters/aws/dynamodb-run-store';
import { dagFromBundle, serialiseConfigBundle } from '../lambdas/domain/config/bundle';
import type { Dag } from '../lambdas/domain/config/dag';
import { loadDag } from '../lambdas/domain/config/validate';
import type { RunDate } from '../lambdas/domain/run-date';
import { DEFAULT_TUNING, type EngineDeps } from '../lambdas/engine/deps';
import { onMarker } from '../lambdas/engine/markers';
import { createTables, type DynamoEmulator } from '../lambdas/local/dynamodb-emulator';
import { ManualClock } from '../lambdas/ports/clock';
import { silentLog } from '../lambdas/ports/log';

/**
 * A DAG of `size` jobs in which job `hub` has `fanOut` dependents (each also
 * waiting for another upstream, so they do not start), the rest a chain;
 * loaded from its compiled config bundle as a Lambda loads it (an index, job
 * bodies read on first use), not as the validated in-memory DAG `cdk synth`
 * builds: a 10,000-job DAG fully in memory is a heap the Lambda never has,
 * and its garbage collections would be timed as handler cost.
 */
export function hubDag(size: number, fanOut: number): Dag {
  const jobs: Record<string, unknown>[] = [
    { name: 'hub', target: { type: 'external' } },
    { name: 'other', target: { type: 'external' } },
  ];
  for (let i = 0; i < fanOut; i++)
    jobs.push({ name: `child_${i}`, dependsOn: ['hub', 'other'], target: { type: 'datapipeline', pipeline: 'p' } });
  // The rest: chains of 50 external jobs, unrelated to the hub.
  for (let i = jobs.length, previous = ''; i < size; i++) {
    const name = `filler_${i}`;
    jobs.push({ name, dependsOn: i % 50 === 0 || previous === '' ? [] : [previous], target: { type: 'external' } });
    previous = name;
  }
  return dagFromBundle(Buffer.from(serialiseConfigBundle(loadDag([{ path: 'bench.json', text: JSON.stringify({ jobs }) }]))));
}

export interface EventCost {
  readonly size: number;
  readonly fanOut: number;
  readonly requests: number;
  readonly byOperation: Record<string, number>;
  /** In-handler time of one event (onMarker on the emulator, over HTTP), percentiles over the samples. */
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** The p-th percentile (nearest rank) of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** Requests and time of one `.done` event of the hub job, over `samples` run dates (one per date, all within DEFAULT_TUNING.markerDaysBack). */
export async function measureEventCost(emulator: DynamoEmulator, size: number, fanOut: number, samples = 350): Promise<EventCost> {
  const dag = hubDag(size, fanOut);
  const client = emulator.client();
  const counter = new RequestCounter().attach(client);
  const tables = { runs: `bench-${randomUUID()}`, clusters: `bench-c-${randomUUID()}` };
  await createTables(client, tables);
  const clock = new ManualClock('2026-11-22T00:00:00Z');
  const deps: EngineDeps = {
    dag,
    store: new DynamoRunStore(documentClient(client), { tableName: tables.runs }),
    submitter: { submit: async () => ({ submissionId: 'x' }), findSubmission: async () => undefined },
    alerts: { publish: async () => {} },
    clusters: { liveClusterFor: async () => undefined },
    markers: { read: async () => '' },
    clock,
    log: silentLog,
    tuning: DEFAULT_TUNING,
  };
  const times: number[] = [];
  let requests = 0;
  let byOperation: Record<string, number> = {};
  // The first events warm the JIT and the emulator's tables up: run, not timed.
  const warmUp = 40;
  // One run date per event, all within the days back a marker may name (engine/markers.ts): an older one is refused, not handled.
  if (warmUp + samples >= DEFAULT_TUNING.markerDaysBack)
    throw new Error(
      `${warmUp} + ${samples} events need as many run dates; markers may name only ${DEFAULT_TUNING.markerDaysBack} days back`,
    );
  const firstDay = clock.now().getTime() - (warmUp + samples + 1) * 86_400_000;
  for (let i = 0; i < warmUp + samples; i++) {
    const date = new Date(firstDay + i * 86_400_000).toISOString().slice(0, 10) as RunDate;
    counter.reset();
    const started = process.hrtime.bigint();
    await onMarker(deps, {
      bucket: 'b',
      key: `hub__${date.replaceAll('-', '')}.done`,
      size: 0,
      eventTime: clock.now().toISOString(),
      sequencer: '01',
    });
    if (i >= warmUp) times.push(Number(process.hrtime.bigint() - started) / 1e6);
    // Every event must do the same work, or the percentiles mix two different events.
    if (i > 0 && counter.total !== requests)
      throw new Error(`event ${i} (${date}) made ${counter.total} DynamoDB requests, the one before ${requests}`);
    requests = counter.total;
    byOperation = Object.fromEntries(counter.counts);
  }
  client.destroy();
  times.sort((a, b) => a - b);
  const ms = (x: number) => Math.round(x * 100) / 100;
  return { size, fanOut, requests, byOperation, p50Ms: ms(percentile(times, 50)), p99Ms: ms(percentile(times, 99)) };
}
