import { afterEach, describe, expect, it } from 'vitest';
import { loadDag } from '../../lambdas/domain/config/validate';
import { addDays, type RunDate } from '../../lambdas/domain/run-date';
import { advanceBackfills, createBackfill, planBackfill } from '../../lambdas/engine/operations/backfill';
import { OperationRefusedError } from '../../lambdas/engine/operations/errors';
import { planReplay, replay } from '../../lambdas/engine/operations/replay';
import { dayStatus } from '../../lambdas/engine/operations/status';
import { SimulationSession } from '../../lambdas/local/simulate';
import { runGrid } from '../../ui/api/grid';
import { dp, external, SIM_DATE, simulateConfig, states, submissions } from '../support/simulation';

/** Calendars end to end (docs/calendars.md): simulate, status, replay and backfill on the embedded emulators. */

const CALENDARS = { 'business-days': { weekdays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], exclude: ['2026-11-20'] } };
const BUSINESS = { calendar: 'business-days' };
// SIM_DATE, 2026-11-22, is a Sunday; 2026-11-20 a Friday the calendar excludes; 2026-11-19 a Thursday.
const THURSDAY = '2026-11-19' as RunDate;
const FRIDAY = '2026-11-20' as RunDate;
const OPERATOR = 'operator:test' as const;

const CONFIG = {
  calendars: CALENDARS,
  jobs: [
    external('feed', '00:30'),
    dp('daily', ['feed']),
    dp('partner_export', ['daily'], BUSINESS),
    dp('partner_ack', ['partner_export'], BUSINESS),
    dp('trades', [], BUSINESS),
    dp('trades_report', ['trades'], BUSINESS),
  ],
};

describe.each([
  { name: 'exact delivery', duplicates: 1, shuffle: false, seed: 1 },
  { name: 'every event 3 times, reordered', duplicates: 3, shuffle: true, seed: 5 },
])('rsched simulate on a date the calendar excludes, with $name', (delivery) => {
  it('shows the excluded jobs SKIPPED, submits none of them, alerts nothing, and exits OK', async () => {
    const result = await simulateConfig(CONFIG, delivery);
    expect(states(result)).toEqual({
      feed: 'SUCCEEDED',
      daily: 'SUCCEEDED',
      partner_export: 'SKIPPED',
      partner_ack: 'SKIPPED',
      trades: 'SKIPPED',
      trades_report: 'SKIPPED',
    });
    expect(submissions(result)).toEqual({ feed: 0, daily: 1, partner_export: 0, partner_ack: 0, trades: 0, trades_report: 0 });
    expect(result.report.jobs.trades?.reason).toBe('2026-11-22 is a SUN, not a weekday of calendar business-days');
    expect(result.report.alerts).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.events.filter((e) => e.what === 'SKIPPED').map((e) => e.subject)).toEqual(
      expect.arrayContaining(['partner_export', 'partner_ack', 'trades', 'trades_report']),
    );
  });
});

it('on a business day the same DAG runs every job once', async () => {
  const result = await simulateConfig(CONFIG, { date: addDays(SIM_DATE, 1), duplicates: 2, shuffle: true, seed: 3 });
  expect(Object.values(states(result))).toEqual(Array(6).fill('SUCCEEDED'));
  expect(submissions(result)).toMatchObject({ partner_export: 1, partner_ack: 1, trades: 1, trades_report: 1 });
  expect(result.ok).toBe(true);
});

it('an external job whose calendar excludes the date: no marker is expected, status says SKIPPED, simulate exits OK', async () => {
  const result = await simulateConfig({
    calendars: CALENDARS,
    jobs: [external('bank_feed', '01:00', BUSINESS), dp('ledger', ['bank_feed'], BUSINESS)],
  });
  expect(states(result)).toEqual({ bank_feed: 'SKIPPED', ledger: 'SKIPPED' });
  expect(result.report.jobs.ledger?.reason).toContain('not a weekday of calendar business-days');
  expect(result.ok).toBe(true);
});

