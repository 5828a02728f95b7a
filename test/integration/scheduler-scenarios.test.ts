import { describe, expect, it } from 'vitest';
import { RunState } from '../../lambdas/domain/runs/states';
import { onClusterReady } from '../../lambdas/engine/cluster-ready';
import { onMarker } from '../../lambdas/engine/markers';
import { sweep } from '../../lambdas/engine/sweep';
import { onTrigger } from '../../lambdas/engine/triggers';
import { SubmitError } from '../../lambdas/ports/submitter';
import { dagFrom } from '../support/dags';
import { useDynalite } from '../support/dynalite';
import { createHarness } from '../support/harness';

const DATE = '2026-11-22';

const emulator = useDynalite();

const minutes = (n: number) => n * 60_000;

describe('wait for all upstreams', () => {
  it('submits a fan-in job once, only after its last upstream succeeds', async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [], b: [], c: [], d: ['a', 'b', 'c'] }));
    await onMarker(h.deps, h.marker('a', DATE));
    await onMarker(h.deps, h.marker('b', DATE));
    expect(h.submitter.countFor('d')).toBe(0);
    expect((await h.store.get({ job: 'd', date: DATE as never }))?.state).toBe(RunState.WAITING);
    await onMarker(h.deps, h.marker('c', DATE));
    expect(h.submitter.countFor('d')).toBe(1);
    const d = await h.store.get({ job: 'd', date: DATE as never });
    expect(d?.state).toBe(RunState.SUBMITTED);
    expect(d?.doneUpstreams).toEqual(['a', 'b', 'c']);
  });

  it('renders templates with the run date and upstream params', async () => {
    const dag = dagFrom(
      { up: [], down: ['up'] },
      { down: { target: { type: 'datapipeline', pipeline: 'p-{{yyyy}}', parameters: { day: '{{yyyymmdd}}', rows: '{{params.rows}}' } } } },
    );
    const h = await createHarness(emulator(), dag);
    await onMarker(h.deps, h.marker('up', DATE, 'done', { body: JSON.stringify({ params: { rows: '42' }, meta: { output: 's3://x' } }) }));
    expect(h.submitter.calls[0]?.target).toEqual({ type: 'datapipeline', pipeline: 'p-2026', parameters: { day: '20261122', rows: '42' } });
    const up = await h.store.get({ job: 'up', date: DATE as never });
    expect(up?.meta).toEqual({ output: 's3://x' });
  });

  it('fails the run with SUBMIT_FAILED when an upstream param is missing', async () => {
    const dag = dagFrom(
      { up: [], down: ['up'] },
      { down: { target: { type: 'datapipeline', pipeline: 'p', parameters: { rows: '{{params.rows}}' } } } },
    );
    const h = await createHarness(emulator(), dag);
    await onMarker(h.deps, h.marker('up', DATE));
    const down = await h.store.get({ job: 'down', date: DATE as never });
    expect(down?.state).toBe(RunState.FAILED);
    expect(down?.reason).toContain('param "rows"');
    expect(h.alerts.kinds()).toEqual(['SUBMIT_FAILED:down']);
    expect(h.submitter.calls).toHaveLength(0);
  });
});

