import { describe, expect, it } from 'vitest';
import { RunState } from '../../lambdas/domain/runs/states';
import { planBackfill } from '../../lambdas/engine/operations/backfill';
import { replay } from '../../lambdas/engine/operations/replay';
import { dayStatus } from '../../lambdas/engine/operations/status';
import { sweep } from '../../lambdas/engine/sweep';
import { seededRandom, shuffleInPlace } from '../../lambdas/local/random';
import { dagFrom, EXTERNAL } from '../support/dags';
import { useDynalite } from '../support/dynalite';
import { createHarness, type Harness } from '../support/harness';

/**
 * Hourly runs through the real scheduler handler on the DynamoDB API
 * (dynalite): the mapping of docs/hourly.md, exactly once under duplicated,
 * shuffled and concurrent delivery of the 24 hourly markers.
 */

const emulator = useDynalite();
const DAY = '2026-11-22';
const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));
const HOURLY = { granularity: 'hourly' } as const;

/**
 * raw (external, hourly) -> agg (hourly) ; raw -> daily_all ; raw -> daily_last ("last") ; dim (daily) -> enrich (hourly) <- raw ;
 * hc_root (hourly, submitted) -> hc_daily ("all")
 */
const fleet = () =>
  dagFrom(
    { raw: [], agg: ['raw'], daily_all: ['raw'], daily_last: ['raw'], dim: [], enrich: ['dim', 'raw'], hc_root: [], hc_daily: ['hc_root'] },
    {
      hc_root: HOURLY,
      raw: { ...HOURLY, ...EXTERNAL },
      agg: { ...HOURLY, target: { type: 'datapipeline', pipeline: 'agg', parameters: { day: '{{date}}', hour: '{{hour}}' } } },
      enrich: HOURLY,
      dim: EXTERNAL,
      daily_last: { hourlyDependency: { raw: 'last' } },
    },
  );

const state = async (h: Harness, job: string, date: string) => (await h.run(job, date))?.state;

