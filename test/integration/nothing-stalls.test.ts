import { describe, expect, it } from 'vitest';
import type { RunDate } from '../../lambdas/domain/run-date';
import { RunState } from '../../lambdas/domain/runs/states';
import { markPropagated } from '../../lambdas/domain/runs/transitions';
import { mark } from '../../lambdas/engine/operations/mark';
import { reconcile } from '../../lambdas/engine/operations/reconcile';
import { replay } from '../../lambdas/engine/operations/replay';
import { sweep } from '../../lambdas/engine/sweep';
import { makeSweeperHandler } from '../../lambdas/handlers/sweeper';
import { MINUTE_MS } from '../../lambdas/ports/clock';
import { dagFrom, EXTERNAL } from '../support/dags';
import { useDynalite } from '../support/dynalite';
import { faultyStore } from '../support/faults';
import { bucketOf, createHarness, ETL_CLUSTER, type Harness, triggerEvent } from '../support/harness';

/**
 * Issue 12: no single run, marker or restart stops the scheduler's progress
 * (SPEC §4.2-4.3 as users read them in docs/runs.md: every wait ends).
 */

const emulator = useDynalite();
const DAY = '2026-11-22' as RunDate;

/** The example DAG's shape around `revenue`. */
const REVENUE = { payments_export: [], sessions: [], revenue: ['payments_export', 'sessions'] };

async function failEarly(h: Harness): Promise<void> {
  await h.handler(triggerEvent('payments_export', DAY));
  await h.handler(triggerEvent('sessions', DAY));
  await h.handler(h.snsEvent(h.marker('payments_export', DAY, 'failed')));
  expect((await h.run('revenue', DAY))?.state).toBe(RunState.UPSTREAM_FAILED);
  // sessions succeeds while revenue is UPSTREAM_FAILED: that success reaches no waiting run.
  await h.handler(h.snsEvent(h.marker('sessions', DAY)));
}