describe('timeouts', () => {
  it('times out a waiting run, alerts, and fails the whole downstream chain', async () => {
    const dag = dagFrom({ a: [], b: [], c: ['a', 'b'], d: ['c'], e: ['d'], f: ['a'] }, { c: { timeoutMinutes: 30 } });
    const h = await createHarness(emulator(), dag);
    await onMarker(h.deps, h.marker('a', DATE));
    expect(h.submitter.countFor('f')).toBe(1);
    h.clock.advance(minutes(29));
    await sweep(h.deps);
    expect((await h.store.get({ job: 'c', date: DATE as never }))?.state).toBe(RunState.WAITING);
    h.clock.advance(minutes(1));
    await sweep(h.deps);
    const c = await h.store.get({ job: 'c', date: DATE as never });
    expect(c?.state).toBe(RunState.TIMED_OUT);
    expect(c?.reason).toContain('for b');
    expect((await h.store.get({ job: 'd', date: DATE as never }))?.state).toBe(RunState.UPSTREAM_FAILED);
    expect((await h.store.get({ job: 'e', date: DATE as never }))?.state).toBe(RunState.UPSTREAM_FAILED);
    expect(h.alerts.kinds()).toEqual(['TIMED_OUT:c']);
    expect(h.alerts.sent[0]?.next).toContain('rsched replay c --date 2026-11-22 --downstream');
  });

  it('does not resurrect a timed-out run when the late upstream arrives', async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [], b: [], c: ['a', 'b'] }, { c: { timeoutMinutes: 10 } }));
    await onMarker(h.deps, h.marker('a', DATE));
    h.clock.advance(minutes(11));
    await sweep(h.deps);
    await onMarker(h.deps, h.marker('b', DATE));
    expect((await h.store.get({ job: 'c', date: DATE as never }))?.state).toBe(RunState.TIMED_OUT);
    expect((await h.store.get({ job: 'b', date: DATE as never }))?.state).toBe(RunState.SUCCEEDED);
    expect(h.submitter.countFor('c')).toBe(0);
  });

  it('times out a submitted run that writes no marker within maxRuntimeMinutes', async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [], b: ['a'] }, { a: { maxRuntimeMinutes: 60 } }));
    await onTrigger(h.deps, 'a', h.clock.now(), 'trigger:schedule');
    h.clock.advance(minutes(61));
    await sweep(h.deps);
    expect((await h.store.get({ job: 'a', date: DATE as never }))?.state).toBe(RunState.TIMED_OUT);
    expect((await h.store.get({ job: 'b', date: DATE as never }))?.state).toBe(RunState.UPSTREAM_FAILED);
    // A marker after the timeout is too late: the attempt has ended.
    await onMarker(h.deps, h.marker('a', DATE));
    expect((await h.store.get({ job: 'a', date: DATE as never }))?.state).toBe(RunState.TIMED_OUT);
  });
});

describe('duplicates and failures', () => {
  it('a duplicate .done changes nothing and sends nothing', async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [], b: ['a'] }));
    const event = h.marker('a', DATE);
    await onMarker(h.deps, event);
    await onMarker(h.deps, h.marker('b', DATE));
    const before = await h.store.listByDate(DATE as never);
    h.counter.reset();
    const outcome = await onMarker(h.deps, event);
    expect(outcome.kind).toBe('ignored');
    // One conditional write that did not apply, judged by the winner: DynamoDB returns it with the
    // failure (ReturnValuesOnConditionCheckFailure); dynalite ignores that, so the store reads it.
    expect(Object.fromEntries(h.counter.counts)).toEqual({ UpdateItemCommand: 1, GetItemCommand: 1 });
    expect(await h.store.listByDate(DATE as never)).toEqual(before);
    expect(h.submitter.countFor('b')).toBe(1);
    expect(h.alerts.sent).toEqual([]);
    // A later .done for the finished run (a rewritten marker) is late data (test/integration/late-data.test.ts):
    // b keeps its run, and by default its owner is told.
    h.clock.advance(60 * 60_000);
    await onMarker(h.deps, h.marker('a', DATE));
    expect(await h.run('b', DATE)).toEqual(before.find((r) => r.job === 'b'));
    expect(h.alerts.kinds()).toEqual(['LATE_DATA:b']);
    expect(h.submitter.countFor('b')).toBe(1);
  });

  it('a .failed marker fails the run and its chain, with one alert', async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [], b: ['a'], c: ['b'] }));
    await onTrigger(h.deps, 'a', h.clock.now(), 'trigger:schedule');
    const failed = h.marker('a', DATE, 'failed', { body: JSON.stringify({ meta: { error: 'OOM in stage 3' } }) });
    await onMarker(h.deps, failed);
    await onMarker(h.deps, failed);
    const a = await h.store.get({ job: 'a', date: DATE as never });
    expect(a?.state).toBe(RunState.FAILED);
    expect(a?.reason).toBe('OOM in stage 3');
    expect((await h.store.get({ job: 'c', date: DATE as never }))?.state).toBe(RunState.UPSTREAM_FAILED);
    expect(h.alerts.kinds()).toEqual(['FAILED:a']);
  });

  it('retries a failed job after retryDelayMinutes as a new attempt; old events change nothing', async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [], b: ['a'] }, { a: { retries: 1, retryDelayMinutes: 10 } }));
    await onTrigger(h.deps, 'a', h.clock.now(), 'trigger:schedule');
    h.clock.advance(minutes(5));
    const failed = h.marker('a', DATE, 'failed');
    expect((await onMarker(h.deps, failed)).kind).toBe('retrying');
    h.clock.advance(minutes(9));
    await sweep(h.deps);
    expect(h.submitter.countFor('a')).toBe(1);
    h.clock.advance(minutes(1));
    await sweep(h.deps);
    expect(h.submitter.countFor('a')).toBe(2);
    expect(h.submitter.calls[1]?.attempt).toBe(2);
    // The first attempt's .failed, delivered again, belongs to the old attempt.
    expect((await onMarker(h.deps, failed)).kind).toBe('ignored');
    h.clock.advance(minutes(3));
    await onMarker(h.deps, h.marker('a', DATE));
    const a = await h.store.get({ job: 'a', date: DATE as never });
    expect(a?.state).toBe(RunState.SUCCEEDED);
    expect(a?.attempt).toBe(2);
    expect(h.submitter.countFor('b')).toBe(1);
    expect(h.alerts.sent).toEqual([]);
    expect(a?.history.map((e) => `${e.attempt}:${e.to}`)).toEqual([
      '1:WAITING',
      '1:SUBMITTING',
      '1:SUBMITTED',
      '2:RETRYING',
      '2:SUBMITTING',
      '2:SUBMITTED',
      '2:SUCCEEDED',
    ]);
  });

  it('retries submit errors with backoff, then marks SUBMIT_FAILED and alerts', async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [], b: ['a'] }), { tuning: { submitTries: 3 } });
    h.submitter.fail = () => new SubmitError('ThrottlingException', true);
    const start = h.clock.now().getTime();
    await onTrigger(h.deps, 'a', h.clock.now(), 'trigger:schedule');
    expect(h.submitter.countFor('a')).toBe(3);
    expect(h.clock.now().getTime() - start).toBe(500 + 1000);
    const a = await h.store.get({ job: 'a', date: DATE as never });
    expect(a?.state).toBe(RunState.FAILED);
    expect(a?.reason).toContain('ThrottlingException');
    expect((await h.store.get({ job: 'b', date: DATE as never }))?.state).toBe(RunState.UPSTREAM_FAILED);
    expect(h.alerts.kinds()).toEqual(['SUBMIT_FAILED:a']);
  });

  it('does not retry a submit error that cannot succeed', async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [] }));
    h.submitter.fail = () => new SubmitError('no Data Pipeline named "a-pipeline"', false);
    await onTrigger(h.deps, 'a', h.clock.now(), 'trigger:schedule');
    expect(h.submitter.countFor('a')).toBe(1);
  });
});

