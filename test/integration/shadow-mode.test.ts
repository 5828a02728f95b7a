import { describe, expect, it } from 'vitest';
import { addDays, type RunDate } from '../../lambdas/domain/run-date';
import { RunState } from '../../lambdas/domain/runs/states';
import type { Transition } from '../../lambdas/domain/runs/transitions';
import { replay } from '../../lambdas/engine/operations/replay';
import { sweep } from '../../lambdas/engine/sweep';
import { seededRandom } from '../../lambdas/local/random';
import { dagFrom, EXTERNAL } from '../support/dags';
import { useDynalite } from '../support/dynalite';
import { interceptStore, jitteryStore } from '../support/faults';
import { createHarness, ETL_CLUSTER, type Harness, triggerEvent } from '../support/harness';
import { historyProblems } from '../support/runs';

/**
 * Shadow mode (docs/shadow.md) through the real scheduler handler and the
 * real sweep on dynalite: one shadow decision per attempt however events are
 * duplicated or raced, the old scheduler's markers driving the runs, no call
 * of any kind to the control plane, and no alert published.
 */

const emulator = useDynalite();
const DATE = '2026-11-22';
const SHADOW = { mode: 'shadow' } as const;
const minutes = (n: number) => n * 60_000;
const dates = (from: string, n: number): RunDate[] => Array.from({ length: n }, (_, i) => addDays(from as RunDate, i));

/** History targets of the run, oldest first. */
async function statesOf(h: Harness, job: string, date: string): Promise<string[]> {
  return (await h.run(job, date))?.history.map((e) => e.to) ?? [];
}

function expectNoControlPlaneCall(h: Harness): void {
  expect(h.submitter.calls).toEqual([]);
  expect(h.submitter.lookups).toEqual([]);
}

describe('a shadow job whose upstreams finish together', () => {
  it('records exactly one shadow decision per date under duplicated, concurrent deliveries, and calls nothing', async () => {
    const dag = dagFrom({ a: [], b: [], c: ['a', 'b'] }, { a: EXTERNAL, b: EXTERNAL, c: SHADOW });
    const h = await createHarness(emulator(), dag);
    const random = seededRandom(7);
    const { handler } = h.variant({ store: jitteryStore(h.store, () => Math.floor(random() * 4)) });
    for (const [i, date] of dates('2031-03-01', 12).entries()) {
      const events = [h.marker('a', date), h.marker('b', date)];
      const copies = i % 2 === 0 ? [...events, ...events] : [...events, ...events, ...events];
      await Promise.all(copies.map((e) => handler(h.snsEvent(e))));
      const c = await h.run('c', date);
      expect(c?.state, date).toBe(RunState.SHADOW_SUBMITTED);
      expect(
        c?.history.filter((e) => e.to === RunState.SHADOW_SUBMITTED),
        date,
      ).toHaveLength(1);
      expect(
        c?.history.filter((e) => e.to === RunState.SUBMITTING),
        date,
      ).toHaveLength(1);
      // The exact request the Data Pipeline submitter would have been given, templates rendered.
      expect(c?.shadow).toEqual({
        at: c?.claimedAt,
        attempt: 1,
        request: { target: { type: 'datapipeline', pipeline: 'c-pipeline', parameters: { myDate: date } } },
      });
      expect(c?.history.at(-1)?.why).toContain(`"myDate":"${date}"`);
      expect(c?.dueAt).toBeUndefined();
      expect(historyProblems(c), date).toEqual([]);
    }
    expectNoControlPlaneCall(h);
  });

  it('also records one decision when both upstream markers come in one batch of records, twice over', async () => {
    const dag = dagFrom({ a: [], b: [], c: ['a', 'b'] }, { a: EXTERNAL, b: EXTERNAL, c: SHADOW });
    const h = await createHarness(emulator(), dag);
    const a = h.marker('a', DATE);
    const b = h.marker('b', DATE);
    await h.handler(h.snsEvent(a, b, a, b));
    expect((await h.run('c', DATE))?.history.filter((e) => e.to === RunState.SHADOW_SUBMITTED)).toHaveLength(1);
    expectNoControlPlaneCall(h);
  });
});