describe('recovery does not leave the chain stuck', () => {
  it('replay --downstream rebuilds the done set from the upstream runs: revenue runs once payments_export succeeds', async () => {
    const h = await createHarness(emulator(), dagFrom(REVENUE));
    await failEarly(h);
    h.clock.advance(10 * MINUTE_MS);
    await replay(h.deps, { job: 'payments_export', date: DAY, downstream: true, by: 'operator:test' });
    expect((await h.run('revenue', DAY))?.doneUpstreams).toEqual(['sessions']);
    await h.handler(h.snsEvent(h.marker('payments_export', DAY)));
    expect((await h.run('revenue', DAY))?.state).toBe(RunState.SUBMITTED);
    expect(h.submitter.countFor('revenue')).toBe(1);
  });

  it('rsched mark (done) on the failed job does the same', async () => {
    const h = await createHarness(emulator(), dagFrom(REVENUE));
    await failEarly(h);
    h.clock.advance(10 * MINUTE_MS);
    const result = await mark(h.deps, bucketOf(h), {
      job: 'payments_export',
      date: DAY,
      failed: false,
      params: {},
      by: 'operator:test',
      prefix: 'markers/',
    });
    expect(result.reopened).toEqual(['payments_export', 'revenue']);
    await h.handler(h.snsEvent(h.marker('payments_export', DAY, 'done', { body: h.markers.bodies.get(result.key) })));
    expect((await h.run('revenue', DAY))?.state).toBe(RunState.SUBMITTED);
  });

  it('rsched mark leaves a run failed when another of its upstreams failed too, instead of waiting forever (soak seed 1275)', async () => {
    // revenue needs payments_export and sessions; report needs revenue. Both roots fail; the operator marks one done.
    const h = await createHarness(emulator(), dagFrom({ ...REVENUE, report: ['revenue'] }));
    await h.handler(triggerEvent('payments_export', DAY));
    await h.handler(triggerEvent('sessions', DAY));
    await h.handler(h.snsEvent(h.marker('sessions', DAY, 'failed')));
    await h.handler(h.snsEvent(h.marker('payments_export', DAY, 'failed')));
    expect((await h.run('report', DAY))?.state).toBe(RunState.UPSTREAM_FAILED);
    h.clock.advance(10 * MINUTE_MS);
    const result = await mark(h.deps, bucketOf(h), {
      job: 'payments_export',
      date: DAY,
      failed: false,
      params: {},
      by: 'operator:test',
      prefix: 'markers/',
    });
    // sessions FAILED and is not reopened: revenue could never start, so neither it nor report waits again.
    expect(result.reopened).toEqual(['payments_export']);
    expect((await h.run('revenue', DAY))?.state).toBe(RunState.UPSTREAM_FAILED);
    expect((await h.run('report', DAY))?.state).toBe(RunState.UPSTREAM_FAILED);
    // Marking sessions done as well lets both continue.
    const second = await mark(h.deps, bucketOf(h), {
      job: 'sessions',
      date: DAY,
      failed: false,
      params: {},
      by: 'operator:test',
      prefix: 'markers/',
    });
    expect(second.reopened).toEqual(['sessions', 'report', 'revenue']);
  });

  it('reconcile repairs a waiting run whose upstream success was never counted', async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [], b: [], c: ['a', 'b'] }, { a: EXTERNAL, b: EXTERNAL }));
    await h.handler(h.snsEvent(h.marker('a', DAY)));
    // b succeeds, but its propagation to c is lost (a handler that died, an event gone).
    const lost = faultyStore(h.store, (call) => (call.method === 'addUpstreamDone' ? 'before' : undefined));
    const { handler } = h.variant({ store: lost.store });
    await expect(handler(h.snsEvent(h.marker('b', DAY)))).rejects.toThrow();
    expect((await h.run('b', DAY))?.state).toBe(RunState.SUCCEEDED);
    expect((await h.run('c', DAY))?.doneUpstreams).toEqual(['a']);
    // b's outcome counts as passed on (as when it came while c was not waiting): only c's own repair can help.
    const b = await h.run('b', DAY);
    if (b) await h.store.transition(markPropagated(b, { at: h.clock.now().toISOString(), by: 'scheduler' }));
    const result = await reconcile(h.deps, bucketOf(h), DAY, { by: 'operator:test' });
    expect(result.fixed.map((f) => `${f.job}:${f.action}`)).toContain('c:repaired-done-set');
    expect((await h.run('c', DAY))?.state).toBe(RunState.SUBMITTED);
  });

  it('a waiting run at its deadline asks its upstreams before timing out', async () => {
    const h = await createHarness(
      emulator(),
      dagFrom({ a: [], b: [], c: ['a', 'b'] }, { a: EXTERNAL, b: EXTERNAL, c: { timeoutMinutes: 30 } }),
    );
    await h.handler(h.snsEvent(h.marker('a', DAY)));
    const lost = faultyStore(h.store, (call) => (call.method === 'addUpstreamDone' ? 'before' : undefined));
    await expect(h.variant({ store: lost.store }).handler(h.snsEvent(h.marker('b', DAY)))).rejects.toThrow();
    h.clock.advance(31 * MINUTE_MS);
    await sweep(h.deps);
    expect((await h.run('c', DAY))?.state).toBe(RunState.SUBMITTED);
    expect(h.alerts.sent).toEqual([]);
  });
});