describe('hourly runs through the scheduler handler', () => {
  it('an hourly root starts the run of the UTC hour its schedule fired in, once however often it fires', async () => {
    const h = await createHarness(emulator(), dagFrom({ mb: [], next: ['mb'] }, { mb: HOURLY, next: HOURLY }));
    const fired = { source: 'rsched.trigger', job: 'mb', scheduledTime: '2026-11-22T05:00:00.000Z' };
    await h.handler(fired);
    await h.handler(fired);
    expect(h.submitter.calls.map((c) => `${c.job} ${c.date}`)).toEqual(['mb 2026-11-22T05']);
    await h.handler(h.snsEvent(h.marker('mb', `${DAY}T05`)));
    expect(await state(h, 'mb', `${DAY}T05`)).toBe(RunState.SUCCEEDED);
    expect(h.submitter.calls.map((c) => `${c.job} ${c.date}`)).toEqual(['mb 2026-11-22T05', 'next 2026-11-22T05']);
    expect(await state(h, 'next', `${DAY}T06`)).toBeUndefined();
  });

  it('hourly <- hourly: hour 05 of the upstream starts hour 05 downstream, with {{hour}} rendered', async () => {
    const h = await createHarness(emulator(), fleet());
    const result = await h.handler(h.snsEvent(h.marker('raw', `${DAY}T05`)));
    expect(result.markers).toEqual([{ kind: 'succeeded', job: 'raw', date: `${DAY}T05` }]);
    expect(h.submitter.calls.filter((c) => c.job === 'agg').map((c) => [c.date, c.target])).toEqual([
      [`${DAY}T05`, { type: 'datapipeline', pipeline: 'agg', parameters: { day: DAY, hour: '05' } }],
    ]);
    expect((await h.run('daily_all', DAY))?.doneUpstreams).toEqual(['raw@05']);
    expect(await state(h, 'daily_all', DAY)).toBe(RunState.WAITING);
    expect(await state(h, 'daily_last', DAY)).toBeUndefined();
  });

  it('daily <- hourly: 24 hourly markers, each delivered 3 times, shuffled and concurrent, submit the daily runs exactly once', async () => {
    const h = await createHarness(emulator(), fleet());
    const events = HOURS.flatMap((hh) => {
      const e = h.marker('raw', `${DAY}T${hh}`);
      return [e, e, e];
    });
    shuffleInPlace(events, seededRandom(18));
    // Six handler invocations at once, each with a batch of 12 records, as SNS may deliver them.
    const batches = Array.from({ length: 6 }, (_, i) => events.slice(i * 12, i * 12 + 12));
    await Promise.all(batches.map((batch) => h.handler(h.snsEvent(...batch))));
    expect(h.submitter.countFor('daily_all')).toBe(1);
    expect(h.submitter.countFor('daily_last')).toBe(1);
    expect(h.submitter.countFor('agg')).toBe(24);
    const daily = await h.run('daily_all', DAY);
    expect(daily?.state).toBe(RunState.SUBMITTED);
    expect([...(daily?.doneUpstreams ?? [])].sort()).toEqual(HOURS.map((hh) => `raw@${hh}`));
    expect((await h.run('daily_last', DAY))?.doneUpstreams).toEqual(['raw']);
    // Every agg hour was submitted once, none twice.
    expect(new Set(h.submitter.calls.filter((c) => c.job === 'agg').map((c) => c.date)).size).toBe(24);
  });

  it('daily <- hourly "all" does not start before hour 23, and "last" starts on hour 23 alone', async () => {
    const h = await createHarness(emulator(), fleet());
    for (const hh of HOURS.slice(0, 23)) await h.handler(h.snsEvent(h.marker('raw', `${DAY}T${hh}`)));
    expect(h.submitter.countFor('daily_all')).toBe(0);
    expect(h.submitter.countFor('daily_last')).toBe(0);
    await h.handler(h.snsEvent(h.marker('raw', `${DAY}T23`)));
    expect(h.submitter.countFor('daily_all')).toBe(1);
    expect(h.submitter.countFor('daily_last')).toBe(1);
  });

  it('hourly <- daily: each hour of day D waits for run D as well as its own hour', async () => {
    const h = await createHarness(emulator(), fleet());
    await h.handler(h.snsEvent(h.marker('raw', `${DAY}T05`)));
    expect(h.submitter.countFor('enrich')).toBe(0);
    expect((await h.run('enrich', `${DAY}T05`))?.doneUpstreams).toEqual(['raw']);
    await h.handler(h.snsEvent(h.marker('dim', DAY)));
    expect(h.submitter.calls.filter((c) => c.job === 'enrich').map((c) => c.date)).toEqual([`${DAY}T05`]);
    expect((await h.run('enrich', `${DAY}T06`))?.doneUpstreams).toEqual(['dim']);
    await h.handler(h.snsEvent(h.marker('raw', `${DAY}T06`)));
    expect(h.submitter.calls.filter((c) => c.job === 'enrich').map((c) => c.date)).toEqual([`${DAY}T05`, `${DAY}T06`]);
  });

  it('a failed hour fails that hour downstream and the daily run waiting for all hours, not the "last" one', async () => {
    const h = await createHarness(emulator(), fleet());
    await h.handler(h.snsEvent(h.marker('raw', `${DAY}T04`)));
    await h.handler(h.snsEvent(h.marker('raw', `${DAY}T07`, 'failed')));
    expect(await state(h, 'raw', `${DAY}T07`)).toBe(RunState.FAILED);
    expect(await state(h, 'agg', `${DAY}T07`)).toBe(RunState.UPSTREAM_FAILED);
    expect(await state(h, 'enrich', `${DAY}T07`)).toBe(RunState.UPSTREAM_FAILED);
    expect(await state(h, 'daily_all', DAY)).toBe(RunState.UPSTREAM_FAILED);
    expect((await h.run('daily_all', DAY))?.reason).toBe('upstream raw 2026-11-22T07 FAILED');
    expect(await state(h, 'daily_last', DAY)).toBeUndefined();
    expect(await state(h, 'agg', `${DAY}T04`)).toBe(RunState.SUBMITTED);
    expect(h.alerts.kinds()).toEqual(['FAILED:raw']);
  });

  it('a failed day fails all 24 hours of an hourly job below it', async () => {
    const h = await createHarness(emulator(), fleet());
    await h.handler(h.snsEvent(h.marker('dim', DAY, 'failed')));
    for (const hh of HOURS) expect(await state(h, 'enrich', `${DAY}T${hh}`)).toBe(RunState.UPSTREAM_FAILED);
    expect(await state(h, 'enrich', '2026-11-23T00')).toBeUndefined();
  });

  it('rejects a day marker for an hourly job and an hour marker for a daily job, with the reason', async () => {
    const h = await createHarness(emulator(), fleet());
    const result = await h.handler(h.snsEvent(h.marker('raw', DAY), h.marker('dim', `${DAY}T05`)));
    expect(result.markers).toEqual([
      { kind: 'rejected', reason: 'raw is an hourly job: its markers name an hour, raw__YYYYMMDDHH, not a day' },
      {
        kind: 'rejected',
        reason: 'dim is a daily job: its markers name a day, dim__YYYYMMDD, not an hour (set "granularity": "hourly" for hourly runs)',
      },
    ]);
    expect(h.alerts.sent.map((a) => a.kind)).toEqual(['MARKER_REJECTED', 'MARKER_REJECTED']);
  });

  it("a daily run over 24 hours times out timeoutMinutes after the day's end, naming the hours missing", async () => {
    const h = await createHarness(emulator(), fleet());
    await h.handler(h.snsEvent(h.marker('raw', `${DAY}T00`)));
    // Default timeoutMinutes is 120: counted from 2026-11-23T00:00, not from the first hour's success.
    h.clock.set('2026-11-23T01:59:00.000Z');
    await sweep(h.deps);
    expect(await state(h, 'daily_all', DAY)).toBe(RunState.WAITING);
    h.clock.set('2026-11-23T02:00:00.000Z');
    await sweep(h.deps);
    const daily = await h.run('daily_all', DAY);
    expect(daily?.state).toBe(RunState.TIMED_OUT);
    expect(daily?.reason).toContain('raw@01');
    expect(daily?.reason).toContain('raw@23');
  });
});

