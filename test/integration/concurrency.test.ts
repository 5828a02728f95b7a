import { describe, expect, it } from 'vitest';
import { addDays, type RunDate } from '../../lambdas/domain/run-date';
import { RunState } from '../../lambdas/domain/runs/states';
import { sweep } from '../../lambdas/engine/sweep';
import { seededRandom } from '../../lambdas/local/random';
import { dagFrom, EXTERNAL } from '../support/dags';
import { useDynalite } from '../support/dynalite';
import { watchSubmissions } from '../support/exactly-once';
import { jitteryStore } from '../support/faults';
import { createHarness, triggerEvent } from '../support/harness';

/**
 * Races that SPEC §4.1 must win by conditional writes, not by luck. Each race
 * is repeated over many run dates; a store that delays every call by 0-3 ms
 * makes the concurrent handlers interleave differently each time.
 */

const emulator = useDynalite();

const dates = (from: string, n: number): RunDate[] => Array.from({ length: n }, (_, i) => addDays(from as RunDate, i));

describe('two upstreams finishing at the same instant', () => {
  it('submit their common downstream exactly once, on every one of 30 dates', async () => {
    const dag = dagFrom({ a: [], b: [], c: ['a', 'b'] }, { a: EXTERNAL, b: EXTERNAL });
    const h = await createHarness(emulator(), dag);
    const random = seededRandom(1);
    const { handler } = h.variant({ store: jitteryStore(h.store, () => Math.floor(random() * 4)) });
    const problems = watchSubmissions(h, dag);
    for (const [i, date] of dates('2031-03-01', 30).entries()) {
      // Same event time, separate invocations, started together; on every other date each event twice.
      const events = [h.marker('a', date), h.marker('b', date)];
      const copies = i % 2 === 0 ? events : [...events, ...events];
      await Promise.all(copies.map((e) => handler(h.snsEvent(e))));
      expect(h.submitter.submittedFor('c', date), date).toBe(1);
      const c = await h.run('c', date);
      expect(c?.doneUpstreams).toEqual(['a', 'b']);
      expect(c?.history.map((e) => e.to)).toEqual([RunState.WAITING, RunState.WAITING, RunState.SUBMITTING, RunState.SUBMITTED]);
    }
    expect(problems).toEqual([]);
  });

  it('submit their common downstream exactly once when both arrive in one batch of records, twice over', async () => {
    const dag = dagFrom({ a: [], b: [], c: ['a', 'b'] }, { a: EXTERNAL, b: EXTERNAL });
    const h = await createHarness(emulator(), dag);
    const date = '2031-05-01';
    const a = h.marker('a', date);
    const b = h.marker('b', date);
    await h.handler(h.snsEvent(a, b, a, b));
    expect(h.submitter.submittedFor('c', date)).toBe(1);
  });
});

describe('a fan-in of 10 upstreams all completing concurrently', () => {
  it('submits the fan-in job once, when the last of them is counted', async () => {
    const upstreams = Array.from({ length: 10 }, (_, i) => `u${i}`);
    const dag = dagFrom(
      { ...Object.fromEntries(upstreams.map((u) => [u, []])), sink: upstreams },
      Object.fromEntries(upstreams.map((u) => [u, EXTERNAL])),
    );
    const h = await createHarness(emulator(), dag);
    const random = seededRandom(2);
    const { handler } = h.variant({ store: jitteryStore(h.store, () => Math.floor(random() * 4)) });
    const problems = watchSubmissions(h, dag);
    for (const date of dates('2031-06-01', 6)) {
      const events = upstreams.map((u) => h.marker(u, date));
      // Ten invocations at once, plus three duplicates among them.
      await Promise.all([...events, ...events.slice(0, 3)].map((e) => handler(h.snsEvent(e))));
      expect(h.submitter.submittedFor('sink', date), date).toBe(1);
      const sink = await h.run('sink', date);
      expect(sink?.doneUpstreams).toEqual([...upstreams].sort());
      expect(sink?.history.filter((e) => e.to === RunState.WAITING)).toHaveLength(10);
      expect(sink?.state).toBe(RunState.SUBMITTED);
    }
    expect(problems).toEqual([]);
  });
});

describe('duplicate root triggers', () => {
  it('start and submit a root once however many invocations race, with sweeps running alongside', async () => {
    const dag = dagFrom({ root: [], next: ['root'] });
    const h = await createHarness(emulator(), dag);
    const random = seededRandom(3);
    const { deps, handler } = h.variant({ store: jitteryStore(h.store, () => Math.floor(random() * 4)) });
    for (const date of dates('2031-07-01', 12)) {
      const late = { ...triggerEvent('root', date), scheduledTime: `${date}T00:00:59.000Z` };
      await Promise.all([...Array.from({ length: 5 }, () => handler(triggerEvent('root', date))), handler(late), sweep(deps), sweep(deps)]);
      expect(h.submitter.submittedFor('root', date), date).toBe(1);
      const root = await h.run('root', date);
      expect(root?.history.map((e) => e.to)).toEqual([RunState.WAITING, RunState.SUBMITTING, RunState.SUBMITTED]);
    }
    // A trigger that arrives after the run finished starts nothing either.
    const date = '2031-07-01';
    await handler(h.snsEvent(h.marker('root', date)));
    const again = await handler(triggerEvent('root', date));
    expect(again.triggers).toEqual([{ job: 'root', outcome: 'already-started' }]);
    expect(h.submitter.submittedFor('root', date)).toBe(1);
    expect(h.submitter.submittedFor('next', date)).toBe(1);
  });
});
