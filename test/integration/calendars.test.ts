import { describe, expect, it } from 'vitest';
import { addDays, type RunDate } from '../../lambdas/domain/run-date';
import { RunState } from '../../lambdas/domain/runs/states';
import { skip } from '../../lambdas/domain/runs/transitions';
import { sweep } from '../../lambdas/engine/sweep';
import { seededRandom, shuffleInPlace } from '../../lambdas/local/random';
import { dagFrom, EXTERNAL } from '../support/dags';
import { useDynalite } from '../support/dynalite';
import { watchSubmissions } from '../support/exactly-once';
import { jitteryStore } from '../support/faults';
import { createHarness, triggerEvent } from '../support/harness';
import { historyProblems } from '../support/runs';

/**
 * Run-date calendars and SKIPPED (docs/calendars.md), through the real
 * scheduler handler and sweeper on dynalite: duplicate, shuffled and
 * concurrent deliveries record a skip once, never submit, never alert.
 */

const emulator = useDynalite();

const CALENDARS = {
  'trading-days': { weekdays: ['MON', 'TUE', 'WED', 'THU', 'FRI'], exclude: ['2031-12-25'] },
};
const TRADING = { calendar: 'trading-days' } as const;
/** 2031-03-01 is a Saturday: the first of each pair of dates below is a weekend day, the second not. */
const SATURDAY = '2031-03-01' as RunDate;
const minutes = (n: number) => n * 60_000;

