import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { documentClient } from '../../lambdas/adapters/aws/clients';
import { DynamoClusterRegistry } from '../../lambdas/adapters/aws/dynamodb-cluster-registry';
import { createTables } from '../../lambdas/local/dynamodb-emulator';
import type { ClusterWindowRecord } from '../../lambdas/ports/cluster-registry';
import { dagFrom } from '../support/dags';
import { useDynalite } from '../support/dynalite';

// Two clusters serve pool etl: `night` 00:00–03:00 and `early` 02:00–08:00 (they overlap 02:00–03:00).
const dag = dagFrom(
  {},
  {},
  {
    clusters: [
      { name: 'night', pools: ['etl'], start: '0 0 * * *', stop: '0 3 * * *' },
      { name: 'early', pools: ['etl', 'adhoc'], start: '0 2 * * *', stop: '0 8 * * *' },
    ],
  },
);
const NIGHT = { name: 'night', windowStart: '2026-11-22T00:00:00.000Z', windowEnd: '2026-11-22T03:00:00.000Z', pools: ['etl'] };
const EARLY = { name: 'early', windowStart: '2026-11-22T02:00:00.000Z', windowEnd: '2026-11-22T08:00:00.000Z', pools: ['etl', 'adhoc'] };

const emulator = useDynalite();

async function registry(): Promise<{
  registry: DynamoClusterRegistry;
  raw: (pk: string, sk: string) => Promise<Record<string, unknown> | undefined>;
}> {
  const client = emulator().client();
  const tables = { runs: `runs-${randomUUID()}`, clusters: `clusters-${randomUUID()}` };
  await createTables(client, tables);
  const doc = documentClient(client);
  return {
    registry: new DynamoClusterRegistry(doc, tables.clusters, dag),
    raw: async (pk, sk) => (await doc.send(new GetCommand({ TableName: tables.clusters, Key: { pk, sk } }))).Item,
  };
}

/** A claimed window whose cluster `clusterId` is up (READY) since `readyAt`. */
async function live(r: DynamoClusterRegistry, w: typeof NIGHT, clusterId: string, readyAt: string): Promise<void> {
  await r.claimWindow({ ...w, claimedAt: w.windowStart });
  await r.setClusterId(w.name, w.windowStart, clusterId, 'STARTING');
  await r.update(w.name, w.windowStart, { state: 'WAITING', readyAt, masterIp: '10.0.0.12' });
}

describe('claims', () => {
  it('lets exactly one of many concurrent claims of a window win; the others read the claim', async () => {
    const { registry: r } = await registry();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => r.claimWindow({ ...NIGHT, claimedAt: `2026-11-22T00:00:0${i}.000Z` })),
    );
    expect(results.filter((x) => x === 'claimed')).toHaveLength(1);
    const losers = results.filter((x): x is ClusterWindowRecord => x !== 'claimed');
    expect(new Set(losers.map((l) => l.claimedAt)).size).toBe(1);
    expect(losers[0]).toMatchObject({ ...NIGHT, state: 'PROVISIONING' });
    expect(losers[0]).not.toHaveProperty('stateRank');
  });

  it('lets exactly one of two invocations take over a claim, and none once a cluster id is recorded', async () => {
    const { registry: r } = await registry();
    await r.claimWindow({ ...NIGHT, claimedAt: NIGHT.windowStart });
    const takeovers = await Promise.all([
      r.takeOverClaim('night', NIGHT.windowStart, NIGHT.windowStart, '2026-11-22T00:03:00.000Z'),
      r.takeOverClaim('night', NIGHT.windowStart, NIGHT.windowStart, '2026-11-22T00:03:00.500Z'),
    ]);
    expect(takeovers.sort()).toEqual([false, true]);
    const current = (await r.listWindows('night', NIGHT.windowStart, NIGHT.windowStart))[0];
    await r.setClusterId('night', NIGHT.windowStart, 'j-1', 'STARTING');
    expect(await r.takeOverClaim('night', NIGHT.windowStart, current?.claimedAt as string, '2026-11-22T00:09:00.000Z')).toBe(false);
  });

  it('turns a FAILED_TO_START window back into a fresh PROVISIONING claim when taken over', async () => {
    const { registry: r } = await registry();
    await r.claimWindow({ ...NIGHT, claimedAt: NIGHT.windowStart });
    await r.update('night', NIGHT.windowStart, { state: 'FAILED_TO_START', stateReason: 'RunJobFlow refused' });
    expect(await r.takeOverClaim('night', NIGHT.windowStart, NIGHT.windowStart, '2026-11-22T00:30:00.000Z')).toBe(true);
    const window = (await r.listWindows('night', NIGHT.windowStart, NIGHT.windowStart))[0];
    expect(window).toMatchObject({ state: 'PROVISIONING', claimedAt: '2026-11-22T00:30:00.000Z' });
    expect(window?.stateReason).toBeUndefined();
    // Ranked from the bottom again: STARTING applies.
    expect(await r.update('night', NIGHT.windowStart, { state: 'STARTING' })).toMatchObject({ state: 'STARTING' });
  });
});

