import { describe, expect, it } from 'vitest';
import type { RunDate } from '../../lambdas/domain/run-date';
import { RunState } from '../../lambdas/domain/runs/states';
import { takeRerunSlot } from '../../lambdas/engine/rerun-slots';
import { dagFrom, EXTERNAL } from '../support/dags';
import { useDynalite } from '../support/dynalite';
import { createHarness } from '../support/harness';

/**
 * The cap on late-data reruns at once (docs/markers.md#late-data-onlateupstream):
 * slots taken by conditional write on dynalite, freed by the run they hold.
 */

const emulator = useDynalite();
const DAY = '2026-11-22' as RunDate;

async function twoSlots() {
  const dag = { ...dagFrom({ up: [], a: ['up'], b: ['up'], c: ['up'] }, { up: EXTERNAL }), maxConcurrentReruns: 2 };
  const h = await createHarness(emulator(), dag);
  await h.handler(h.snsEvent(h.marker('up', DAY)));
  for (const job of ['a', 'b', 'c']) expect((await h.run(job, DAY))?.state).toBe(RunState.SUBMITTED);
  return h;
}

describe('rerun slots', () => {
  it('at most maxConcurrentReruns at once, even when taken concurrently; the same rerun asking again keeps its slot', async () => {
    const h = await twoSlots();
    const taken = await Promise.all(['a', 'b', 'c'].map((job) => takeRerunSlot(h.deps, { job, date: DAY }, 1)));
    expect(taken.filter((s) => s !== undefined)).toHaveLength(2);
    const holder = ['a', 'b', 'c'][taken.findIndex((s) => s !== undefined)] as string;
    expect(await takeRerunSlot(h.deps, { job: holder, date: DAY }, 1)).toBeDefined();
  });

  it('a slot is free again once the attempt it holds has ended, or when it is given back', async () => {
    const h = await twoSlots();
    const a = await takeRerunSlot(h.deps, { job: 'a', date: DAY }, 1);
    expect(await takeRerunSlot(h.deps, { job: 'b', date: DAY }, 1)).toBeDefined();
    expect(await takeRerunSlot(h.deps, { job: 'c', date: DAY }, 1)).toBeUndefined();
    await h.handler(h.snsEvent(h.marker('b', DAY)));
    expect(await takeRerunSlot(h.deps, { job: 'c', date: DAY }, 1)).toBeDefined();
    await a?.release();
    expect(await takeRerunSlot(h.deps, { job: 'x', date: DAY }, 1)).toBeDefined();
  });

  it('a slot taken for an attempt that never started lapses after the claim lease (a handler that died)', async () => {
    const h = await twoSlots();
    // Attempt 2 of a and b would be the reruns; neither is started.
    expect(await takeRerunSlot(h.deps, { job: 'a', date: DAY }, 2)).toBeDefined();
    expect(await takeRerunSlot(h.deps, { job: 'b', date: DAY }, 2)).toBeDefined();
    h.clock.advance(4 * 60_000);
    expect(await takeRerunSlot(h.deps, { job: 'c', date: DAY }, 2)).toBeUndefined();
    h.clock.advance(2 * 60_000);
    expect(await takeRerunSlot(h.deps, { job: 'c', date: DAY }, 2)).toBeDefined();
  });
});
