import { afterEach, describe, expect, it } from 'vitest';
import { loadDag } from '../../lambdas/domain/config/validate';
import { addDays, type RunDate } from '../../lambdas/domain/run-date';
import { advanceBackfills, createBackfill, planBackfill } from '../../lambdas/engine/operations/backfill';
import { mark } from '../../lambdas/engine/operations/mark';
import { reconcile } from '../../lambdas/engine/operations/reconcile';
import { replay } from '../../lambdas/engine/operations/replay';
import { type SessionOptions, SimulationSession } from '../../lambdas/local/simulate';
import { dp, SIM_DATE } from '../support/simulation';

const OPERATOR = 'operator:test' as const;
let session: SimulationSession | undefined;

afterEach(async () => {
  await session?.stop();
  session = undefined;
});

async function startDay(
  jobs: Record<string, unknown>[],
  opts: Partial<SessionOptions> = {},
  date: RunDate = SIM_DATE,
): Promise<SimulationSession> {
  const dag = loadDag([{ path: 'ops.json', text: JSON.stringify({ jobs }) }]);
  session = await SimulationSession.start({ dag, start: new Date(`${date}T00:00:00Z`), ...opts });
  return session;
}

const statesOf = async (s: SimulationSession, date: RunDate = SIM_DATE) =>
  Object.fromEntries(Object.entries((await s.report(date)).report.jobs).map(([name, j]) => [name, `${j.state}/${j.attempts}`]));

describe('replay', () => {
  it('re-runs a failed run and exactly its transitive downstream, once each, keeping old attempts in history', async () => {
    const fail = new Set(['b']);
    const s = await startDay([dp('a'), dp('b', ['a']), dp('c', ['b']), dp('d', ['c']), dp('side', ['a'])], {
      overrides: { fail, hang: new Set(), durations: new Map() },
    });
    s.scheduleDay(SIM_DATE);
    await s.run();
    expect(await statesOf(s)).toEqual({
      a: 'SUCCEEDED/1',
      b: 'FAILED/1',
      c: 'UPSTREAM_FAILED/1',
      d: 'UPSTREAM_FAILED/1',
      side: 'SUCCEEDED/1',
    });

    fail.delete('b'); // the job was fixed
    const result = await replay(s.runtime.deps, { job: 'b', date: SIM_DATE, downstream: true, by: OPERATOR });
    expect(result.plan.runs.map((r) => r.job)).toEqual(['b', 'c', 'd']);
    await s.run();
    expect(await statesOf(s)).toEqual({ a: 'SUCCEEDED/1', b: 'SUCCEEDED/2', c: 'SUCCEEDED/2', d: 'SUCCEEDED/2', side: 'SUCCEEDED/1' });
    const { report, runs } = await s.report(SIM_DATE);
    expect(Object.fromEntries(Object.entries(report.jobs).map(([n, j]) => [n, j.submissions]))).toEqual({
      a: 1,
      b: 2,
      c: 1,
      d: 1,
      side: 1,
    });
    const b = runs.find((r) => r.job === 'b');
    expect(b?.history.filter((e) => e.to === 'FAILED').map((e) => e.attempt)).toEqual([1]);
    expect(b?.history.filter((e) => e.to === 'SUCCEEDED').map((e) => e.attempt)).toEqual([2]);
    expect(b?.history.some((e) => e.by === OPERATOR && e.why === 'replay')).toBe(true);
  });

  it('refuses future dates and runs in flight, and a dry plan changes nothing', async () => {
    const s = await startDay([dp('a', [], { simulation: { durationMinutes: 600 } })]);
    s.scheduleDay(SIM_DATE);
    await s.run(new Date(`${SIM_DATE}T01:00:00Z`));
    await expect(replay(s.runtime.deps, { job: 'a', date: SIM_DATE, downstream: false, by: OPERATOR })).rejects.toThrow(
      /SUBMITTED.*--force/,
    );
    await expect(replay(s.runtime.deps, { job: 'a', date: addDays(SIM_DATE, 2), downstream: false, by: OPERATOR })).rejects.toThrow(
      /future/,
    );
    await expect(replay(s.runtime.deps, { job: 'nope', date: SIM_DATE, downstream: false, by: OPERATOR })).rejects.toThrow(
      /unknown job "nope"/,
    );
    expect(await statesOf(s)).toEqual({ a: 'SUBMITTED/1' });
  });
});

