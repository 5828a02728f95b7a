import { afterEach, describe, expect, it } from 'vitest';
import { loadDag } from '../../lambdas/domain/config/validate';
import { addDays, type RunDate } from '../../lambdas/domain/run-date';
import { advanceBackfills, backfillStatus, cancelBackfill, createBackfill, planBackfill } from '../../lambdas/engine/operations/backfill';
import { type SessionOptions, SimulationSession } from '../../lambdas/local/simulate';
import type { BackfillReprocess } from '../../lambdas/ports/backfill-store';
import { faultyStore, firstCall } from '../support/faults';
import { dp, SIM_DATE } from '../support/simulation';

/** Backfills that never corrupt a date, never start what cannot complete, and say why (docs/scheduling.md#backfills). */
const OPERATOR = 'operator:test' as const;
const YESTERDAY = addDays(SIM_DATE, -1);
let session: SimulationSession | undefined;

afterEach(async () => {
  await session?.stop();
  session = undefined;
});

async function startDay(jobs: Record<string, unknown>[], opts: Partial<SessionOptions> = {}): Promise<SimulationSession> {
  const dag = loadDag([{ path: 'bf.json', text: JSON.stringify({ jobs }) }]);
  session = await SimulationSession.start({ dag, start: new Date(`${SIM_DATE}T00:00:00Z`), ...opts });
  return session;
}

const request = (job: string, from: RunDate, to: RunDate, extra: { downstream?: boolean; reprocess?: BackfillReprocess } = {}) => ({
  job,
  from,
  to,
  downstream: extra.downstream ?? false,
  reprocess: extra.reprocess ?? ('missing' as BackfillReprocess),
  parallel: 1,
  by: OPERATOR,
});

describe('backfill: a transient error while starting a date', () => {
  it('leaves the date pending (never "running"), then reruns it rather than judging it from its old state', async () => {
    const fail = new Set(['root']);
    const s = await startDay([dp('root')], { overrides: { fail, hang: new Set(), durations: new Map() } });
    s.scheduleDay(SIM_DATE);
    await s.run(new Date(`${SIM_DATE}T01:00:00Z`));
    fail.delete('root');
    const { deps, backfills } = s.runtime;
    const created = await createBackfill(deps, backfills, request('root', SIM_DATE, SIM_DATE, { reprocess: 'failed' }));
    // The replay's first write is throttled.
    const throttled = faultyStore(
      deps.store,
      firstCall((c) => c.method === 'transition', 'before'),
    );
    expect(await advanceBackfills({ ...deps, store: throttled.store }, backfills)).toBe(0);
    expect(throttled.faults).toHaveLength(1);
    const after = (await backfills.getBackfill(created.id))?.dates[SIM_DATE];
    expect(after?.status).toBe('pending');
    expect(after?.note).toMatch(/could not start: .*ProvisionedThroughputExceeded|could not start: .*throughput/);
    // The next advances start it and follow it to its end.
    await s.run(new Date(`${SIM_DATE}T02:00:00Z`));
    const done = await backfills.getBackfill(created.id);
    expect(done?.state).toBe('DONE');
    expect(done?.dates[SIM_DATE]?.status).toBe('succeeded');
    expect(s.runtime.submissions.countFor('root', SIM_DATE)).toBe(2);
  });
});