describe('state updates', () => {
  it('never moves a window back to a lower-ranked state; patches without a state always apply', async () => {
    const { registry: r } = await registry();
    await r.claimWindow({ ...NIGHT, claimedAt: NIGHT.windowStart });
    await r.setClusterId('night', NIGHT.windowStart, 'j-1', 'STARTING');
    expect(await r.update('night', NIGHT.windowStart, { state: 'WAITING' })).toMatchObject({ state: 'WAITING' });
    expect(await r.update('night', NIGHT.windowStart, { state: 'BOOTSTRAPPING' })).toBeUndefined();
    expect(await r.update('night', NIGHT.windowStart, { state: 'RUNNING' })).toMatchObject({ state: 'RUNNING' });
    expect(await r.update('night', NIGHT.windowStart, { state: 'TERMINATED', terminatedAt: '2026-11-22T03:05:00.000Z' })).toMatchObject({
      state: 'TERMINATED',
    });
    expect(await r.update('night', NIGHT.windowStart, { state: 'WAITING' })).toBeUndefined();
    expect(await r.update('night', NIGHT.windowStart, { draining: true })).toMatchObject({ state: 'TERMINATED', draining: true });
    // A window nobody claimed is not created by an update.
    expect(await r.update('night', '2026-11-23T00:00:00.000Z', { draining: true })).toBeUndefined();
    expect(await r.listWindows('night', '2026-11-23T00:00:00.000Z', '2026-11-23T00:00:00.000Z')).toEqual([]);
  });

  it('finds a window by its EMR cluster id through the alias item; both expire 90 days after the window', async () => {
    const { registry: r, raw } = await registry();
    await r.claimWindow({ ...NIGHT, claimedAt: NIGHT.windowStart });
    await r.setClusterId('night', NIGHT.windowStart, 'j-2AXXXXXXGAPLF', 'STARTING');
    expect(await r.findByClusterId('j-2AXXXXXXGAPLF')).toMatchObject({ ...NIGHT, clusterId: 'j-2AXXXXXXGAPLF', state: 'STARTING' });
    expect(await r.findByClusterId('j-UNKNOWN')).toBeUndefined();
    const expiresAt = Date.parse(NIGHT.windowEnd) / 1000 + 90 * 86_400;
    expect((await raw('CLUSTER#night', NIGHT.windowStart))?.expiresAt).toBe(expiresAt);
    expect(await raw('ID#j-2AXXXXXXGAPLF', 'ID')).toMatchObject({ name: 'night', windowStart: NIGHT.windowStart, expiresAt });
  });
});

describe('windows and routing', () => {
  it('lists windows by start and finds the latest one started at an instant', async () => {
    const { registry: r } = await registry();
    const days = ['2026-11-20', '2026-11-21', '2026-11-22'];
    for (const day of days) {
      await r.claimWindow({
        ...NIGHT,
        windowStart: `${day}T00:00:00.000Z`,
        windowEnd: `${day}T03:00:00.000Z`,
        claimedAt: `${day}T00:00:00.000Z`,
      });
    }
    expect((await r.listWindows('night', '2026-11-21T00:00:00.000Z', '2026-11-22T00:00:00.000Z')).map((w) => w.windowStart)).toEqual([
      '2026-11-21T00:00:00.000Z',
      '2026-11-22T00:00:00.000Z',
    ]);
    expect((await r.currentWindow('night', '2026-11-21T23:59:59.999Z'))?.windowStart).toBe('2026-11-21T00:00:00.000Z');
    expect((await r.currentWindow('night', '2026-11-22T00:00:00.000Z'))?.windowStart).toBe('2026-11-22T00:00:00.000Z');
    expect(await r.currentWindow('night', '2026-11-19T12:00:00.000Z')).toBeUndefined();
  });

  it('routes a pool to the live cluster that stays up longest, and never to one not ready, draining or outside its window', async () => {
    const { registry: r } = await registry();
    const at = (hhmm: string) => new Date(`2026-11-22T${hhmm}:00.000Z`);
    // The registry answers for "now": the state stored is the state at the instant asked about.
    await r.claimWindow({ ...NIGHT, claimedAt: NIGHT.windowStart });
    await r.setClusterId('night', NIGHT.windowStart, 'j-NIGHT', 'STARTING');
    expect(await r.liveClusterFor('etl', at('00:05'))).toBeUndefined(); // night not ready yet
    await live(r, NIGHT, 'j-NIGHT', '2026-11-22T00:08:00.000Z');
    await r.claimWindow({ ...EARLY, claimedAt: EARLY.windowStart });
    await r.setClusterId('early', EARLY.windowStart, 'j-EARLY', 'STARTING');

    expect((await r.liveClusterFor('etl', at('01:00')))?.id).toBe('j-NIGHT');
    expect((await r.liveClusterFor('etl', at('02:05')))?.id).toBe('j-NIGHT'); // early still STARTING
    expect(await r.liveClusterFor('adhoc', at('02:05'))).toBeUndefined();

    await r.update('early', EARLY.windowStart, { state: 'WAITING', readyAt: '2026-11-22T02:08:00.000Z' });
    expect(await r.liveClusterFor('etl', at('02:10'))).toMatchObject({ name: 'early', id: 'j-EARLY', windowEnd: EARLY.windowEnd });
    expect((await r.liveClusterFor('adhoc', at('02:10')))?.id).toBe('j-EARLY');

    await r.update('early', EARLY.windowStart, { draining: true });
    expect((await r.liveClusterFor('etl', at('02:10')))?.id).toBe('j-NIGHT');
    expect(await r.liveClusterFor('etl', at('03:00'))).toBeUndefined(); // night's window is over
    expect(await r.liveClusterFor('nobody-serves-this', at('01:00'))).toBeUndefined();
  });
});
