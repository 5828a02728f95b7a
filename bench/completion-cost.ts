import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { documentClient } from '../lambdas/adapters/aws/clients';
import { DynamoClusterRegistry } from '../lambdas/adapters/aws/dynamodb-cluster-registry';
import { DynamoRunStore } from '../lambdas/adapters/aws/dynamodb-run-store';
import type { Dag, Job } from '../lambdas/domain/config/dag';
import { readConfigDir } from '../lambdas/domain/config/read-dir';
import { loadDag } from '../lambdas/domain/config/validate';
import { formatMarkerKey } from '../lambdas/domain/markers';
import type { RunDate } from '../lambdas/domain/run-date';
import { hoursOf } from '../lambdas/domain/run-hour';
import { RunState } from '../lambdas/domain/runs/states';
import { DEFAULT_TUNING, type EngineDeps } from '../lambdas/engine/deps';
import { onMarker } from '../lambdas/engine/markers';
import { startRoot } from '../lambdas/engine/triggers';
import { createTables, type DynamoEmulator } from '../lambdas/local/dynamodb-emulator';
import { ManualClock } from '../lambdas/ports/clock';
import { silentLog } from '../lambdas/ports/log';

const DATE = '2026-11-22' as RunDate;

/** A job's completion events of the day (one for a daily job, 24 for an hourly one): what they cost and touched. */
export interface CompletionCost {
  readonly job: string;
  /** Completion events summed in this row: the job's periods of the day (docs/hourly.md). */
  readonly events: number;
  readonly requests: number;
  /** Distinct downstream runs written (each one's done set, and its dispatch when it became ready). */
  readonly touched: number;
  /** Downstream runs this completion made ready and submitted (claim + record: two writes each). */
  readonly dispatched: number;
  /** Writes to the completed run itself: its end, then (with dependents) the propagation-finished record. */
  readonly own: number;
}

export interface DayCost {
  readonly completions: readonly CompletionCost[];
  /** Completion events of the day: Σ events. */
  readonly events: number;
  readonly requests: number;
  /** The minimum: Σ (1 + downstream runs touched). */
  readonly minimum: number;
  /** What the exactly-once protocol needs: the minimum plus a claim and a record per dispatched run. */
  readonly protocolMinimum: number;
  /** All requests of the day's completions by DynamoDB operation. */
  readonly byOperation: Readonly<Record<string, number>>;
}

/** The pk/sk of the item a DynamoDB command addresses, marshalled or not. */
function runKeyOf(input: { Key?: Record<string, unknown> } | undefined): string | undefined {
  const value = (v: unknown) => (typeof v === 'object' && v !== null && 'S' in v ? (v as { S: string }).S : v);
  const pk = value(input?.Key?.pk);
  const sk = value(input?.Key?.sk);
  return typeof pk === 'string' && pk.startsWith('RUN#') ? `${pk.slice(4)}|${sk}` : undefined;
}

/** The runs of a job in a day: the day itself, or its 24 UTC hours for an hourly job (docs/hourly.md). */
function periodsOf(job: Job): RunDate[] {
  return job.granularity === 'hourly' ? hoursOf(DATE) : [DATE];
}

/**
 * A day of the example DAG (dag-config/): every root starts, then every run
 * (each hour of an hourly job) completes once, in topological order, each `.done` handled by the engine on
 * the DynamoDB emulator, as the scheduler Lambda would (run store and cluster
 * registry on DynamoDB). Submissions always succeed and every cluster is up
 * all day, so no run waits. Counts each completion's requests and the
 * downstream runs they wrote.
 */