describe('replay and backfill of excluded dates', () => {
  let session: SimulationSession | undefined;
  afterEach(async () => {
    await session?.stop();
    session = undefined;
  });

  async function startSession(): Promise<SimulationSession> {
    const dag = loadDag([{ path: 'cal.json', text: JSON.stringify(CONFIG) }]);
    session = await SimulationSession.start({ dag, start: new Date(`${SIM_DATE}T00:00:00Z`) });
    return session;
  }

  it('replay of a SKIPPED date is refused with the reason; --force runs it and its downstream chain', async () => {
    const s = await startSession();
    s.scheduleDay(SIM_DATE);
    await s.run(new Date(`${SIM_DATE}T02:00:00Z`));
    const { deps } = s.runtime;
    expect((await deps.store.get({ job: 'trades', date: SIM_DATE }))?.state).toBe('SKIPPED');
    const request = { job: 'trades', date: SIM_DATE, downstream: true, by: OPERATOR } as const;
    await expect(replay(deps, request)).rejects.toThrow(OperationRefusedError);
    expect((await planReplay(deps, request)).refusals).toEqual([
      'trades does not run on 2026-11-22: 2026-11-22 is a SUN, not a weekday of calendar business-days; pass --force to run it anyway',
    ]);
    await replay(deps, { ...request, force: true });
    await s.run(new Date(`${SIM_DATE}T04:00:00Z`));
    expect((await deps.store.get({ job: 'trades', date: SIM_DATE }))?.state).toBe('SUCCEEDED');
    expect((await deps.store.get({ job: 'trades_report', date: SIM_DATE }))?.state).toBe('SUCCEEDED');
    expect(s.runtime.submissions.countFor('trades_report', SIM_DATE)).toBe(1);
  });

  it('replay --downstream of a job that runs leaves excluded downstream runs SKIPPED, and says so', async () => {
    const s = await startSession();
    s.scheduleDay(SIM_DATE);
    await s.run(new Date(`${SIM_DATE}T02:00:00Z`));
    const { deps } = s.runtime;
    const plan = await planReplay(deps, { job: 'daily', date: SIM_DATE, downstream: true, by: OPERATOR });
    expect(plan.refusals).toEqual([]);
    expect(plan.runs.map((r) => r.job)).toEqual(['daily']);
    expect(plan.excluded?.map((e) => e.job)).toEqual(['partner_export', 'partner_ack']);
  });

  it('backfill skips excluded dates unless --include-excluded, and the status grid shows them SKIPPED', async () => {
    const s = await startSession();
    const { deps, backfills } = s.runtime;
    const base = {
      job: 'trades',
      from: THURSDAY,
      to: SIM_DATE,
      downstream: true,
      reprocess: 'missing',
      parallel: 2,
      by: OPERATOR,
    } as const;
    const plan = await planBackfill(deps, base);
    expect(plan.map((d) => [d.date, d.action, d.reason ?? ''])).toEqual([
      [THURSDAY, 'run', ''],
      [FRIDAY, 'skip', '2026-11-20 is excluded by calendar business-days (--include-excluded runs it)'],
      ['2026-11-21', 'skip', '2026-11-21 is a SAT, not a weekday of calendar business-days (--include-excluded runs it)'],
      [SIM_DATE, 'skip', '2026-11-22 is a SUN, not a weekday of calendar business-days (--include-excluded runs it)'],
    ]);
    const created = await createBackfill(deps, backfills, base);
    for (let i = 0; i < 3; i++) {
      await advanceBackfills(deps, backfills);
      await s.run(new Date(s.runtime.deps.clock.now().getTime() + 30 * 60_000));
    }
    const done = await backfills.getBackfill(created.id);
    expect(Object.fromEntries(Object.entries(done?.dates ?? {}).map(([d, e]) => [d, e.status]))).toEqual({
      [THURSDAY]: 'succeeded',
      [FRIDAY]: 'skipped',
      '2026-11-21': 'skipped',
      [SIM_DATE]: 'skipped',
    });
    expect(s.runtime.submissions.countFor('trades', THURSDAY)).toBe(1);
    expect(s.runtime.submissions.countFor('trades', FRIDAY)).toBe(0);
    const friday = await dayStatus({ dag: deps.dag, store: deps.store, date: FRIDAY });
    expect(friday.jobs.trades).toMatchObject({ state: 'SKIPPED', reason: '2026-11-20 is excluded by calendar business-days' });
    expect(friday.jobs.daily?.state).toBe('PENDING');
    // The web UI's grid (ui/api/grid.ts) says the same.
    const grid = await runGrid(deps.dag, deps.store, [THURSDAY, FRIDAY]);
    expect(grid.jobs.find((j) => j.name === 'trades')?.cells).toEqual({
      [THURSDAY]: expect.objectContaining({ state: 'SUCCEEDED' }),
      [FRIDAY]: { state: 'SKIPPED', attempt: 0, reason: '2026-11-20 is excluded by calendar business-days' },
    });

    const all = await planBackfill(deps, { ...base, from: FRIDAY, to: FRIDAY, includeExcluded: true });
    expect(all.map((d) => [d.action, d.jobs])).toEqual([['run', ['trades', 'trades_report']]]);
    const included = await createBackfill(deps, backfills, { ...base, from: FRIDAY, to: FRIDAY, includeExcluded: true });
    for (let i = 0; i < 3; i++) {
      await advanceBackfills(deps, backfills);
      await s.run(new Date(s.runtime.deps.clock.now().getTime() + 30 * 60_000));
    }
    expect((await backfills.getBackfill(included.id))?.dates[FRIDAY]?.status).toBe('succeeded');
    expect(s.runtime.submissions.countFor('trades_report', FRIDAY)).toBe(1);
  });
});
