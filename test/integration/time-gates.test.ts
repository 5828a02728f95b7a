import { describe, expect, it } from 'vitest';
import type { RunDate } from '../../lambdas/domain/run-date';
import { RunState } from '../../lambdas/domain/runs/states';
import { NOT_BEFORE_WHY } from '../../lambdas/domain/runs/transitions';
import { runNow } from '../../lambdas/engine/operations/replay';
import { DurationEstimates } from '../../lambdas/engine/predicted-late';
import { sweep } from '../../lambdas/engine/sweep';
import { MINUTE_MS } from '../../lambdas/ports/clock';
import { dagFrom } from '../support/dags';
import { useDynalite } from '../support/dynalite';
import { createHarness, type Harness, triggerEvent } from '../support/harness';

/**
 * notBefore and PREDICTED_LATE through the real handlers and sweeper on the
 * DynamoDB emulator (docs/scheduling.md#time-gates-notbefore, #predicted-late-alerts-predicted_late),
 * under duplicated, reordered and concurrent delivery.
 */

const emulator = useDynalite();
const DAY = '2026-11-22' as RunDate;
const at = (hhmm: string, day: string = DAY) => `${day}T${hhmm}:00.000Z`;

/** Shuffles in place with a fixed seed, so a failure can be replayed. */
function shuffled<T>(items: T[], seed: number): T[] {
  let s = seed;
  for (let i = items.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

describe('notBefore', () => {
  const gated = () => dagFrom({ a: [], b: [], c: ['a', 'b'] }, { c: { notBefore: '06:00' } });

  async function upstreamsDone(h: Harness, copies: number, seed: number): Promise<void> {
    await h.handler(triggerEvent('a', DAY));
    await h.handler(triggerEvent('b', DAY));
    h.clock.set(at('01:00'));
    const events = [h.marker('a', DAY), h.marker('b', DAY)];
    // Every event several times, in a shuffled order, half of them at once.
    const deliveries = shuffled(
      events.flatMap((e) => Array.from({ length: copies }, () => e)),
      seed,
    );
    await Promise.all(deliveries.slice(0, copies).map((e) => h.handler(h.snsEvent(e))));
    for (const e of deliveries.slice(copies)) await h.handler(h.snsEvent(e));
  }

  it('holds a run whose upstreams are done until its gate, with one history entry however often the events come', async () => {
    for (const seed of [1, 7, 42]) {
      const h = await createHarness(emulator(), gated());
      await upstreamsDone(h, 3, seed);
      const held = await h.run('c', DAY);
      expect(held?.state).toBe(RunState.WAITING);
      expect(held?.doneUpstreams).toEqual(['a', 'b']);
      expect(held?.dueAt).toBe(at('06:00'));
      expect(held?.history.filter((e) => e.why.startsWith(NOT_BEFORE_WHY))).toHaveLength(1);
      expect(h.submitter.countFor('c')).toBe(0);
    }
  });

  it('is released by the sweeper at the gate, exactly once under concurrent sweeps and late duplicate events', async () => {
    const h = await createHarness(emulator(), gated());
    await upstreamsDone(h, 2, 3);
    h.clock.set(at('05:59'));
    await sweep(h.deps);
    expect(h.submitter.countFor('c')).toBe(0);
    h.clock.set(at('06:00'));
    // Three sweepers and two more copies of an upstream's event, all at once.
    await Promise.all([
      sweep(h.deps),
      sweep(h.deps),
      sweep(h.deps),
      h.handler(h.snsEvent(h.marker('a', DAY))),
      h.handler(h.snsEvent(h.marker('b', DAY))),
    ]);
    expect(h.submitter.countFor('c')).toBe(1);
    const run = await h.run('c', DAY);
    expect(run?.state).toBe(RunState.SUBMITTED);
    expect(run?.submittedAt).toBe(at('06:00'));
  });

  it('does not hold a run an operator starts now (rsched run)', async () => {
    const h = await createHarness(emulator(), gated());
    h.clock.set(at('02:00'));
    const result = await runNow(h.deps, { job: 'c', date: DAY, by: 'operator:test' });
    expect(result.dispatch).toBe('submitted');
    expect(h.submitter.countFor('c')).toBe(1);
    // The cause is stored with the attempt's first transition, and read back (rsched history).
    const run = await h.run('c', DAY);
    expect(run?.history[0]).toMatchObject({ attempt: 1, cause: 'manual', by: 'operator:test' });
  });
});

describe('PREDICTED_LATE', () => {
  // a (30 min) -> b (30 min), b expected by 02:00.
  const dag = () => dagFrom({ a: [], b: ['a'] }, { b: { expectedBy: '02:00' } });
  const days = ['2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21'];

  /** A normal day: a 00:00-00:30, b 00:30-01:00. */
  async function normalDay(h: Harness, day: string): Promise<void> {
    h.clock.set(at('00:00', day));
    await h.handler(triggerEvent('a', day));
    h.clock.set(at('00:30', day));
    await h.handler(h.snsEvent(h.marker('a', day)));
    h.clock.set(at('01:00', day));
    await h.handler(h.snsEvent(h.marker('b', day)));
  }

  it('is raised once, before the deadline, when the p95 path can no longer make it, under concurrent sweeps', async () => {
    const h = await createHarness(emulator(), dag());
    for (const day of days) await normalDay(h, day);
    // Today a hangs: at p95 the rest (b: 30 min) still fits until 01:30.
    h.clock.set(at('00:00'));
    await h.handler(triggerEvent('a', DAY));
    const estimates = new DurationEstimates(h.store);
    h.clock.set(at('01:30'));
    await Promise.all([sweep(h.deps, { estimates }), sweep(h.deps, { estimates })]);
    expect(h.alerts.sent.filter((a) => a.kind === 'PREDICTED_LATE')).toEqual([]);
    h.clock.advance(MINUTE_MS);
    // Separate containers (no shared memo): the cursor claim and the alert record keep it to one.
    await Promise.all([sweep(h.deps), sweep(h.deps), sweep(h.deps, { estimates })]);
    h.clock.advance(MINUTE_MS);
    await sweep(h.deps, { estimates });
    const predicted = h.alerts.sent.filter((a) => a.kind === 'PREDICTED_LATE');
    expect(predicted).toHaveLength(1);
    expect(predicted[0]).toMatchObject({ job: 'b', date: DAY, attempt: 1 });
    expect(predicted[0]?.message).toContain('expected by 02:00 UTC');
    expect(predicted[0]?.message).toContain('along a → b');
    expect(predicted[0]?.next).toContain('Speed up or unblock a now');
    // LATE follows at the deadline, as before.
    h.clock.set(at('02:00'));
    await sweep(h.deps);
    expect(h.alerts.sent.map((a) => a.kind)).toEqual(['PREDICTED_LATE', 'LATE']);
  });

  it('predicts nothing with too few successful runs', async () => {
    const h = await createHarness(emulator(), dag());
    for (const day of days.slice(0, 2)) await normalDay(h, day);
    h.clock.set(at('00:00'));
    await h.handler(triggerEvent('a', DAY));
    h.clock.set(at('01:50'));
    await sweep(h.deps);
    expect(h.alerts.sent).toEqual([]);
  });
});
