import { describe, expect, it } from 'vitest';
import type { OnLateUpstream } from '../../lambdas/domain/config/schema';
import { RunState } from '../../lambdas/domain/runs/states';
import type { Transition } from '../../lambdas/domain/runs/transitions';
import type { MarkerEvent } from '../../lambdas/engine/markers';
import { sweep } from '../../lambdas/engine/sweep';
import type { RunStore } from '../../lambdas/ports/run-store';
import { dagFrom, EXTERNAL } from '../support/dags';
import { useDynalite } from '../support/dynalite';
import { interceptStore, type StoreCall } from '../support/faults';
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
/** Hours after the success: not the same completion written again (SAME_COMPLETION_MINUTES). */
const LATER = 5 * 60 * 60_000;

/** up (external) → mid → tail, all SUCCEEDED; `both` waits for up and `other`, which never comes. */
async function succeededChain(mid: OnLateUpstream): Promise<{ h: Harness; original: MarkerEvent }> {
  const dag = dagFrom(
    { up: [], mid: ['up'], tail: ['mid'], other: [], both: ['up', 'other'] },
    // `both` waits all day: the sweeps below must not time it out (a run that ended would get its own LATE_DATA).
    { up: EXTERNAL, other: EXTERNAL, mid: { onLateUpstream: mid }, both: { timeoutMinutes: 24 * 60 } },
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

  it('a re-delivery and the retried write of it (same body, seconds later, newer version) judged at once: one action', async () => {
    for (const mid of ['alert', 'rerun'] as const) {
      const { h } = await succeededChain(mid);
      h.clock.advance(LATER);
      const body = JSON.stringify({ meta: { fix: 'partition 7' } });
      const redelivered = h.marker('up', DAY, 'done', { body });
      const retried = { ...h.marker('up', DAY, 'done', { body }), eventTime: new Date(h.clock.now().getTime() + 30_000).toISOString() };
      // Both handlers judge the run as it was before either write; the re-delivery writes first.
      let retriedJudged: () => void = () => {};
      const judged = new Promise<void>((resolve) => {
        retriedJudged = resolve;
      });
      let firstWritten: () => void = () => {};
      const written = new Promise<void>((resolve) => {
        firstWritten = resolve;
      });
      const meeting = interceptStore(h.store, async (call, proceed) => {
        if (!redeliveryRecorded(call)) return proceed();
        if ((call.args[0] as Transition).set?.lastDoneSeq?.startsWith(retried.sequencer as string)) {
          retriedJudged();
          await written;
          return proceed();
        }
        await judged;
        try {
          return await proceed();
        } finally {
          firstWritten();
        }
      });
      const { handler } = h.variant({ store: meeting.store });
      await Promise.all([handler(h.snsEvent(retried)), handler(h.snsEvent(redelivered))]);
      const up = await h.run('up', DAY);
      expect(
        up?.history.filter((e) => e.why.includes('re-delivered')),
        mid,
      ).toHaveLength(1);
      if (mid === 'alert') expect(h.alerts.kinds()).toEqual(['LATE_DATA:mid']);
      else expect(h.submitter.calls.map((c) => `${c.job}#${c.attempt}`)).toEqual(['mid#1', 'tail#1', 'mid#2']);
    }
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

  it('rerun that fails on the way (DynamoDB 500s past the SDK retries): left pending, the sweeper re-runs it once', async () => {
    const { h } = await succeededChain('rerun');
    h.clock.advance(LATER);
    const redelivered = h.marker('up', DAY);
    // Every write of the replay's new attempts fails, SDK retries included; the sequencer write before them succeeds.
    const faults = injectHttpFaults(h.client, (call) => (call.body.includes('late data from up') ? '5xx' : undefined));
    await deliver(h, redelivered);
    expect(faults.faults.length).toBeGreaterThan(0);
    faults.setPlan(() => undefined);
    expect(h.alerts.sent).toEqual([]);
    expect((await h.run('mid', DAY))?.attempt).toBe(1);
    expect((await h.run('up', DAY))?.lateSeq).toBeDefined();
    // The retried event finds the sequencer recorded: nothing; the sweeper, at the due time, re-runs mid once.
    await deliver(h, redelivered);
    expect(h.submitter.calls).toHaveLength(2);
    h.clock.advance(6 * 60_000);
    await sweep(h.deps);
    await sweep(h.deps);
    expect(h.submitter.calls.map((c) => `${c.job}#${c.attempt}`)).toEqual(['mid#1', 'tail#1', 'mid#2']);
    expect(h.alerts.sent).toEqual([]);
    const up = await h.run('up', DAY);
    expect([up?.lateSeq, up?.dueAt]).toEqual([undefined, undefined]);
  });
});

/**
 * A handler that dies at a given point: the call after it never returns (the
 * Lambda was killed), so nothing the handler would have done next happens.
 * Resolves `died` once it has struck.
 */
function dyingAfter(h: Harness, strikes: (call: StoreCall) => boolean): { store: RunStore; died: Promise<void> } {
  let dead = false;
  let died: () => void = () => {};
  const diedP = new Promise<void>((resolve) => {
    died = resolve;
  });
  const dying = interceptStore(h.store, async (call, proceed) => {
    if (dead) return new Promise(() => {});
    const result = await proceed();
    if (strikes(call)) {
      dead = true;
      died();
    }
    return result;
  });
  return { store: dying.store, died: diedP };
}

const isTransition = (call: StoreCall, test: (t: Transition) => boolean) =>
  call.method === 'transition' && test(call.args[0] as Transition);
const redeliveryRecorded = (call: StoreCall) => isTransition(call, (t) => t.why.includes('re-delivered after success'));

describe('late data: a handler that dies between recording the re-delivery and acting on it', () => {
  it('rerun: the sweeper re-runs the chain once, the retried event adds nothing', async () => {
    const { h } = await succeededChain('rerun');
    h.clock.advance(LATER);
    const redelivered = h.marker('up', DAY);
    const dying = dyingAfter(h, redeliveryRecorded);
    void h.variant({ store: dying.store }).handler(h.snsEvent(redelivered));
    await dying.died;
    const pending = await h.run('up', DAY);
    expect(pending?.lateSeq?.startsWith(redelivered.sequencer as string)).toBe(true);
    expect(pending?.dueAt).toBeDefined();
    expect((await h.run('mid', DAY))?.attempt).toBe(1);
    // SNS/Lambda retry the event: the sequencer is recorded, so the retry does nothing by itself.
    await deliver(h, redelivered);
    expect(h.submitter.calls).toHaveLength(2);
    // Not due yet: a sweep now leaves it to the handler that may still be at work.
    await sweep(h.deps);
    expect(h.submitter.calls).toHaveLength(2);
    h.clock.advance(6 * 60_000);
    await sweep(h.deps);
    await sweep(h.deps);
    expect(h.submitter.calls.map((c) => `${c.job}#${c.attempt}`)).toEqual(['mid#1', 'tail#1', 'mid#2']);
    const tail = await h.run('tail', DAY);
    expect([tail?.state, tail?.attempt]).toEqual([RunState.WAITING, 2]);
    expect(h.alerts.sent).toEqual([]);
    expect((await h.run('up', DAY))?.lateSeq).toBeUndefined();
  });

  it('alert: the sweeper raises the one LATE_DATA', async () => {
    const { h } = await succeededChain('alert');
    h.clock.advance(LATER);
    const dying = dyingAfter(h, redeliveryRecorded);
    void h.variant({ store: dying.store }).handler(h.snsEvent(h.marker('up', DAY)));
    await dying.died;
    expect(h.alerts.sent).toEqual([]);
    h.clock.advance(6 * 60_000);
    await sweep(h.deps);
    await sweep(h.deps);
    expect(h.alerts.kinds()).toEqual(['LATE_DATA:mid']);
  });

  it('a handler that dies after the rerun started, before clearing: the sweeper does not re-run it again', async () => {
    const { h } = await succeededChain('rerun');
    h.clock.advance(LATER);
    const dying = dyingAfter(h, (call) => isTransition(call, (t) => t.key.job === 'mid' && t.to === RunState.SUBMITTED));
    void h.variant({ store: dying.store }).handler(h.snsEvent(h.marker('up', DAY)));
    await dying.died;
    expect((await h.run('up', DAY))?.lateSeq).toBeDefined();
    h.clock.advance(6 * 60_000);
    await sweep(h.deps);
    expect(h.submitter.calls.map((c) => `${c.job}#${c.attempt}`)).toEqual(['mid#1', 'tail#1', 'mid#2']);
    expect(h.alerts.sent).toEqual([]);
    expect((await h.run('up', DAY))?.lateSeq).toBeUndefined();
  });
});

describe('late data: maxConcurrentReruns', () => {
  it('over the cap a rerun waits (the upstream stays due) and starts once a slot is free; concurrent re-deliveries take one slot', async () => {
    const dag = {
      ...dagFrom(
        { up1: [], up2: [], a: ['up1'], b: ['up2'] },
        { up1: EXTERNAL, up2: EXTERNAL, a: { onLateUpstream: 'rerun' }, b: { onLateUpstream: 'rerun' } },
      ),
      maxConcurrentReruns: 1,
    };
    const h = await createHarness(emulator(), dag);
    await deliver(h, h.marker('up1', DAY), h.marker('up2', DAY));
    h.clock.advance(60_000);
    await deliver(h, h.marker('a', DAY), h.marker('b', DAY));
    h.clock.advance(LATER);
    const r1 = h.marker('up1', DAY);
    const r2 = h.marker('up2', DAY);
    await deliver(h, r1, r2, r2, r1);
    const reruns = () => h.submitter.calls.filter((c) => c.attempt === 2).map((c) => c.job);
    expect(reruns()).toHaveLength(1);
    const first = reruns()[0] as 'a' | 'b';
    const waiting = first === 'a' ? 'up2' : 'up1';
    const deferred = await h.run(waiting, DAY);
    expect(deferred?.lateSeq).toBeDefined();
    expect(deferred?.dueAt).toBeDefined();
    // Still running at the next look: still waiting, no alert.
    h.clock.advance(3 * 60_000);
    await sweep(h.deps);
    expect(reruns()).toEqual([first]);
    // The first rerun ends: its slot is free, the sweeper starts the other once.
    await deliver(h, h.marker(first, DAY));
    h.clock.advance(3 * 60_000);
    await sweep(h.deps);
    await sweep(h.deps);
    expect(reruns().sort()).toEqual(['a', 'b']);
    expect(h.alerts.sent).toEqual([]);
    expect((await h.run(waiting, DAY))?.lateSeq).toBeUndefined();
  });
});
