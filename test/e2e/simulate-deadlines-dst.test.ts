import { describe, expect, it } from 'vitest';
import { loadDag } from '../../lambdas/domain/config/validate';
import type { RunDate } from '../../lambdas/domain/run-date';
import { reconcile } from '../../lambdas/engine/operations/reconcile';
import { SimulationSession } from '../../lambdas/local/simulate';
import { dp, SIM_DATE, simulateConfig } from '../support/simulation';

/** LATE and daylight saving time under `rsched simulate` (docs/scheduling.md). */
describe('rsched simulate: expectedBy', () => {
  it('raises LATE on the simulated date when a run has not succeeded by its deadline', async () => {
    const result = await simulateConfig({
      jobs: [dp('slow', [], { expectedBy: '00:05', simulation: { durationMinutes: 30 } })],
    });
    expect(result.report.jobs.slow?.state).toBe('SUCCEEDED');
    expect(result.report.alerts.map((a) => `${a.kind} ${a.job} ${a.date}`)).toEqual([`LATE slow ${SIM_DATE}`]);
  });

  it('raises no LATE when the run succeeds before its deadline, and honours a next-day "+1d" deadline', async () => {
    const onTime = await simulateConfig({ jobs: [dp('quick', [], { expectedBy: '01:00' })] });
    expect(onTime.report.alerts).toEqual([]);
    const nightly = await simulateConfig({
      jobs: [dp('nightly', [], { schedule: '0 23 * * *', expectedBy: '+1d 00:10', simulation: { durationMinutes: 90 } })],
    });
    expect(nightly.report.jobs.nightly?.state).toBe('SUCCEEDED');
    const late = nightly.report.alerts.find((a) => a.kind === 'LATE');
    expect(late).toMatchObject({ job: 'nightly', date: SIM_DATE });
  });
});

describe('rsched simulate: daylight saving time', () => {
  const DST_START = '2026-03-29' as RunDate;

  it('skips a root scheduled inside the spring-forward gap, as EventBridge Scheduler does, then catches it up with a note', async () => {
    const result = await simulateConfig(
      { jobs: [dp('early', [], { schedule: '30 2 * * *', timezone: 'Europe/Berlin' }), dp('after', ['early'])] },
      { date: DST_START },
    );
    const early = result.runs.find((r) => r.job === 'early');
    // 02:30 does not exist that night: no scheduled start; the sweeper's catch-up starts it at 03:30 CEST (01:30Z).
    expect(early?.history.some((h) => h.why === 'scheduled start')).toBe(false);
    const start = early?.history.find((h) => h.to === 'WAITING');
    expect(start?.why).toMatch(/catch-up: .*02:30.*did not exist in Europe\/Berlin on 2026-03-29.*EventBridge Scheduler skipped it/);
    expect(start?.at).toBe('2026-03-29T01:30:00.000Z');
    expect(result.report.jobs.after?.state).toBe('SUCCEEDED');
    expect(result.report.jobs.early?.submissions).toBe(1);
  });
});

describe('rsched reconcile: a root whose time fell in a DST gap', () => {
  it('is started by reconcile for that date with the reason in its history, once', async () => {
    const dag = loadDag([
      { path: 'dst.json', text: JSON.stringify({ jobs: [dp('early', [], { schedule: '30 2 * * *', timezone: 'Europe/Berlin' })] }) },
    ]);
    const session = await SimulationSession.start({ dag, start: new Date('2026-03-29T05:00:00Z') });
    try {
      const date = '2026-03-29' as RunDate;
      const ops = session.runtime.ops();
      const first = await reconcile(ops.deps, ops.bucket, date, { by: 'operator:test' });
      expect(first.fixed).toEqual([
        expect.objectContaining({ job: 'early', action: 'started-skipped-trigger', detail: expect.stringContaining('DST gap') }),
      ]);
      await session.run(new Date('2026-03-29T07:00:00Z'));
      const run = await ops.deps.store.get({ job: 'early', date });
      expect(run?.state).toBe('SUCCEEDED');
      expect(run?.history[0]?.why).toMatch(/^catch-up: its schedule "30 2 \* \* \*" names 02:30/);
      expect((await reconcile(ops.deps, ops.bucket, date, { by: 'operator:test' })).fixed).toEqual([]);
    } finally {
      await session.stop();
    }
  });
});