describe('hourly runs through the operations', () => {
  it('replay --downstream of an hour re-runs that hour downstream and the daily run over it, which waits for that hour only', async () => {
    const h = await createHarness(emulator(), fleet(), { start: '2026-11-23T03:00:00.000Z' });
    for (const hh of HOURS) await h.handler(h.snsEvent(h.marker('hc_root', `${DAY}T${hh}`)));
    expect(h.submitter.countFor('hc_daily')).toBe(1);
    await h.handler(h.snsEvent(h.marker('hc_daily', DAY)));
    const result = await replay(h.deps, { job: 'hc_root', date: `${DAY}T07` as never, downstream: true, by: 'operator:test' });
    expect(result.plan.runs.map((r) => [r.job, r.date, r.waitsFor.join(',')])).toEqual([
      ['hc_root', `${DAY}T07`, ''],
      ['hc_daily', DAY, 'hc_root@07'],
    ]);
    expect(h.submitter.calls.filter((c) => c.job === 'hc_root').map((c) => c.date)).toContain(`${DAY}T07`);
    const daily = await h.run('hc_daily', DAY);
    expect(daily?.state).toBe(RunState.WAITING);
    expect([...(daily?.doneUpstreams ?? [])].sort()).toEqual(HOURS.filter((hh) => hh !== '07').map((hh) => `hc_root@${hh}`));
    await h.handler(h.snsEvent(h.marker('hc_root', `${DAY}T07`)));
    expect(h.submitter.countFor('hc_daily')).toBe(2);
  });

  it('refuses a day for an hourly job, an hour for a daily one, and a future hour', async () => {
    const h = await createHarness(emulator(), fleet(), { start: '2026-11-22T05:30:00.000Z' });
    const refusal = (job: string, date: string) =>
      replay(h.deps, { job, date: date as never, downstream: false, by: 'operator:test' }).then(
        () => 'started',
        (err: Error) => err.message,
      );
    expect(await refusal('hc_root', DAY)).toContain('hc_root is an hourly job: its markers name an hour');
    expect(await refusal('hc_daily', `${DAY}T05`)).toContain('hc_daily is a daily job');
    expect(await refusal('hc_root', `${DAY}T06`)).toBe('2026-11-22T06 is in the future (the current hour is 2026-11-22T05 UTC)');
    expect(await refusal('hc_root', `${DAY}T05`)).toBe('started');
  });

  it('backfills an hourly job by hour, and refuses a --downstream that crosses granularities', async () => {
    const h = await createHarness(emulator(), fleet(), { start: '2026-11-23T03:00:00.000Z' });
    const request = { job: 'hc_root', from: `${DAY}T20`, to: `${DAY}T23`, downstream: false, reprocess: 'missing', parallel: 2 } as const;
    const plan = await planBackfill(h.deps, { ...request, from: request.from as never, to: request.to as never, by: 'operator:test' });
    expect(plan.map((p) => [p.date, p.action])).toEqual([
      [`${DAY}T20`, 'run'],
      [`${DAY}T21`, 'run'],
      [`${DAY}T22`, 'run'],
      [`${DAY}T23`, 'run'],
    ]);
    await expect(
      planBackfill(h.deps, { ...request, from: request.from as never, to: request.to as never, downstream: true, by: 'operator:test' }),
    ).rejects.toThrow('--downstream of hourly hc_root reaches daily jobs (hc_daily)');
  });

  it('status of a day rolls an hourly job up from its hours and lists them', async () => {
    const h = await createHarness(emulator(), fleet());
    for (const hh of HOURS.slice(0, 5)) await h.handler(h.snsEvent(h.marker('raw', `${DAY}T${hh}`)));
    const before = await dayStatus({ dag: h.deps.dag, store: h.store, date: DAY as never, now: h.clock.now() });
    // The daily run over all hours waits for the 19 hours still to come, named by hour.
    const waits = before.jobs.daily_all?.waitingFor;
    expect(waits?.kind).toBe('upstreams');
    expect(Object.keys(waits?.kind === 'upstreams' ? waits.upstreams : {})).toEqual(HOURS.slice(5).map((hh) => `raw@${hh}`));
    // 5 of 24 hours done: the day is not complete.
    expect(before.jobs.raw).toMatchObject({ state: 'WAITING', hoursSucceeded: 5 });
    await h.handler(h.snsEvent(h.marker('raw', `${DAY}T05`, 'failed')));
    const status = await dayStatus({ dag: h.deps.dag, store: h.store, date: DAY as never, now: h.clock.now() });
    expect(status.jobs.raw).toMatchObject({ state: 'FAILED', granularity: 'hourly', hoursSucceeded: 5 });
    expect(Object.keys(status.jobs.raw?.hours ?? {})).toEqual(['00', '01', '02', '03', '04', '05']);
    expect(status.jobs.agg).toMatchObject({ state: 'UPSTREAM_FAILED', hoursSucceeded: 0, submissions: 5 });
    expect(status.jobs.daily_all?.state).toBe('UPSTREAM_FAILED');
    // daily_last still waits, for hour 23 only.
    expect(status.jobs.daily_last).toMatchObject({ state: 'PENDING' });
    expect(status.alerts.map((a) => [a.kind, a.job, a.date])).toEqual([['FAILED', 'raw', `${DAY}T05`]]);
  });
});