describe('a root whose calendar excludes the date', () => {
  it('is recorded SKIPPED once, with its chain, however many triggers race with sweeps; weekdays run as before', async () => {
    const dag = dagFrom(
      { root: [], next: ['root'], last: ['next'] },
      { root: TRADING, next: TRADING, last: TRADING },
      { calendars: CALENDARS },
    );
    const h = await createHarness(emulator(), dag, { start: `${SATURDAY}T00:00:00Z` });
    const random = seededRandom(7);
    const { deps, handler } = h.variant({ store: jitteryStore(h.store, () => Math.floor(random() * 4)) });
    const problems = watchSubmissions(h, dag);
    for (const date of [SATURDAY, addDays(SATURDAY, 1), '2031-12-25' as RunDate]) {
      const outcomes = await Promise.all([
        ...Array.from({ length: 5 }, () => handler(triggerEvent('root', date))),
        sweep(deps),
        sweep(deps),
      ]);
      expect(outcomes.flatMap((o) => ('triggers' in o ? o.triggers.map((t) => t.outcome) : []))).toContain('skipped');
      for (const job of ['root', 'next', 'last']) {
        const run = await h.run(job, date);
        expect(run?.state, `${job} ${date}`).toBe(RunState.SKIPPED);
        expect(run?.history.map((e) => e.to)).toEqual([RunState.SKIPPED]);
        expect(historyProblems(run)).toEqual([]);
      }
      expect((await h.run('root', date))?.reason).toMatch(date === '2031-12-25' ? /excluded by calendar trading-days/ : /not a weekday/);
    }
    const monday = addDays(SATURDAY, 2);
    await handler(triggerEvent('root', monday));
    expect(h.submitter.submittedFor('root', monday)).toBe(1);
    expect(h.submitter.calls.filter((c) => c.date !== monday)).toEqual([]);
    expect(h.alerts.sent).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('never times out or alerts, however long the sweeper runs past it', async () => {
    const dag = dagFrom({ root: [], next: ['root'] }, { root: { ...TRADING, timeoutMinutes: 5 }, next: TRADING }, { calendars: CALENDARS });
    const h = await createHarness(emulator(), dag, { start: `${SATURDAY}T00:00:00Z` });
    await h.handler(triggerEvent('root', SATURDAY));
    for (let i = 0; i < 4; i++) {
      h.clock.advance(minutes(6 * 60));
      await sweep(h.deps);
    }
    expect((await h.run('root', SATURDAY))?.state).toBe(RunState.SKIPPED);
    expect((await h.run('root', SATURDAY))?.dueAt).toBeUndefined();
    expect((await h.run('next', SATURDAY))?.state).toBe(RunState.SKIPPED);
    expect(h.alerts.sent).toEqual([]);
  });
});

describe('an hourly job whose calendar excludes the day (docs/calendars.md, docs/hourly.md)', () => {
  it('skips the hour, and the skip reaches the day of its daily child, never a daily run keyed by the hour', async () => {
    const dag = dagFrom(
      { feed: [], daily: ['feed'], last: ['feed'] },
      {
        feed: { ...TRADING, granularity: 'hourly' },
        daily: TRADING,
        last: { ...TRADING, hourlyDependency: { feed: 'last' } },
      },
      { calendars: CALENDARS },
    );
    const h = await createHarness(emulator(), dag, { start: `${SATURDAY}T00:00:00Z` });
    for (const hh of ['05', '05', '23']) {
      await h.handler({ source: 'rsched.trigger', job: 'feed', scheduledTime: `${SATURDAY}T${hh}:00:00.000Z` });
    }
    expect((await h.run('feed', `${SATURDAY}T05`))?.state).toBe(RunState.SKIPPED);
    expect((await h.run('feed', `${SATURDAY}T23`))?.state).toBe(RunState.SKIPPED);
    for (const job of ['daily', 'last']) {
      expect((await h.run(job, SATURDAY))?.state, job).toBe(RunState.SKIPPED);
      expect(await h.run(job, `${SATURDAY}T05`), job).toBeUndefined();
      expect(await h.run(job, `${SATURDAY}T23`), job).toBeUndefined();
    }
    expect(h.submitter.calls).toEqual([]);
    expect(h.alerts.sent).toEqual([]);
  });
});

describe('a dependent whose calendar excludes the date', () => {
  it('is SKIPPED by the first upstream outcome, once, under duplicated shuffled concurrent markers; its chain follows', async () => {
    // daily runs every day; export and its report only on trading days; audit (every day) hangs off daily alone.
    const dag = dagFrom(
      { a: [], b: [], export: ['a', 'b'], report: ['export'], audit: ['a'] },
      { a: EXTERNAL, b: EXTERNAL, export: TRADING, report: TRADING },
      { calendars: CALENDARS },
    );
    const h = await createHarness(emulator(), dag, { start: `${SATURDAY}T00:00:00Z` });
    const random = seededRandom(11);
    const { handler } = h.variant({ store: jitteryStore(h.store, () => Math.floor(random() * 4)) });
    const problems = watchSubmissions(h, dag);
    for (const date of [SATURDAY, addDays(SATURDAY, 1)]) {
      const events = [h.marker('a', date), h.marker('b', date)];
      const deliveries = shuffleInPlace([...events, ...events, ...events], random);
      await Promise.all(deliveries.map((e) => handler(h.snsEvent(e))));
      for (const job of ['export', 'report']) {
        const run = await h.run(job, date);
        expect(run?.state, `${job} ${date}`).toBe(RunState.SKIPPED);
        expect(run?.history.map((e) => e.to)).toEqual([RunState.SKIPPED]);
      }
      expect(h.submitter.submittedFor('audit', date)).toBe(1);
      expect(h.submitter.submittedFor('export', date)).toBe(0);
    }
    // A trading day: the same deliveries submit export once.
    const monday = addDays(SATURDAY, 2);
    const events = [h.marker('a', monday), h.marker('b', monday)];
    await Promise.all(shuffleInPlace([...events, ...events], random).map((e) => handler(h.snsEvent(e))));
    expect(h.submitter.submittedFor('export', monday)).toBe(1);
    expect((await h.run('export', monday))?.state).toBe(RunState.SUBMITTED);
    expect(h.alerts.sent).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('is SKIPPED, not UPSTREAM_FAILED, when its upstream fails on that date; no alert for it', async () => {
    const dag = dagFrom({ a: [], export: ['a'], report: ['export'] }, { export: TRADING, report: TRADING }, { calendars: CALENDARS });
    const h = await createHarness(emulator(), dag, { start: `${SATURDAY}T00:00:00Z` });
    await h.handler(h.snsEvent(h.marker('a', SATURDAY, 'failed')));
    expect((await h.run('a', SATURDAY))?.state).toBe(RunState.FAILED);
    expect((await h.run('export', SATURDAY))?.state).toBe(RunState.SKIPPED);
    expect((await h.run('report', SATURDAY))?.state).toBe(RunState.SKIPPED);
    expect(h.alerts.kinds()).toEqual(['FAILED:a']);
  });

  it('keeps a .done written for a skipped date in history once, and stays SKIPPED', async () => {
    const dag = dagFrom(
      { a: [], export: ['a'], report: ['export'] },
      { a: EXTERNAL, export: TRADING, report: TRADING },
      { calendars: CALENDARS },
    );
    const h = await createHarness(emulator(), dag, { start: `${SATURDAY}T00:00:00Z` });
    await h.handler(h.snsEvent(h.marker('a', SATURDAY)));
    const stray = h.marker('export', SATURDAY);
    await Promise.all([h.handler(h.snsEvent(stray)), h.handler(h.snsEvent(stray)), h.handler(h.snsEvent(stray))]);
    const run = await h.run('export', SATURDAY);
    expect(run?.state).toBe(RunState.SKIPPED);
    expect(run?.history.map((e) => e.to)).toEqual([RunState.SKIPPED, RunState.SKIPPED]);
    expect(run?.history[1]?.why).toContain('rsched replay export --date 2031-03-01 --force');
    expect((await h.run('report', SATURDAY))?.state).toBe(RunState.SKIPPED);
    expect(h.submitter.calls).toEqual([]);
  });
});

describe('a skip whose handler died before passing it down', () => {
  it('is passed down by the sweeper once the watch is due', async () => {
    const dag = dagFrom(
      { root: [], next: ['root'], last: ['next'] },
      { root: TRADING, next: TRADING, last: TRADING },
      { calendars: CALENDARS },
    );
    const h = await createHarness(emulator(), dag, { start: `${SATURDAY}T00:00:00Z` });
    const at = h.clock.now().toISOString();
    // What the trigger's handler wrote before it died: the skip, watched for 5 minutes.
    await h.store.transition(
      skip(
        { job: 'root', date: SATURDAY },
        { at, by: 'trigger:schedule', why: 'test', watchUntil: new Date(Date.parse(at) + minutes(5)).toISOString() },
      ),
    );
    await sweep(h.deps);
    expect(await h.run('next', SATURDAY)).toBeUndefined();
    h.clock.advance(minutes(5));
    const report = await sweep(h.deps);
    expect(report.resumed).toBe(1);
    expect((await h.run('next', SATURDAY))?.state).toBe(RunState.SKIPPED);
    expect((await h.run('last', SATURDAY))?.state).toBe(RunState.SKIPPED);
    expect((await h.run('root', SATURDAY))?.propagatedAt).toBeDefined();
    expect((await h.run('root', SATURDAY))?.dueAt).toBeUndefined();
    // Nothing more is due.
    h.clock.advance(minutes(60));
    expect((await sweep(h.deps)).resumed).toBe(0);
  });
});

describe('expectedBy on a date the calendar excludes', () => {
  it('raises no LATE alert; the same deadline on a trading day does', async () => {
    const dag = dagFrom({ root: [] }, { root: { ...TRADING, expectedBy: '06:00' } }, { calendars: CALENDARS });
    const h = await createHarness(emulator(), dag, { start: `${SATURDAY}T05:00:00Z` });
    await sweep(h.deps);
    for (let i = 0; i < 3 * 24; i++) {
      h.clock.advance(minutes(60));
      await sweep(h.deps);
    }
    // Saturday and Sunday passed without LATE; Monday 06:00 raised it.
    expect(h.alerts.sent.map((a) => `${a.kind}:${a.date}`)).toEqual([`LATE:${addDays(SATURDAY, 2)}`]);
  });
});