describe('one fan-in cannot outgrow an item', () => {
  it('seven upstreams with ~60 KB of params each: the child is submitted with all of them', async () => {
    const ups = Array.from({ length: 7 }, (_, i) => `u${i}`);
    const edges: Record<string, string[]> = { ...Object.fromEntries(ups.map((u) => [u, []])), c: ups };
    const overrides = {
      ...Object.fromEntries(ups.map((u) => [u, EXTERNAL])),
      c: {
        // Long values are allowed only where declared (docs/params.md).
        params: Object.fromEntries(ups.map((_, i) => [`k${i}`, { pattern: '^[0-9]{1,60000}$' }])),
        target: { type: 'emr-step' as const, pool: 'etl', step: { args: ups.map((_, i) => `--p${i}={{params.k${i}}}`) } },
      },
    };
    const dag = dagFrom(edges, overrides, { clusters: [{ name: 'etl-cluster', pools: ['etl'] }] });
    const h = await createHarness(emulator(), dag);
    h.clusters.live = [ETL_CLUSTER];
    for (const [i, u] of ups.entries()) {
      const body = JSON.stringify({ params: { [`k${i}`]: String(i).repeat(60_000) } });
      await h.handler(h.snsEvent(h.marker(u, DAY, 'done', { body })));
    }
    expect((await h.run('c', DAY))?.state).toBe(RunState.SUBMITTED);
    const args = h.submitter.calls[0]?.target.type === 'emr-step' ? h.submitter.calls[0].target.args : [];
    expect(args.map((a) => a.length)).toEqual(ups.map(() => 5 + 60_000));
  });
});

describe('the sweep goes on past a run it cannot handle', () => {
  it('a run whose handling throws is alerted and backed off; the other due runs are handled in the same pass', async () => {
    const dag = dagFrom(
      { a: [], z: [], b: ['a', 'z'], c: ['a', 'z'] },
      { a: EXTERNAL, z: EXTERNAL, b: { timeoutMinutes: 30 }, c: { timeoutMinutes: 30 } },
    );
    const h = await createHarness(emulator(), dag);
    // Two runs wait for z; every state change of b fails (a poison run).
    await h.handler(h.snsEvent(h.marker('a', DAY)));
    const poisoned = faultyStore(h.store, (call) =>
      call.method === 'transition' &&
      (call.args[0] as { key: { job: string }; quiet?: boolean }).key.job === 'b' &&
      !(call.args[0] as { quiet?: boolean }).quiet
        ? 'before'
        : undefined,
    );
    const deps = { ...h.deps, store: poisoned.store };
    h.clock.advance(31 * MINUTE_MS);
    const report = await sweep(deps);
    expect(report.failed).toBe(1);
    expect((await h.run('c', DAY))?.state).toBe(RunState.TIMED_OUT);
    const b = await h.run('b', DAY);
    expect(b?.state).toBe(RunState.WAITING);
    expect(b?.sweepFailures).toBe(1);
    expect(b?.dueAt && b.dueAt > h.clock.now().toISOString()).toBe(true);
    expect(h.alerts.kinds()).toEqual(['TIMED_OUT:c', 'DEAD_LETTER:b']);
    // Backed off: the next pass a minute later does not touch it.
    h.clock.advance(MINUTE_MS);
    expect((await sweep(deps)).failed).toBe(0);
  });

  it('pages through the due index: more due runs than a page, and a first page that cannot move, all handled', async () => {
    const dag = dagFrom({ a: [], x: ['a'] }, { a: EXTERNAL, x: { ...EXTERNAL, timeoutMinutes: 30 } });
    const h = await createHarness(emulator(), dag, { tuning: { sweepPageSize: 10 } });
    const dates = Array.from({ length: 35 }, (_, i) => `2026-10-${String((i % 28) + 1).padStart(2, '0')}` as RunDate);
    for (const date of new Set(dates)) await h.handler(h.snsEvent(h.marker('a', date)));
    h.clock.advance(31 * MINUTE_MS);
    const report = await sweep(h.deps);
    expect(report.timedOut).toBe(new Set(dates).size);
  });
});