describe('marker rejection', () => {
  it('rejects bad markers with a reason, alerts once, and processes the other records of the event', async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [], b: ['a'] }));
    const good = h.marker('a', DATE);
    const unknown = { ...good, key: 'markers/nosuchjob__20261122.done', sequencer: 'A1' };
    const badDate = { ...good, key: 'markers/a__20261131.done', sequencer: 'A2' };
    const hourly = { ...good, key: 'markers/a__2026112201.done', sequencer: 'A3' };
    const badBody = { ...good, key: 'markers/b__20261122.done', size: 5, sequencer: 'A4' };
    h.markers.bodies.set('markers/b__20261122.done', '{oops');
    const event = h.snsEvent(unknown, badDate, good, hourly, badBody);
    const result = await h.handler(event);
    expect(result.markers.map((m) => (m.kind === 'rejected' ? m.reason : m.kind))).toEqual([
      'unknown job "nosuchjob": no job in dag-config has that name',
      'run date 20261131 is not a real day',
      'succeeded',
      'a is a daily job: its markers name a day, a__YYYYMMDD, not an hour (set "granularity": "hourly" for hourly runs)',
      expect.stringContaining('body is not valid JSON'),
    ]);
    expect(h.submitter.countFor('b')).toBe(1);
    await h.handler(event);
    expect(h.alerts.sent.filter((a) => a.kind === 'MARKER_REJECTED')).toHaveLength(4);
  });

  it('decodes URL-encoded keys and accepts any prefix', async () => {
    const h = await createHarness(emulator(), dagFrom({ 'player-entry': [] }));
    const event = h.marker('player-entry', DATE, 'done', { prefix: 'daily markers/prod-' });
    const result = await h.handler(h.snsEvent(event));
    expect(result.markers).toEqual([{ kind: 'succeeded', job: 'player-entry', date: DATE }]);
  });

  it('acknowledges the s3:TestEvent that S3 sends when the notification is configured', async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [] }));
    const test = {
      Records: [{ Sns: { MessageId: 'm', Message: JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'b' }) } }],
    };
    expect((await h.handler(test)).testEvents).toBe(1);
  });

  it('throws after processing the rest when a record is not an S3 event, so Lambda retries it', async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [] }));
    await expect(h.handler({ Records: [{ Sns: { MessageId: 'm', Message: 'not json' } }] })).rejects.toThrow(/not an S3 event/);
  });
});