describe('the old scheduler’s markers drive shadow runs', () => {
  it('end a shadow run, and its downstream shadow run then decides in turn; a duplicate .done changes nothing', async () => {
    const dag = dagFrom({ root: [], mid: ['root'], leaf: ['mid'] }, {}, { defaults: { mode: 'shadow' } });
    const h = await createHarness(emulator(), dag);
    // The root's schedule fires: we decide at once; the old system runs it and writes the marker.
    await h.handler(triggerEvent('root', DATE));
    expect(await statesOf(h, 'root', DATE)).toEqual([RunState.WAITING, RunState.SUBMITTING, RunState.SHADOW_SUBMITTED]);
    h.clock.advance(minutes(20));
    const done = h.marker('root', DATE);
    await h.handler(h.snsEvent(done));
    await h.handler(h.snsEvent(done));
    expect((await h.run('root', DATE))?.state).toBe(RunState.SUCCEEDED);
    const mid = await h.run('mid', DATE);
    expect(mid?.state).toBe(RunState.SHADOW_SUBMITTED);
    expect(mid?.shadow?.at).toBe(h.clock.now().toISOString());
    h.clock.advance(minutes(30));
    await h.handler(h.snsEvent(h.marker('mid', DATE)));
    expect((await h.run('mid', DATE))?.state).toBe(RunState.SUCCEEDED);
    expect((await h.run('leaf', DATE))?.state).toBe(RunState.SHADOW_SUBMITTED);
    expectNoControlPlaneCall(h);
    expect(h.alerts.sent).toEqual([]);
  });

  it('never times out at maxRuntimeMinutes and raises nothing, however long the old system takes', async () => {
    const dag = dagFrom({ a: [], c: ['a'] }, { a: EXTERNAL, c: { ...SHADOW, maxRuntimeMinutes: 30, timeoutMinutes: 60 } });
    const h = await createHarness(emulator(), dag);
    await h.handler(h.snsEvent(h.marker('a', DATE)));
    for (let i = 0; i < 6; i++) {
      h.clock.advance(minutes(60));
      await sweep(h.deps);
    }
    expect((await h.run('c', DATE))?.state).toBe(RunState.SHADOW_SUBMITTED);
    expect(h.alerts.sent).toEqual([]);
    expect(await h.store.listAlerts(DATE as RunDate)).toEqual([]);
    h.clock.advance(minutes(60));
    await h.handler(h.snsEvent(h.marker('c', DATE)));
    expect((await h.run('c', DATE))?.state).toBe(RunState.SUCCEEDED);
    expectNoControlPlaneCall(h);
  });

  it('retries a failed shadow attempt as a new decision, and records the final FAILED alert without sending it', async () => {
    const dag = dagFrom({ a: [], c: ['a'], d: ['c'] }, { a: EXTERNAL, c: { ...SHADOW, retries: 1, retryDelayMinutes: 10 } });
    const h = await createHarness(emulator(), dag);
    await h.handler(h.snsEvent(h.marker('a', DATE)));
    h.clock.advance(minutes(5));
    await h.handler(h.snsEvent(h.marker('c', DATE, 'failed')));
    expect((await h.run('c', DATE))?.state).toBe(RunState.RETRYING);
    h.clock.advance(minutes(10));
    await sweep(h.deps);
    const retried = await h.run('c', DATE);
    expect(retried?.state).toBe(RunState.SHADOW_SUBMITTED);
    expect(retried?.shadow?.attempt).toBe(2);
    h.clock.advance(minutes(5));
    await h.handler(h.snsEvent(h.marker('c', DATE, 'failed')));
    const failed = await h.run('c', DATE);
    expect(failed?.state).toBe(RunState.FAILED);
    expect(historyProblems(failed)).toEqual([]);
    expect(failed?.history.filter((e) => e.to === RunState.SHADOW_SUBMITTED).map((e) => e.attempt)).toEqual([1, 2]);
    expect((await h.run('d', DATE))?.state).toBe(RunState.UPSTREAM_FAILED);
    expect(h.alerts.sent).toEqual([]);
    const recorded = await h.store.listAlerts(DATE as RunDate);
    expect(recorded.map((a) => [a.kind, a.job, a.shadow])).toEqual([['FAILED', 'c', true]]);
    expectNoControlPlaneCall(h);
  });

  it('still sends alerts about live jobs and about the scheduler itself', async () => {
    const dag = dagFrom({ a: [], c: ['a'], live: ['a'] }, { a: EXTERNAL, c: SHADOW });
    const h = await createHarness(emulator(), dag);
    await h.handler(h.snsEvent(h.marker('a', DATE)));
    expect(h.submitter.countFor('live')).toBe(1);
    expect(h.submitter.countFor('c')).toBe(0);
    await h.handler(h.snsEvent(h.marker('live', DATE, 'failed'), h.marker('c', DATE, 'failed')));
    expect(h.alerts.kinds()).toEqual(['FAILED:live']);
  });
});

describe('alerts and early markers of shadow runs', () => {
  it('records a LATE deadline of a shadow job as a shadow alert and sends nothing', async () => {
    const dag = dagFrom({ a: [], c: ['a'] }, { a: EXTERNAL, c: { ...SHADOW, expectedBy: '01:00' } });
    const h = await createHarness(emulator(), dag);
    await sweep(h.deps);
    h.clock.set(`${DATE}T01:01:00.000Z`);
    await sweep(h.deps);
    expect(h.alerts.sent).toEqual([]);
    expect((await h.store.listAlerts(DATE as RunDate)).map((a) => [a.kind, a.job, a.shadow])).toEqual([['LATE', 'c', true]]);
  });

  it('lets the old scheduler’s marker end a run we had not decided to start; the late upstream then starts nothing', async () => {
    const dag = dagFrom({ a: [], b: [], c: ['a', 'b'] }, { a: EXTERNAL, b: EXTERNAL, c: SHADOW });
    const h = await createHarness(emulator(), dag);
    await h.handler(h.snsEvent(h.marker('a', DATE)));
    await h.handler(h.snsEvent(h.marker('c', DATE)));
    h.clock.advance(minutes(30));
    await h.handler(h.snsEvent(h.marker('b', DATE)));
    const c = await h.run('c', DATE);
    expect(c?.state).toBe(RunState.SUCCEEDED);
    expect(c?.shadow).toBeUndefined();
    expect(c?.history.map((e) => e.to)).toEqual([RunState.WAITING, RunState.SUCCEEDED]);
    expectNoControlPlaneCall(h);
  });
});