describe('backfill', () => {
  it('submits each root exactly once per date over 7 dates, with at most `parallel` dates in flight', async () => {
    const s = await startDay([dp('root', [], { schedule: '0 2 * * *' }), dp('child', ['root'])]);
    const from = addDays(SIM_DATE, -7);
    const to = addDays(SIM_DATE, -1);
    const created = await createBackfill(s.runtime.deps, s.runtime.backfills, {
      job: 'root',
      from,
      to,
      downstream: true,
      reprocess: 'missing',
      parallel: 2,
      by: OPERATOR,
    });
    await s.run(new Date(`${SIM_DATE}T01:59:00Z`));
    const done = await s.runtime.backfills.getBackfill(created.id);
    expect(done?.state).toBe('DONE');
    expect(Object.values(done?.dates ?? {}).map((d) => d.status)).toEqual(Array(7).fill('succeeded'));
    for (let i = 7; i >= 1; i--) {
      const date = addDays(SIM_DATE, -i);
      expect(s.runtime.submissions.countFor('root', date)).toBe(1);
      expect(s.runtime.submissions.countFor('child', date)).toBe(1);
    }
    // Dates in flight never exceeded 2: each date's root..child span overlaps at most one other.
    const spans = [...new Set(s.runtime.submissions.all.map((x) => x.date))].map((date) => {
      const times = s.runtime.submissions.all.filter((x) => x.date === date).map((x) => x.at.getTime());
      return [Math.min(...times), Math.max(...times) + 10 * 60_000] as const;
    });
    for (const [start] of spans) expect(spans.filter(([a, b]) => a <= start && start < b).length).toBeLessThanOrEqual(2);
    // Advancing again changes nothing.
    expect(await advanceBackfills(s.runtime.deps, s.runtime.backfills)).toBe(0);
  });

  it('with --reprocess missing skips dates that already succeeded', async () => {
    const s = await startDay([dp('root')], {}, addDays(SIM_DATE, -1));
    s.scheduleDay(addDays(SIM_DATE, -1));
    await s.run();
    const request = {
      job: 'root',
      from: addDays(SIM_DATE, -2),
      to: addDays(SIM_DATE, -1),
      downstream: false,
      reprocess: 'missing',
      parallel: 1,
      by: OPERATOR,
    } as const;
    expect(await planBackfill(s.runtime.deps, request)).toEqual([
      { date: addDays(SIM_DATE, -2), currentState: 'PENDING', action: 'run', jobs: ['root'], cannotComplete: [] },
      {
        date: addDays(SIM_DATE, -1),
        currentState: 'SUCCEEDED',
        action: 'skip',
        jobs: ['root'],
        cannotComplete: [],
        reason: 'SUCCEEDED: nothing to reprocess (missing)',
      },
    ]);
    const created = await createBackfill(s.runtime.deps, s.runtime.backfills, request);
    await s.run(new Date(`${SIM_DATE}T06:00:00Z`));
    const b = await s.runtime.backfills.getBackfill(created.id);
    expect(b?.dates[addDays(SIM_DATE, -1)]?.status).toBe('skipped');
    expect(b?.dates[addDays(SIM_DATE, -2)]?.status).toBe('succeeded');
    expect(s.runtime.submissions.countFor('root', addDays(SIM_DATE, -1))).toBe(1);
  });
});

describe('reconcile and mark', () => {
  it('brings state back to what the markers say after events were lost; a second reconcile changes nothing', async () => {
    const lost = (message: string) => message.includes('b__20261122.done') || message.includes('d__20261122.done');
    const s = await startDay([dp('a'), dp('b', ['a']), dp('c', ['b']), dp('d', ['a'])], { dropMarkerEvent: lost });
    s.scheduleDay(SIM_DATE);
    await s.run();
    expect(await statesOf(s)).toEqual({ a: 'SUCCEEDED/1', b: 'SUBMITTED/1', c: 'PENDING/0', d: 'SUBMITTED/1' });
    const { deps } = s.runtime;
    const fixed = await reconcile(deps, s.runtime.ops().bucket, SIM_DATE, { by: OPERATOR });
    expect(fixed.fixed.map((f) => `${f.action} ${f.job}`).sort()).toEqual(['redrove-marker b', 'redrove-marker d']);
    await s.run();
    expect(await statesOf(s)).toEqual({ a: 'SUCCEEDED/1', b: 'SUCCEEDED/1', c: 'SUCCEEDED/1', d: 'SUCCEEDED/1' });
    const again = await reconcile(deps, s.runtime.ops().bucket, SIM_DATE, { by: OPERATOR });
    expect(again.fixed).toEqual([]);
    expect(s.runtime.submissions.countFor('c', SIM_DATE)).toBe(1);
  });

  it('marking a failed job done lets its failed downstream chain continue; params flow to templates', async () => {
    const fail = new Set(['b']);
    const jobs = [
      dp('a'),
      dp('b', ['a']),
      { ...dp('c', ['b']), target: { type: 'datapipeline', pipeline: 'c-pipeline', parameters: { rows: '{{params.rows}}' } } },
    ];
    const s = await startDay(jobs, { overrides: { fail, hang: new Set(), durations: new Map() } });
    s.scheduleDay(SIM_DATE);
    await s.run();
    expect(await statesOf(s)).toEqual({ a: 'SUCCEEDED/1', b: 'FAILED/1', c: 'UPSTREAM_FAILED/1' });
    const result = await mark(s.runtime.deps, s.runtime.ops().bucket, {
      job: 'b',
      date: SIM_DATE,
      failed: false,
      params: { rows: '42' },
      by: OPERATOR,
    });
    expect(result).toEqual({ key: 'b__20261122.done', attempt: 2, reopened: ['b', 'c'] });
    await s.run();
    expect(await statesOf(s)).toEqual({ a: 'SUCCEEDED/1', b: 'SUCCEEDED/2', c: 'SUCCEEDED/2' });
    const { runs } = await s.report(SIM_DATE);
    expect(runs.find((r) => r.job === 'b')?.params).toEqual({ rows: '42' });
  });
});
