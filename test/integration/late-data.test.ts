import { describe, expect, it } from 'vitest';
import type { OnLateUpstream } from '../../lambdas/domain/config/schema';
import { RunState } from '../../lambdas/domain/runs/states';
import type { MarkerEvent } from '../../lambdas/engine/markers';
import { dagFrom, EXTERNAL } from '../support/dags';
import { useDynalite } from '../support/dynalite';
import { createHarness, type Harness } from '../support/harness';
import { injectHttpFaults } from '../support/http-faults';

/**
 * Issue 18, late data (docs/markers.md#late-data-onlateupstream): a newer
 * `.done` of a SUCCEEDED upstream, through the real scheduler handler on
 * dynalite. S3 delivers at least once and out of order, so every new marker is
 * delivered several times, concurrently and shuffled.
 */

const emulator = useDynalite();
const DAY = '2026-11-22';
/** Hours after the success: not the same completion reported twice (SAME_COMPLETION_MINUTES). */
const LATER = 5 * 60 * 60_000;

/** up (external) → mid → tail, all SUCCEEDED; `both` waits for up and `other`, which never comes. */
async function succeededChain(mid: OnLateUpstream): Promise<{ h: Harness; original: MarkerEvent }> {
  const dag = dagFrom(
    { up: [], mid: ['up'], tail: ['mid'], other: [], both: ['up', 'other'] },
    { up: EXTERNAL, other: EXTERNAL, mid: { onLateUpstream: mid } },
  );
  const h = await createHarness(emulator(), dag);
  const original = h.marker('up', DAY);
  await h.handler(h.snsEvent(original));
  h.clock.advance(60_000);
  await h.handler(h.snsEvent(h.marker('mid', DAY)));
  h.clock.advance(60_000);
  await h.handler(h.snsEvent(h.marker('tail', DAY)));
  for (const job of ['up', 'mid', 'tail']) expect((await h.run(job, DAY))?.state, job).toBe(RunState.SUCCEEDED);
  expect((await h.run('both', DAY))?.state).toBe(RunState.WAITING);
  expect(h.submitter.calls.map((c) => c.job)).toEqual(['mid', 'tail']);
  return { h, original };
}

/** The same event delivered `n` times at once, in the order given (callers shuffle by mixing in others). */
async function deliver(h: Harness, ...events: MarkerEvent[]): Promise<void> {
  await Promise.all(events.map((e) => h.handler(h.snsEvent(e))));
}