describe('root triggers and clusters', () => {
  it('starts a root once however often its schedule fires', async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [] }));
    const event = { source: 'rsched.trigger', job: 'a', scheduledTime: '2026-11-22T00:00:00Z' };
    await Promise.all([h.handler(event), h.handler(event), h.handler(event)]);
    expect(h.submitter.countFor('a', DATE)).toBe(1);
  });

  it('uses the job time zone for the run date of a trigger', async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [] }, { a: { timezone: 'America/Los_Angeles' } }));
    await h.handler({ source: 'rsched.trigger', job: 'a', scheduledTime: '2026-11-22T05:00:00Z' });
    expect(h.submitter.calls[0]?.date).toBe('2026-11-21');
  });

  it('waits for a cluster of the pool, then submits to it when it is ready', async () => {
    const dag = dagFrom(
      { a: [], b: ['a'] },
      { b: { target: { type: 'emr-step', pool: 'etl', step: { args: ['spark-submit', '--master-ip', '{{cluster.masterIp}}'] } } } },
      { clusters: [{ name: 'nightly', pools: ['etl'] }] },
    );
    const h = await createHarness(emulator(), dag);
    await onMarker(h.deps, h.marker('a', DATE));
    expect((await h.store.get({ job: 'b', date: DATE as never }))?.state).toBe(RunState.WAITING_FOR_CLUSTER);
    const cluster = { name: 'nightly', id: 'j-ABC', masterIp: '10.0.0.12', pools: ['etl'], windowStart: '', windowEnd: '' };
    h.clusters.live = [cluster];
    expect(await onClusterReady(h.deps, cluster)).toBe(1);
    expect(h.submitter.calls).toHaveLength(1);
    expect(h.submitter.calls[0]?.target).toMatchObject({ type: 'emr-step', args: ['spark-submit', '--master-ip', '10.0.0.12'] });
    expect(h.submitter.calls[0]?.cluster?.id).toBe('j-ABC');
    const b = await h.store.get({ job: 'b', date: DATE as never });
    expect(b).toMatchObject({ state: RunState.SUBMITTED, clusterId: 'j-ABC', clusterName: 'nightly' });
  });

  it('times out a run whose pool never gets a cluster', async () => {
    const dag = dagFrom(
      { a: [] },
      { a: { timeoutMinutes: 30, target: { type: 'emr-step', pool: 'etl', step: { args: ['x'] } } } },
      { clusters: [{ name: 'nightly', pools: ['etl'] }] },
    );
    const h = await createHarness(emulator(), dag);
    await onTrigger(h.deps, 'a', h.clock.now(), 'trigger:schedule');
    for (let i = 0; i < 7; i++) {
      h.clock.advance(minutes(5));
      await sweep(h.deps);
    }
    const a = await h.store.get({ job: 'a', date: DATE as never });
    expect(a?.state).toBe(RunState.TIMED_OUT);
    expect(a?.reason).toContain('no live cluster served pool etl');
    expect(h.alerts.kinds()).toEqual(['TIMED_OUT:a']);
  });
});

describe('LATE alerts', () => {
  it('alerts once when a run has not succeeded by expectedBy, even if it never started', async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [], b: ['a'] }, { b: { expectedBy: '06:00' } }));
    await sweep(h.deps);
    h.clock.set('2026-11-22T05:59:00Z');
    await sweep(h.deps);
    expect(h.alerts.sent).toEqual([]);
    h.clock.set('2026-11-22T06:01:00Z');
    await sweep(h.deps);
    h.clock.set('2026-11-22T06:02:00Z');
    await sweep(h.deps);
    expect(h.alerts.kinds()).toEqual(['LATE:b']);
    expect(h.alerts.sent[0]?.message).toContain('PENDING');
  });
});
