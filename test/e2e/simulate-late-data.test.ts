import { describe, expect, it } from 'vitest';
import { loadDag } from '../../lambdas/domain/config/validate';
import { wallClockInstant } from '../../lambdas/domain/run-date';
import { SimulationSession, timelineEvents } from '../../lambdas/local/simulate';
import { dp, external, SIM_DATE } from '../support/simulation';

/**
 * Late data end to end (docs/markers.md#late-data-onlateupstream): the whole
 * system under a virtual clock, as `rsched simulate` runs it, with every S3
 * event delivered three times, shuffled. At 09:00 the external upstream writes
 * its `.done` again through the S3 emulator (a new sequencer).
 */

const line = (e: { at: string; subject: string; what: string; detail: string }) =>
  `${e.at.slice(11, 16)} ${e.subject} ${e.what} ${e.detail}`;

describe('simulate: an upstream re-delivers after success', () => {
  const dag = loadDag([
    {
      path: 'late.json',
      text: JSON.stringify({
        jobs: [
          external('raw_events', '01:00'),
          dp('sessions', ['raw_events'], { onLateUpstream: 'rerun', simulation: { durationMinutes: 20 } }),
          dp('daily_kpis', ['sessions'], { simulation: { durationMinutes: 10 } }),
          dp('audit', ['raw_events'], { simulation: { durationMinutes: 5 } }),
        ],
      }),
    },
  ]);

  it('reruns the rerun job and its chain once, and alerts once for the default job', async () => {
    const session = await SimulationSession.start({ dag, start: new Date(`${SIM_DATE}T00:00:00Z`), duplicates: 3, shuffle: true, seed: 7 });
    try {
      session.scheduleDay(SIM_DATE);
      session.timeline.schedule(wallClockInstant(SIM_DATE, '09:00', 'UTC'), 'raw_events re-delivers', async () => {
        await session.runtime.markers.write('raw_events', SIM_DATE, 'done');
      });
      await session.run();
      const { runs } = await session.report(SIM_DATE);
      const byJob = Object.fromEntries(runs.map((r) => [r.job, `${r.state}#${r.attempt}`]));
      expect(byJob).toEqual({ raw_events: 'SUCCEEDED#1', sessions: 'SUCCEEDED#2', daily_kpis: 'SUCCEEDED#2', audit: 'SUCCEEDED#1' });
      const timeline = timelineEvents(runs, session.runtime).map(line);
      // One new attempt of each, submitted once, whatever the three shuffled deliveries did.
      for (const job of ['sessions', 'daily_kpis'])
        expect(
          timeline.filter((l) => l.includes(`${job} SUBMITTED`)),
          job,
        ).toHaveLength(2);
      expect(timeline.filter((l) => l.includes('audit SUBMITTED'))).toHaveLength(1);
      const alerts = timeline.filter((l) => l.includes('ALERT'));
      expect(alerts, timeline.join('\n')).toHaveLength(1);
      expect(alerts[0]).toMatch(/^09:0\d audit ALERT LATE_DATA/);
    } finally {
      await session.stop();
    }
  });
});