describe('a sweep short of time', () => {
  it('stops before its Lambda times out and leaves the rest due for the next pass', async () => {
    const dag = dagFrom({ a: [], x: ['a'] }, { a: EXTERNAL, x: { ...EXTERNAL, timeoutMinutes: 30 } });
    const h = await createHarness(emulator(), dag, { tuning: { sweepPageSize: 4 } });
    const dates = Array.from({ length: 10 }, (_, i) => `2026-10-${String(i + 1).padStart(2, '0')}` as RunDate);
    for (const date of dates) await h.handler(h.snsEvent(h.marker('a', date)));
    h.clock.advance(31 * MINUTE_MS);
    let remaining = 60_000;
    const handler = makeSweeperHandler(h.deps);
    // Each due run "takes" 10 s of the Lambda's time; 30 s are kept back.
    const first = await handler(undefined, { getRemainingTimeInMillis: () => (remaining -= 10_000) });
    expect(first).toMatchObject({ truncated: true, timedOut: 3 });
    const second = await handler(undefined, { getRemainingTimeInMillis: () => 120_000 });
    expect(second).toMatchObject({ truncated: false, timedOut: 7 });
  });
});

describe('an external job with upstreams', () => {
  it('waits for its own marker and times out like any wait, with the right next step', async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [], x: ['a'] }, { x: { ...EXTERNAL, timeoutMinutes: 30 } }));
    await h.handler(triggerEvent('a', DAY));
    await h.handler(h.snsEvent(h.marker('a', DAY)));
    expect((await h.run('x', DAY))?.state).toBe(RunState.WAITING);
    h.clock.advance(31 * MINUTE_MS);
    await sweep(h.deps);
    const x = await h.run('x', DAY);
    expect(x?.state).toBe(RunState.TIMED_OUT);
    expect(x?.dueAt).toBeUndefined();
    expect(h.alerts.sent[0]?.next).toContain('rsched mark x --date 2026-11-22');
  });

  it('its marker ends the wait', async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [], x: ['a'], y: ['x'] }, { x: EXTERNAL }));
    await h.handler(triggerEvent('a', DAY));
    await h.handler(h.snsEvent(h.marker('a', DAY)));
    await h.handler(h.snsEvent(h.marker('x', DAY)));
    expect((await h.run('x', DAY))?.state).toBe(RunState.SUCCEEDED);
    expect(h.submitter.countFor('y')).toBe(1);
  });
});

describe('alerts say what actually happened', () => {
  it('a cluster-wait timeout points at the fleet, not at late upstreams', async () => {
    const dag = dagFrom(
      { s: ['r'], r: [] },
      { s: { target: { type: 'emr-step', pool: 'etl', step: { args: ['x'] } }, timeoutMinutes: 30 } },
      {
        clusters: [{ name: 'etl-cluster', pools: ['etl'] }],
      },
    );
    const h = await createHarness(emulator(), dag);
    await h.handler(triggerEvent('r', DAY));
    await h.handler(h.snsEvent(h.marker('r', DAY)));
    expect((await h.run('s', DAY))?.state).toBe(RunState.WAITING_FOR_CLUSTER);
    for (let i = 0; i < 7; i++) {
      h.clock.advance(5 * MINUTE_MS);
      await sweep(h.deps);
    }
    expect((await h.run('s', DAY))?.state).toBe(RunState.TIMED_OUT);
    const alert = h.alerts.sent.find((a) => a.kind === 'TIMED_OUT');
    expect(alert?.next).toContain('pool etl');
    expect(alert?.next).not.toContain('upstreams are late');
  });

  it('an upstream timeout names only the upstreams that really are missing', async () => {
    const h = await createHarness(
      emulator(),
      dagFrom({ a: [], b: [], c: ['a', 'b'] }, { a: EXTERNAL, b: EXTERNAL, c: { timeoutMinutes: 30 } }),
    );
    await h.handler(h.snsEvent(h.marker('a', DAY)));
    h.clock.advance(31 * MINUTE_MS);
    await sweep(h.deps);
    const alert = h.alerts.sent.find((a) => a.kind === 'TIMED_OUT');
    expect(alert?.message).toContain('for b');
    expect(alert?.next).toContain('why b did not succeed');
  });
});