describe('backfill: upstream runs outside the backfill', () => {
  it("waits for today's upstreams before starting today's run, and blocks a past date whose upstream has no run", async () => {
    const s = await startDay([dp('up', [], { schedule: '0 1 * * *' }), dp('child', ['up'])]);
    s.scheduleDay(SIM_DATE);
    const { deps, backfills } = s.runtime;
    const plan = await planBackfill(deps, request('child', YESTERDAY, SIM_DATE, { reprocess: 'all' }));
    expect(plan.map((d) => [d.date, d.action, d.reason ?? '', d.cannotComplete])).toEqual([
      [
        YESTERDAY,
        'blocked',
        expect.stringContaining('never complete'),
        [{ job: 'child', why: `needs up, which has no run for ${YESTERDAY}` }],
      ],
      [SIM_DATE, 'wait', 'waits for upstream runs not done yet: up (PENDING)', []],
    ]);
    const created = await createBackfill(deps, backfills, request('child', YESTERDAY, SIM_DATE, { reprocess: 'all' }));
    await s.run(new Date(`${SIM_DATE}T02:00:00Z`));
    const upDone = (await deps.store.get({ job: 'up', date: SIM_DATE }))?.finishedAt as string;
    expect(upDone).toBe(`${SIM_DATE}T01:10:00.000Z`);
    const childSubmissions = s.runtime.submissions.all.filter((x) => x.job === 'child' && x.date === SIM_DATE);
    // The day's own run (after up), then the backfill's rerun once that one ended: never before up.
    expect(childSubmissions.map((x) => x.attempt)).toEqual([1, 2]);
    for (const x of childSubmissions) expect(x.at.toISOString() >= upDone).toBe(true);
    expect(s.runtime.submissions.countFor('child', YESTERDAY)).toBe(0);
    const b = await backfills.getBackfill(created.id);
    expect(b?.dates[YESTERDAY]).toMatchObject({ status: 'blocked', note: `child: needs up, which has no run for ${YESTERDAY}` });
    expect(b?.dates[SIM_DATE]?.status).toBe('succeeded');
  });

  it('--downstream: the plan names the runs that cannot complete and why, and the date starts nothing', async () => {
    const s = await startDay([dp('a'), dp('b'), dp('c', ['a', 'b']), dp('d', ['c'])]);
    const { deps, backfills } = s.runtime;
    const plan = await planBackfill(deps, request('a', YESTERDAY, YESTERDAY, { downstream: true }));
    expect(plan[0]).toMatchObject({
      action: 'blocked',
      jobs: ['a', 'c', 'd'],
      cannotComplete: [
        { job: 'c', why: `needs b, which has no run for ${YESTERDAY}` },
        { job: 'd', why: 'comes after c, which cannot complete' },
      ],
    });
    const created = await createBackfill(deps, backfills, request('a', YESTERDAY, YESTERDAY, { downstream: true }));
    await s.run(new Date(`${SIM_DATE}T00:10:00Z`));
    expect(s.runtime.submissions.all).toEqual([]);
    const status = await backfillStatus(deps, (await backfills.getBackfill(created.id)) as never);
    expect(status).toEqual([
      {
        date: YESTERDAY,
        status: 'blocked',
        note: `c: needs b, which has no run for ${YESTERDAY}; d: comes after c, which cannot complete`,
        runs: [
          { job: 'a', state: 'PENDING', attempt: 0 },
          { job: 'c', state: 'PENDING', attempt: 0 },
          { job: 'd', state: 'PENDING', attempt: 0 },
        ],
      },
    ]);
  });

  it('--reprocess failed looks at every run of the closure, not only the backfilled job', async () => {
    const fail = new Set(['c']);
    const s = await startDay([dp('a'), dp('c', ['a'])], { overrides: { fail, hang: new Set(), durations: new Map() } });
    s.scheduleDay(SIM_DATE);
    await s.run(new Date(`${SIM_DATE}T01:00:00Z`));
    fail.delete('c');
    const { deps, backfills } = s.runtime;
    const plan = await planBackfill(deps, request('a', SIM_DATE, SIM_DATE, { downstream: true, reprocess: 'failed' }));
    expect(plan[0]).toMatchObject({ currentState: 'SUCCEEDED', action: 'run' });
    const created = await createBackfill(deps, backfills, request('a', SIM_DATE, SIM_DATE, { downstream: true, reprocess: 'failed' }));
    await s.run(new Date(`${SIM_DATE}T02:00:00Z`));
    expect((await backfills.getBackfill(created.id))?.dates[SIM_DATE]?.status).toBe('succeeded');
    const status = await backfillStatus(deps, (await backfills.getBackfill(created.id)) as never);
    expect(status[0]?.runs).toEqual([
      { job: 'a', state: 'SUCCEEDED', attempt: 2 },
      { job: 'c', state: 'SUCCEEDED', attempt: 2 },
    ]);
  });
});

describe('backfill: cancel', () => {
  it('lists no date as running once cancelled', async () => {
    const s = await startDay([dp('slow', [], { simulation: { durationMinutes: 300 } })]);
    const { deps, backfills } = s.runtime;
    const created = await createBackfill(deps, backfills, request('slow', addDays(SIM_DATE, -3), YESTERDAY));
    await s.run(new Date(`${SIM_DATE}T00:05:00Z`));
    expect(Object.values((await backfills.getBackfill(created.id))?.dates ?? {}).map((d) => d.status)).toContain('running');
    const cancelled = await cancelBackfill(deps, backfills, created.id);
    expect(cancelled.state).toBe('CANCELLED');
    expect(Object.values(cancelled.dates).map((d) => d.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(cancelled.dates[addDays(SIM_DATE, -3)]?.note).toMatch(/runs already started finish/);
  });
});
