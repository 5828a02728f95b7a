import { describe, expect, it } from 'vitest';
import { loadDag } from '../../lambdas/domain/config/validate';
import { SimulationSession } from '../../lambdas/local/simulate';
import { dp, external, SIM_DATE, simulateConfig } from '../support/simulation';

/** When `rsched simulate` exits 0: an allow-list (docs/local.md#simulate), and a clock that does not spin on a stuck run. */
describe('rsched simulate: success is an allow-list', () => {
  it('fails when a hung external root leaves its downstream PENDING (it was due that day)', async () => {
    const result = await simulateConfig({ jobs: [external('feed'), dp('load', ['feed'])] }, { hang: ['feed'] });
    expect(result.report.jobs.load).toMatchObject({ state: 'PENDING', due: true });
    expect(result.report.jobs.feed).toMatchObject({ state: 'PENDING', due: true });
    expect(result.ok).toBe(false);
  });

  it('succeeds when the only PENDING runs belong to a schedule that does not fire that day', async () => {
    // 2026-11-22 is a Sunday; "weekly" runs on Mondays only.
    const result = await simulateConfig({ jobs: [dp('daily'), dp('weekly', [], { schedule: '0 1 * * 1' }), dp('report', ['weekly'])] });
    expect(result.report.jobs.weekly).toMatchObject({ state: 'PENDING', due: false });
    expect(result.report.jobs.report).toMatchObject({ state: 'PENDING', due: false });
    expect(result.report.jobs.daily).toMatchObject({ state: 'SUCCEEDED', due: true });
    expect(result.ok).toBe(true);
  });
});

describe('rsched simulate: a run the sweeper cannot move', () => {
  it('does not make the virtual clock sweep every minute until the horizon (hung external job with upstreams)', async () => {
    const dag = loadDag([
      {
        path: 'hang.json',
        text: JSON.stringify({ jobs: [dp('up'), external('ext', '00:00', { dependsOn: ['up'] }), dp('down', ['ext'])] }),
      },
    ]);
    const session = await SimulationSession.start({
      dag,
      start: new Date(`${SIM_DATE}T00:00:00Z`),
      overrides: { fail: new Set(), hang: new Set(['ext']), durations: new Map() },
    });
    try {
      session.scheduleDay(SIM_DATE);
      await session.run();
      const { report } = await session.report(SIM_DATE);
      expect(report.jobs.down?.state).not.toBe('SUCCEEDED');
      // Before: one sweep per virtual minute for three days (> 4,000 invocations, 61 s of wall time).
      expect(session.runtime.functions.sweeper.invocations).toBeLessThan(20);
    } finally {
      await session.stop();
    }
  });
});