export async function measureExampleDay(emulator: DynamoEmulator, dag: Dag = exampleDag()): Promise<DayCost> {
  const client = emulator.client();
  const tables = { runs: `day-${randomUUID()}`, clusters: `day-c-${randomUUID()}` };
  await createTables(client, tables);
  let requests = 0;
  const keys: string[] = [];
  const byOperation: Record<string, number> = {};
  let counting = false;
  const middleware = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
    requests++;
    if (counting) byOperation[context.commandName ?? '?'] = (byOperation[context.commandName ?? '?'] ?? 0) + 1;
    const key = runKeyOf((args as { input?: { Key?: Record<string, unknown> } }).input);
    if (key) keys.push(key);
    return next(args);
  };
  client.middlewareStack.add(middleware as never, { step: 'initialize', name: 'benchRunKeys' } as never);
  const clock = new ManualClock(`${DATE}T06:00:00Z`);
  const doc = documentClient(client);
  // The real registry (runs on EMR look their pool's clusters up: requests that count), each cluster up all day.
  const registry = new DynamoClusterRegistry(doc, tables.clusters, dag);
  for (const cluster of dag.clusters.values()) {
    const window = { name: cluster.name, windowStart: `${DATE}T00:00:00.000Z`, windowEnd: `${DATE}T23:59:00.000Z` };
    await registry.claimWindow({ ...window, pools: cluster.pools, claimedAt: window.windowStart });
    await registry.setClusterId(cluster.name, window.windowStart, `j-${cluster.name}`, 'WAITING');
    await registry.update(cluster.name, window.windowStart, { masterIp: '10.0.0.1' }); // {{cluster.masterIp}} templates need it
  }
  let submissions = 0;
  const deps: EngineDeps = {
    dag,
    store: new DynamoRunStore(doc, { tableName: tables.runs }),
    submitter: { submit: async () => ({ submissionId: `s-${++submissions}` }), findSubmission: async () => undefined },
    alerts: { publish: async () => {} },
    clusters: registry,
    markers: { read: async () => '' },
    clock,
    log: silentLog,
    tuning: DEFAULT_TUNING,
  };
  for (const job of dag.jobs.values()) {
    if (job.dependsOn.length > 0 || job.target.type === 'external') continue;
    for (const period of periodsOf(job)) await startRoot(deps, job, period, 'trigger:schedule');
  }
  const completions: CompletionCost[] = [];
  for (const name of dag.topologicalOrder) {
    const job = dag.jobs.get(name) as Job;
    const row = { job: name, events: 0, requests: 0, touched: 0, dispatched: 0, own: 0 };
    for (const period of periodsOf(job)) {
      const run = await deps.store.get({ job: name, date: period });
      // A run its calendar excludes is SKIPPED and gets no marker (docs/calendars.md).
      if (run?.state === RunState.SKIPPED) continue;
      if (job.target.type !== 'external' && run?.state !== RunState.SUBMITTED)
        throw new Error(`${name} ${period} is ${run?.state ?? 'missing'}, not SUBMITTED`);
      clock.advance(60_000);
      requests = 0;
      keys.length = 0;
      counting = true;
      const before = submissions;
      const outcome = await onMarker(deps, {
        bucket: 'markers',
        key: formatMarkerKey(name, period, 'done'),
        size: 0,
        eventTime: clock.now().toISOString(),
        sequencer: '01',
      });
      counting = false;
      if (outcome.kind !== 'succeeded') throw new Error(`${name} ${period}: the .done was ${outcome.kind}`);
      const own = `${name}|${period}`;
      row.events++;
      row.requests += requests;
      row.touched += new Set(keys.filter((k) => k !== own)).size;
      row.dispatched += submissions - before;
      row.own += keys.filter((k) => k === own).length;
    }
    if (row.events > 0) completions.push(row);
  }
  client.destroy();
  const sum = (f: (c: CompletionCost) => number) => completions.reduce((s, c) => s + f(c), 0);
  return {
    completions,
    events: sum((c) => c.events),
    requests: sum((c) => c.requests),
    minimum: sum((c) => 1 + c.touched),
    protocolMinimum: sum((c) => 1 + c.touched + 2 * c.dispatched),
    byOperation,
  };
}

export function exampleDag(): Dag {
  return loadDag(readConfigDir(join(__dirname, '..', 'dag-config')));
}