describe('late data: a newer .done of a SUCCEEDED upstream', () => {
  it('alert (the default): one LATE_DATA per new marker under concurrent duplicates, none for waiting runs', async () => {
    const { h, original } = await succeededChain('alert');
    h.clock.advance(LATER);
    const redelivered = h.marker('up', DAY, 'done', { body: JSON.stringify({ params: { rows: '2' } }) });
    await deliver(h, redelivered, original, redelivered, redelivered);
    expect(h.alerts.kinds()).toEqual(['LATE_DATA:mid']);
    const alert = h.alerts.sent[0];
    expect(alert?.message).toContain('up wrote a newer .done for 2026-11-22');
    expect(alert?.next).toBe('If mid must use the new data: rsched replay mid --date 2026-11-22 --downstream');
    const up = await h.run('up', DAY);
    expect(up?.lastDoneSeq?.startsWith(redelivered.sequencer as string)).toBe(true);
    expect(up?.params).toEqual({ rows: '2' });
    expect((await h.run('mid', DAY))?.attempt).toBe(1);
    expect(h.submitter.calls).toHaveLength(2);
    // Another re-delivery later is another alert; its duplicates are not.
    h.clock.advance(LATER);
    const again = h.marker('up', DAY);
    await deliver(h, again, redelivered, again);
    expect(h.alerts.kinds()).toEqual(['LATE_DATA:mid', 'LATE_DATA:mid']);
  });

  it('a duplicate or an older write of the ORIGINAL marker changes nothing', async () => {
    const { h, original } = await succeededChain('rerun');
    const before = await h.run('up', DAY);
    await deliver(h, original, original, { ...original, sequencer: '0000000000000000' });
    expect(h.alerts.sent).toEqual([]);
    expect(h.submitter.calls).toHaveLength(2);
    expect((await h.run('up', DAY))?.history).toHaveLength(before?.history.length ?? -1);
  });

  it('a newer write minutes after the success is the same completion written twice, not late data', async () => {
    const { h } = await succeededChain('rerun');
    const before = await h.run('up', DAY);
    h.clock.advance(2 * 60_000);
    const again = h.marker('up', DAY);
    await deliver(h, again, again);
    expect(h.alerts.sent).toEqual([]);
    expect(h.submitter.calls).toHaveLength(2);
    expect((await h.run('up', DAY))?.lastDoneSeq).toBe(before?.lastDoneSeq);
  });

  it('ignore: the new sequencer is recorded, nothing else happens', async () => {
    const { h } = await succeededChain('ignore');
    h.clock.advance(LATER);
    const redelivered = h.marker('up', DAY);
    await deliver(h, redelivered, redelivered, redelivered);
    expect(h.alerts.sent).toEqual([]);
    expect(h.submitter.calls).toHaveLength(2);
    expect((await h.run('mid', DAY))?.attempt).toBe(1);
    expect((await h.run('up', DAY))?.lastDoneSeq?.startsWith(redelivered.sequencer as string)).toBe(true);
  });

  it('rerun: the job and its chain run again exactly once under concurrent duplicates', async () => {
    const { h } = await succeededChain('rerun');
    h.clock.advance(LATER);
    const redelivered = h.marker('up', DAY);
    await deliver(h, redelivered, redelivered, redelivered);
    expect(h.alerts.sent).toEqual([]);
    const mid = await h.run('mid', DAY);
    expect([mid?.state, mid?.attempt]).toEqual([RunState.SUBMITTED, 2]);
    const tail = await h.run('tail', DAY);
    expect([tail?.state, tail?.attempt]).toEqual([RunState.WAITING, 2]);
    expect(h.submitter.calls.map((c) => `${c.job}#${c.attempt}`)).toEqual(['mid#1', 'tail#1', 'mid#2']);
    // The chain follows: mid's new .done submits tail's new attempt, once.
    h.clock.advance(60_000);
    const midDone = h.marker('mid', DAY);
    await deliver(h, midDone, redelivered, midDone);
    expect(h.submitter.calls.map((c) => `${c.job}#${c.attempt}`)).toEqual(['mid#1', 'tail#1', 'mid#2', 'tail#2']);
    expect((await h.run('tail', DAY))?.state).toBe(RunState.SUBMITTED);
  });

  it('rerun while the downstream is in flight: LATE_DATA saying so, no rerun', async () => {
    const dag = dagFrom({ up: [], mid: ['up'] }, { up: EXTERNAL, mid: { onLateUpstream: 'rerun' } });
    const h = await createHarness(emulator(), dag);
    await h.handler(h.snsEvent(h.marker('up', DAY)));
    expect((await h.run('mid', DAY))?.state).toBe(RunState.SUBMITTED);
    h.clock.advance(LATER);
    const redelivered = h.marker('up', DAY);
    await deliver(h, redelivered, redelivered, redelivered);
    expect(h.alerts.kinds()).toEqual(['LATE_DATA:mid']);
    expect(h.alerts.sent[0]?.message).toContain('It was NOT re-run: mid 2026-11-22 is SUBMITTED');
    expect(h.alerts.sent[0]?.next).toContain('rsched replay mid --date 2026-11-22 --downstream');
    const mid = await h.run('mid', DAY);
    expect([mid?.state, mid?.attempt]).toEqual([RunState.SUBMITTED, 1]);
    expect(h.submitter.calls).toHaveLength(1);
  });

  it('rerun that fails on the way (DynamoDB 500s past the SDK retries): LATE_DATA saying so, the event does not fail', async () => {
    const { h } = await succeededChain('rerun');
    h.clock.advance(LATER);
    const redelivered = h.marker('up', DAY);
    // Every write of the replay's new attempts fails, SDK retries included; the sequencer write before them succeeds.
    const faults = injectHttpFaults(h.client, (call) => (call.body.includes('late data from up') ? '5xx' : undefined));
    await deliver(h, redelivered);
    expect(faults.faults.length).toBeGreaterThan(0);
    faults.setPlan(() => undefined);
    expect(h.alerts.kinds()).toEqual(['LATE_DATA:mid']);
    expect(h.alerts.sent[0]?.message).toContain('It was NOT re-run: starting it failed');
    expect((await h.run('mid', DAY))?.attempt).toBe(1);
    // The retried event finds the sequencer recorded: no second alert, no rerun.
    await deliver(h, redelivered);
    expect(h.alerts.sent).toHaveLength(1);
    expect(h.submitter.calls).toHaveLength(2);
  });
});
