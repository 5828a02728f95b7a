import { describe, expect, it } from 'vitest';
import { loadDag } from '../../lambdas/domain/config/validate';
import type { RunDate } from '../../lambdas/domain/run-date';
import { addDays } from '../../lambdas/domain/run-date';
import { SimulationSession, timelineEvents } from '../../lambdas/local/simulate';
import { dp, external, SIM_DATE, simulateConfig, states, submissions } from '../support/simulation';

/**
 * notBefore and PREDICTED_LATE end to end: the whole system under a virtual
 * clock, as `rsched simulate` runs it, read from the timeline it prints
 * (docs/scheduling.md#time-gates-notbefore, #predicted-late-alerts-predicted_late).
 */

const line = (e: { at: string; subject: string; what: string; detail: string }) =>
  `${e.at.slice(11, 16)} ${e.subject} ${e.what} ${e.detail}`;

describe('simulate: notBefore', () => {
  const config = {
    jobs: [
      dp('extract', [], { simulation: { durationMinutes: 30 } }),
      external('landing', '01:00'),
      dp('report', ['extract', 'landing'], { notBefore: '07:00', timezone: 'Europe/Berlin', simulation: { durationMinutes: 10 } }),
      dp('late_upstream', [], { schedule: '0 8 * * *', simulation: { durationMinutes: 10 } }),
      dp('after_gate', ['late_upstream'], { notBefore: '06:00', simulation: { durationMinutes: 5 } }),
    ],
  };

  it('holds a run whose upstreams are done until its gate (07:00 Berlin = 06:00 UTC), and starts at once when the gate has passed', async () => {
    const result = await simulateConfig(config);
    expect(result.ok).toBe(true);
    const timeline = result.events.map(line);
    expect(timeline).toContain('01:00 report WAITING all upstreams done; held until notBefore 07:00 Europe/Berlin');
    expect(timeline.find((l) => l.includes('report SUBMITTED'))).toMatch(/^06:00 report SUBMITTED/);
    // Its upstream finished after its gate: no hold, submitted when the upstream ended.
    expect(timeline.find((l) => l.includes('after_gate SUBMITTED'))).toMatch(/^08:10 after_gate SUBMITTED/);
    expect(timeline.some((l) => l.includes('after_gate WAITING all upstreams done; held'))).toBe(false);
  });

  it('submits the held run once under duplicated, shuffled deliveries, and says so in the exactly-once evidence', async () => {
    const result = await simulateConfig(config, { duplicates: 3, shuffle: true, seed: 5 });
    expect(states(result)).toMatchObject({ report: 'SUCCEEDED', after_gate: 'SUCCEEDED' });
    expect(submissions(result)).toMatchObject({ extract: 1, report: 1, late_upstream: 1, after_gate: 1 });
    const evidence = result.report.exactlyOnce;
    expect(evidence.deliveries).toBe(3 * evidence.markerEvents);
    expect(evidence.markerEvents).toBe(5);
    expect(evidence).toMatchObject({ runsSubmitted: 4, submittedOnce: 4, submittedMoreThanOnce: [] });
  });
});

describe('simulate: what a hung job leaves waiting', () => {
  it('names the upstream, since when and until when; PENDING jobs name theirs', async () => {
    const result = await simulateConfig(
      // A week's timeout: longer than the simulation looks ahead, so the wait is still open when it ends.
      {
        jobs: [
          external('landing', '00:20'),
          dp('extract'),
          dp('join', ['landing', 'extract'], { timeoutMinutes: 10080 }),
          dp('report', ['join']),
        ],
      },
      { hang: ['landing'] },
    );
    expect(result.ok).toBe(false);
    expect(result.report.jobs.join?.waitingFor).toEqual({
      kind: 'upstreams',
      upstreams: { landing: 'PENDING' },
      since: `${SIM_DATE}T00:10:00.000Z`,
      dueAt: '2026-11-29T00:10:00.000Z',
    });
    expect(result.report.jobs.report?.waitingFor).toMatchObject({ kind: 'upstreams', upstreams: { join: 'WAITING' } });
  });
});

describe('simulate: PREDICTED_LATE', () => {
  // a (30 min) -> b (30 min), b expected by 02:00: five normal days give the p95s.
  const dag = loadDag([
    {
      path: 'jobs.json',
      text: JSON.stringify({
        jobs: [
          dp('a', [], { simulation: { durationMinutes: 30 } }),
          dp('b', ['a'], { expectedBy: '02:00', simulation: { durationMinutes: 30 } }),
        ],
      }),
    },
  ]);

  it('is in the timeline before the deadline, at the minute the p95 path can no longer make it, and LATE follows', async () => {
    const durations = new Map<string, number>();
    const first = addDays(SIM_DATE, -5) as RunDate;
    const session = await SimulationSession.start({
      dag,
      start: new Date(`${first}T00:00:00Z`),
      overrides: { fail: new Set(), hang: new Set(), durations },
    });
    try {
      for (let day = first; day < SIM_DATE; day = addDays(day, 1)) {
        session.scheduleDay(day);
        await session.run();
      }
      // Today a takes 120 minutes instead of 30.
      durations.set('a', 120);
      session.scheduleDay(SIM_DATE);
      await session.run();
      const { runs } = await session.report(SIM_DATE);
      const timeline = timelineEvents(runs, session.runtime)
        .filter((e) => e.at.startsWith(SIM_DATE))
        .map(line);
      const predicted = timeline.findIndex((l) => l.startsWith('01:31 b ALERT PREDICTED_LATE'));
      const late = timeline.findIndex((l) => l.startsWith('02:00 b ALERT LATE'));
      expect(predicted, timeline.join('\n')).toBeGreaterThan(-1);
      expect(late).toBeGreaterThan(predicted);
      expect(timeline[predicted]).toContain('along a → b put its finish at 02:01 UTC');
      expect(timeline.filter((l) => l.includes('PREDICTED_LATE'))).toHaveLength(1);
    } finally {
      await session.stop();
    }
  });
});
