import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDag } from '../../lambdas/domain/config/validate';
import { addDays } from '../../lambdas/domain/run-date';
import { SimulationSession } from '../../lambdas/local/simulate';
import { startUiServer, type UiServer } from '../../ui/server';
import { startBackfill } from '../support/backfills';
import { cluster, dp, emr, SIM_DATE } from '../support/simulation';
import { call } from '../support/ui-http';

const YESTERDAY = addDays(SIM_DATE, -1);

/** The UI server's read API (grid, Gantt, run detail, alerts, backfills) and its input checks (docs/ui.md). */
describe('web UI server: views and their input checks', () => {
  let session: SimulationSession;
  let ui: UiServer;
  const fail = new Set(['b']);
  const json = async (path: string) => {
    const reply = await call(ui, 'GET', path);
    expect(reply.status, `${path}: ${reply.body}`).toBe(200);
    return JSON.parse(reply.body);
  };
  const change = (path: string, body: unknown) =>
    call(ui, 'POST', path, { 'x-rsched-token': ui.token, 'content-type': 'application/json' }, body);

  beforeAll(async () => {
    const dag = loadDag([
      {
        path: 'ui.json',
        text: JSON.stringify({
          clusters: [cluster('night', ['etl'], '0 0 * * *', '0 6 * * *')],
          jobs: [dp('a'), dp('b', ['a']), dp('c', ['b']), emr('e', 'etl', ['a'])],
        }),
      },
    ]);
    session = await SimulationSession.start({
      dag,
      start: new Date(`${YESTERDAY}T00:00:00Z`),
      overrides: { fail, hang: new Set(), durations: new Map() },
    });
    session.scheduleDay(YESTERDAY);
    session.scheduleDay(SIM_DATE);
    await session.run(new Date(`${SIM_DATE}T12:00:00Z`));
    ui = await startUiServer({ ops: session.runtime.ops(), port: 0, description: 'ui api test' });
  });

  afterAll(async () => {
    await ui?.stop();
    await session?.stop();
  });

  it('reports the scheduler clock, not the wall clock', async () => {
    const clock = await json('/api/clock');
    expect(clock.now).toBe(session.timeline.now().toISOString());
    expect(clock.today).toBe(SIM_DATE);
  });

  it('answers the grid of the last 14 days ending today by default, with each run’s state', async () => {
    const grid = await json('/api/grid');
    expect(grid.dates).toHaveLength(14);
    expect(grid.dates.at(-1)).toBe(SIM_DATE);
    expect(grid.dates[0]).toBe(addDays(SIM_DATE, -13));
    expect(grid.jobs.map((j: { name: string }) => j.name)).toEqual(['a', 'b', 'e', 'c']);
    const b = grid.jobs.find((j: { name: string }) => j.name === 'b');
    expect(b.cells[SIM_DATE].state).toBe('FAILED');
    expect(b.cells[YESTERDAY].state).toBe('FAILED');
    expect(b.cells[addDays(SIM_DATE, -5)]).toEqual({ state: 'PENDING', attempt: 0 });
    const two = await json(`/api/grid?from=${YESTERDAY}&to=${SIM_DATE}`);
    expect(two.dates).toEqual([YESTERDAY, SIM_DATE]);
  });

  it('refuses a malformed, reversed or too long grid range with 400 and a message naming the parameter', async () => {
    const bad = await call(ui, 'GET', '/api/grid?to=2026-13-01');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toBe('to must be a real day written YYYY-MM-DD, got "2026-13-01"');
    const reversed = await call(ui, 'GET', `/api/grid?from=${SIM_DATE}&to=${YESTERDAY}`);
    expect(reversed.status).toBe(400);
    expect(JSON.parse(reversed.body).error).toBe(`from ${SIM_DATE} is after to ${YESTERDAY}`);
    const long = await call(ui, 'GET', `/api/grid?from=2026-01-01&to=${SIM_DATE}`);
    expect(long.status).toBe(400);
    expect(JSON.parse(long.body).error).toContain('the grid spans at most 62 days');
  });

  it('gives a run’s attempts, transitions, marker, rendered submission and alerts', async () => {
    const a = await json(`/api/detail?job=a&date=${SIM_DATE}`);
    expect(a.state).toBe('SUCCEEDED');
    expect(a.attempts).toHaveLength(1);
    expect(a.attempts[0]).toMatchObject({ attempt: 1, startedBy: 'trigger:schedule', state: 'SUCCEEDED' });
    expect(a.attempts[0].submittedAt).not.toBeNull();
    expect(a.transitions.map((t: { to: string }) => t.to)).toEqual(['WAITING', 'SUBMITTING', 'SUBMITTED', 'SUCCEEDED']);
    expect(a.markerKey).toBe('a__20261122.done');
    expect(a.submission).toMatchObject({ kind: 'rendered', request: { target: { type: 'datapipeline', pipeline: 'a-pipeline' } } });
    const e = await json(`/api/detail?job=e&date=${SIM_DATE}`);
    expect(e.cluster).toBe('night');
    expect(e.submission.request.target).toMatchObject({ type: 'emr-step', args: ['spark-submit', 'e.py', SIM_DATE] });
    const b = await json(`/api/detail?job=b&date=${SIM_DATE}`);
    expect(b.state).toBe('FAILED');
    expect(b.alerts.map((x: { kind: string; open: boolean }) => [x.kind, x.open])).toContainEqual(['FAILED', true]);
    expect(b.alerts[0].next).toContain(`rsched replay b --date ${SIM_DATE} --downstream`);
    const c = await json(`/api/detail?job=c&date=${SIM_DATE}`);
    expect(c.state).toBe('UPSTREAM_FAILED');
    expect(c.submission).toEqual({ kind: 'rendered', request: expect.objectContaining({ job: 'c' }) });
  });

  it('refuses an unknown job or a bad date with 400 and says which', async () => {
    const unknown = await call(ui, 'GET', `/api/detail?job=nosuch&date=${SIM_DATE}`);
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body).error).toBe('unknown job "nosuch"; jobs are a, b, e, c');
    const noDate = await call(ui, 'GET', '/api/detail?job=a');
    expect(noDate.status).toBe(400);
    expect(JSON.parse(noDate.body).error).toBe('date is required (YYYY-MM-DD)');
    for (const [path, body, message] of [
      ['/api/run', { job: 'nosuch', date: SIM_DATE }, 'unknown job "nosuch"'],
      ['/api/run', { date: SIM_DATE }, 'job is required'],
      ['/api/mark', { job: 'a', date: '2026-02-30' }, 'date must be a real day written YYYY-MM-DD, got "2026-02-30"'],
      ['/api/replay', { job: 'a' }, 'date is required'],
      ['/api/replay-plan', [1, 2], 'request body must be a JSON object'],
      ['/api/backfill-cancel', { id: '../etc' }, 'backfill id must look like bf-20261122-1a2b3c, got "../etc"'],
    ] as const) {
      const reply = await change(path, body);
      expect(reply.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(JSON.parse(reply.body).error).toContain(message);
    }
  });

  it('lays the day out in lanes: the cluster with its window behind its runs, Data Pipeline, waits and runs per attempt', async () => {
    const gantt = await json(`/api/gantt?date=${SIM_DATE}`);
    expect(gantt.from).toBe(`${SIM_DATE}T00:00:00.000Z`);
    expect(gantt.lanes.map((l: { label: string }) => l.label)).toEqual(['night', 'Data Pipeline']);
    const night = gantt.lanes[0];
    expect(night.windows).toHaveLength(1);
    expect(night.windows[0].windowStart).toBe(`${SIM_DATE}T00:00:00.000Z`);
    expect(night.rows.map((r: { job: string }) => r.job)).toEqual(['e']);
    const dp = gantt.lanes[1];
    expect(dp.rows.map((r: { job: string }) => r.job).sort()).toEqual(['a', 'b', 'c']);
    const b = dp.rows.find((r: { job: string }) => r.job === 'b').attempts[0];
    expect(Date.parse(b.submittedAt)).toBeGreaterThanOrEqual(Date.parse(b.startedAt));
    expect(Date.parse(b.endedAt)).toBeGreaterThan(Date.parse(b.submittedAt));
    const c = dp.rows.find((r: { job: string }) => r.job === 'c').attempts[0];
    expect(c).toMatchObject({ state: 'UPSTREAM_FAILED', submittedAt: null });
  });

  it('lists alerts open until their run succeeds, then resolved with what resolved them', async () => {
    const before = await json(`/api/alerts?date=${YESTERDAY}`);
    const failed = before.alerts.find((a: { kind: string; job: string }) => a.kind === 'FAILED' && a.job === 'b');
    expect(failed).toMatchObject({ open: true, resolvedBy: null });
    expect(failed.next).toContain('rsched replay b');
    fail.delete('b');
    try {
      const replayed = await change('/api/replay', { job: 'b', date: YESTERDAY, downstream: true });
      expect(replayed.status, replayed.body).toBe(200);
      await session.run(new Date(`${SIM_DATE}T14:00:00Z`));
    } finally {
      fail.add('b');
    }
    const after = await json(`/api/alerts?date=${YESTERDAY}`);
    const resolved = after.alerts.find((a: { kind: string; job: string }) => a.kind === 'FAILED' && a.job === 'b');
    expect(resolved.open).toBe(false);
    expect(resolved.resolvedBy).toMatch(/^attempt 2 SUCCEEDED at /);
  });

  it('shows a backfill date by date with its runs, and cancels it (token needed)', async () => {
    const created = await startBackfill(session, 'c', YESTERDAY, SIM_DATE);
    const list = await json('/api/backfills');
    expect(list.map((b: { id: string }) => b.id)).toContain(created.id);
    const one = await json(`/api/backfill?id=${created.id}`);
    expect(one.status.map((d: { date: string }) => d.date)).toEqual([YESTERDAY, SIM_DATE]);
    expect(one.status[1].runs[0]).toMatchObject({ job: 'c', state: 'UPSTREAM_FAILED' });
    expect((await call(ui, 'GET', '/api/backfill?id=bf-20260101-abcdef')).status).toBe(404);
    expect((await call(ui, 'GET', '/api/backfill?id=nope')).status).toBe(400);
    const untokened = await call(ui, 'POST', '/api/backfill-cancel', { 'content-type': 'application/json' }, { id: created.id });
    expect(untokened.status).toBe(403);
    const cancelled = await change('/api/backfill-cancel', { id: created.id });
    expect(cancelled.status, cancelled.body).toBe(200);
    expect(JSON.parse(cancelled.body)).toEqual({ id: created.id, state: 'CANCELLED' });
    expect((await json(`/api/backfill?id=${created.id}`)).state).toBe('CANCELLED');
  });

  it('keeps a replayed EMR run that waits for a cluster in the lane of the cluster its earlier attempt ran on', async () => {
    const replayed = await change('/api/replay', { job: 'e', date: YESTERDAY });
    expect(replayed.status, replayed.body).toBe(200);
    expect(JSON.parse(replayed.body).dispatch).toBe('waiting-for-cluster');
    expect((await json(`/api/detail?job=e&date=${YESTERDAY}`)).cluster).toBeNull();
    const gantt = await json(`/api/gantt?date=${YESTERDAY}`);
    const night = gantt.lanes.find((l: { key: string }) => l.key === 'cluster:night');
    expect(night.rows.map((r: { job: string }) => r.job)).toEqual(['e']);
    expect(gantt.lanes.map((l: { kind: string }) => l.kind)).not.toContain('pool');
  });

  it('serves the page’s modules and nothing else from its folder', async () => {
    const app = await call(ui, 'GET', '/js/app.js');
    expect(app.status).toBe(200);
    expect(app.type).toContain('text/javascript');
    expect((await call(ui, 'GET', '/js/nosuch.js')).status).toBe(404);
    expect((await call(ui, 'GET', '/js/../../server.ts')).status).toBe(404);
    expect((await call(ui, 'GET', '/js/%2e%2e/%2e%2e/server.ts')).status).toBe(404);
  });
});
