import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfigDir } from '../../lambdas/domain/config/read-dir';
import { loadDag } from '../../lambdas/domain/config/validate';
import { type DevSession, startDev } from '../../lambdas/local/dev';
import { silentLog } from '../../lambdas/ports/log';
import type { AlertRecord } from '../../lambdas/ports/run-store';
import { rsched } from '../support/cli';

/**
 * Restarting `rsched dev` over its `.rsched/` state (docs/local.md#dev): the
 * simulated EMR remembers its clusters, ids never repeat, nothing is dead-lettered.
 * Cluster "early" runs 00:00–00:20, "late" starts at 00:40; the first session
 * stops once early is ready, the second resumes at 00:30 (early's window ended
 * while dev was down) and runs past late's start.
 */
const cluster = (name: string, start: string, stop: string) => ({
  name,
  pools: [name],
  start,
  stop,
  graceMinutes: 1,
  releaseLabel: 'emr-7.5.0',
  instances: { master: 'm5.xlarge' },
  simulation: { provisionMinutes: 4 },
});
const config = { clusters: [cluster('early', '0 0 * * *', '20 0 * * *'), cluster('late', '40 0 * * *', '50 0 * * *')] };

const dir = mkdtempSync(join(tmpdir(), 'rsched-dev-restart-'));
mkdirSync(join(dir, 'dag-config'));
writeFileSync(join(dir, 'dag-config', 'fleet.json'), JSON.stringify(config));
const dag = loadDag(readConfigDir(join(dir, 'dag-config')));
let dev: DevSession | undefined;

async function start(from: string, alerts: AlertRecord[], reset = false): Promise<DevSession> {
  dev = await startDev({
    dag,
    configDir: join(dir, 'dag-config'),
    speed: 300,
    from: new Date(from),
    externals: false,
    stateDir: join(dir, '.rsched'),
    log: silentLog,
    onAlert: (a) => alerts.push(a),
    reset,
  });
  return dev;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const windowOf = async (session: DevSession, name: string) =>
  (await session.runtime.deps.registry.listWindows(name, '2026-11-22T00:00:00.000Z', '2026-11-23T00:00:00.000Z'))[0];

afterAll(async () => {
  await dev?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('rsched dev restarted over its state', () => {
  it('resumes without DEAD_LETTER alerts, and a new cluster never reuses an id', async () => {
    const first: AlertRecord[] = [];
    const one = await start('2026-11-22T00:00:00Z', first);
    const earlyId = await until('early ready', async () => {
      const w = await windowOf(one, 'early');
      return w?.masterIp ? w.clusterId : undefined;
    });
    await one.stop();
    dev = undefined;

    const second: AlertRecord[] = [];
    const two = await start('2026-11-22T00:30:00Z', second);
    const late = await until('late ready', async () => {
      const w = await windowOf(two, 'late');
      return w?.masterIp ? w : undefined;
    });
    // early's window ended while dev was down: the reconcile terminates the cluster it remembers.
    const early = await until('early terminated', async () => {
      const w = await windowOf(two, 'early');
      return w?.terminatedAt ? w : undefined;
    });
    expect(early.clusterId).toBe(earlyId);
    expect(two.runtime.stateOrigin).toBe('resumed');
    expect(late.clusterId).not.toBe(earlyId);
    expect(two.runtime.deadLetters).toEqual([]);
    expect([...first, ...second].filter((a) => a.kind === 'DEAD_LETTER')).toEqual([]);
    await two.stop();
    dev = undefined;
  });

  it('starts from an empty state with reset', async () => {
    const alerts: AlertRecord[] = [];
    const session = await start('2026-11-23T00:30:00Z', alerts, true);
    expect(await windowOf(session, 'early')).toBeUndefined();
    expect(existsSync(join(dir, '.rsched', 'control-plane.json'))).toBe(true);
    expect(session.runtime.emr.list()).toEqual([]);
    expect(session.runtime.stateOrigin).toBe('new');
    const help = await rsched(['dev', '--help']);
    expect(help.stdout).toMatch(/--reset\s+start from an empty state/);
  });
});