describe('an operator replaying a shadow run', () => {
  it('needs no --force while it is SHADOW_SUBMITTED, and makes a new decision that submits nothing', async () => {
    const dag = dagFrom({ a: [], c: ['a'] }, { a: EXTERNAL, c: SHADOW });
    const h = await createHarness(emulator(), dag);
    await h.handler(h.snsEvent(h.marker('a', DATE)));
    h.clock.advance(minutes(10));
    const result = await replay(h.deps, { job: 'c', date: DATE as RunDate, downstream: false, by: 'operator:test' });
    expect(result.dispatch).toBe('shadow');
    const c = await h.run('c', DATE);
    expect(c?.state).toBe(RunState.SHADOW_SUBMITTED);
    expect(c?.shadow).toMatchObject({ attempt: 2, at: h.clock.now().toISOString() });
    expect(historyProblems(c).filter((p) => !p.includes('replay'))).toEqual([]);
    expectNoControlPlaneCall(h);
  });
});

describe('the cost of a shadow decision', () => {
  it('is the DynamoDB requests of a live submission: the same claim and one write instead of the record', async () => {
    const counts = async (mode: 'live' | 'shadow') => {
      const h = await createHarness(emulator(), dagFrom({ a: [], c: ['a'] }, { a: EXTERNAL, c: { mode } }));
      const event = h.snsEvent(h.marker('a', DATE));
      h.counter.reset();
      await h.handler(event);
      return Object.fromEntries(h.counter.counts);
    };
    const live = await counts('live');
    expect(await counts('shadow')).toEqual(live);
    // 1 (a succeeds) + 1 (c counts it) + 2 (claim, record) + 1 (a propagated): docs/shadow.md
    expect(live).toEqual({ UpdateItemCommand: 5 });
  });
});

describe('a shadow claim whose handler died', () => {
  it('is recovered by the sweeper into its decision, without asking the control plane', async () => {
    const dag = dagFrom({ a: [], c: ['a'] }, { a: EXTERNAL, c: SHADOW });
    const h = await createHarness(emulator(), dag);
    // The handler dies right after its claim: the write of the decision never happens.
    const dying = interceptStore(h.store, async (call, proceed) => {
      if (call.method === 'transition' && (call.args[0] as Transition).to === RunState.SHADOW_SUBMITTED) throw new Error('killed');
      return proceed();
    });
    await expect(h.variant({ store: dying.store }).handler(h.snsEvent(h.marker('a', DATE)))).rejects.toThrow('killed');
    expect((await h.run('c', DATE))?.state).toBe(RunState.SUBMITTING);
    const claimedAt = (await h.run('c', DATE))?.claimedAt;
    h.clock.advance(minutes(6));
    await sweep(h.deps);
    const c = await h.run('c', DATE);
    expect(c?.state).toBe(RunState.SHADOW_SUBMITTED);
    expect(c?.shadow?.at).toBe(claimedAt);
    expect(c?.history.filter((e) => e.to === RunState.SHADOW_SUBMITTED)).toHaveLength(1);
    expectNoControlPlaneCall(h);
  });
});

describe('a shadow emr-step job', () => {
  it('records the step it would have added to the live cluster of its pool, cluster templates rendered', async () => {
    const dag = dagFrom(
      { a: [], step: ['a'] },
      {
        a: EXTERNAL,
        step: {
          ...SHADOW,
          target: { type: 'emr-step', pool: 'etl', step: { args: ['spark-submit', '--master-ip', '{{cluster.masterIp}}', '{{date}}'] } },
        },
      },
      { clusters: [{ name: 'etl-cluster', pools: ['etl'] }] },
    );
    const h = await createHarness(emulator(), dag);
    h.clusters.live = [ETL_CLUSTER];
    await h.handler(h.snsEvent(h.marker('a', DATE)));
    const run = await h.run('step', DATE);
    expect(run?.state).toBe(RunState.SHADOW_SUBMITTED);
    expect(run?.shadow?.request).toEqual({
      target: {
        type: 'emr-step',
        args: ['spark-submit', '--master-ip', '10.0.0.1', DATE],
        jar: 'command-runner.jar',
        actionOnFailure: 'CONTINUE',
      },
      cluster: { id: 'j-1', name: 'etl-cluster', masterIp: '10.0.0.1' },
    });
    expectNoControlPlaneCall(h);
  });
});
