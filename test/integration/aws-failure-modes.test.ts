import { describe, expect, it } from 'vitest';
import { normaliseSequencer } from '../../lambdas/domain/markers';
import type { RunDate } from '../../lambdas/domain/run-date';
import type { Run } from '../../lambdas/domain/runs/run';
import { RunState } from '../../lambdas/domain/runs/states';
import type { EngineDeps } from '../../lambdas/engine/deps';
import { onMarker } from '../../lambdas/engine/markers';
import { mark } from '../../lambdas/engine/operations/mark';
import { replay } from '../../lambdas/engine/operations/replay';
import { failDownstream, propagateSuccess } from '../../lambdas/engine/outcomes';
import { sweep } from '../../lambdas/engine/sweep';
import { MINUTE_MS } from '../../lambdas/ports/clock';
import type { AlertRecord } from '../../lambdas/ports/run-store';
import { type SubmissionRef, SubmitError, type SubmitRequest, type SubmitResult, type Submitter } from '../../lambdas/ports/submitter';
import { dagFrom, EXTERNAL } from '../support/dags';
import { useDynalite } from '../support/dynalite';
import { bucketOf, createHarness, type Harness, triggerEvent } from '../support/harness';
import { APPLIED_FAULTS, type HttpFault, injectHttpFaults, operation, strike } from '../support/http-faults';
import { withLambdaRetries } from '../support/lambda-retries';
import { historyProblems } from '../support/runs';

/**
 * Issue 11: exactly-once under the failures AWS really produces — calls that
 * took effect and then failed, or whose answer was lost — injected at the HTTP
 * layer of the real SDK client, under the SDK's own retries.
 */

const emulator = useDynalite();
const DAY = '2026-11-22' as RunDate;

/** x is external; r is a triggered root; c waits for both; d follows c. */
const EDGES = { x: [], r: [], c: ['x', 'r'], d: ['c'] };
const dayDag = () => dagFrom(EDGES, { x: EXTERNAL }, { defaults: { timeoutMinutes: 600 } });

/** Drives a day: trigger, external marker, then each submitted job's marker, with sweeps past the claim lease. */
async function driveDay(h: Harness): Promise<void> {
  const written = new Set<string>();
  await withLambdaRetries(() => h.handler(triggerEvent('r', DAY)));
  await withLambdaRetries(() => h.handler(h.snsEvent(h.marker('x', DAY))));
  for (let round = 0; round < 6; round++) {
    for (const { request } of h.submitter.submitted) {
      if (written.has(request.job)) continue;
      written.add(request.job);
      await withLambdaRetries(() => h.handler(h.snsEvent(h.marker(request.job, DAY))));
    }
    h.clock.advance((h.deps.tuning.claimLeaseMinutes + 1) * MINUTE_MS);
    await withLambdaRetries(() => sweep(h.deps));
  }
}

describe('every DynamoDB write of a day, applied and then failed, changes nothing', () => {
  // One day per (write, fault): the k-th UpdateItem of the day is applied, then answered with a 500 or
  // never answered; the SDK retries it, its condition fails on our own write, and the store must
  // recognise it. Before: a lost claim was a "lost race", the run stayed SUBMITTING and was failed.
  for (const fault of APPLIED_FAULTS) {
    it(`${fault} on each write of the day: every job SUCCEEDED, each submitted once, no alert`, async () => {
      const clean = await createHarness(emulator(), dayDag());
      const counted = injectHttpFaults(clean.client, () => undefined);
      await driveDay(clean);
      const writes = counted.calls.filter((c) => c.operation === 'UpdateItem').length;
      expect(writes).toBeGreaterThan(10);
      for (let k = 1; k <= writes; k++) {
        const h = await createHarness(emulator(), dayDag());
        // Like Data Pipeline: the control plane cannot say whether a lost claim's holder submitted,
        // so a write misjudged as a lost race would end in SUBMIT_UNCERTAIN instead of SUCCEEDED.
        h.submitter.found = 'unknown';
        let updates = 0;
        injectHttpFaults(h.client, (call) => (call.operation === 'UpdateItem' && ++updates === k ? (fault as HttpFault) : undefined));
        await driveDay(h);
        for (const job of Object.keys(EDGES)) {
          const run = await h.run(job, DAY);
          expect.soft(run?.state, `${job}, fault on write ${k}`).toBe(RunState.SUCCEEDED);
          expect.soft(historyProblems(run), `${job} history, fault on write ${k}`).toEqual([]);
        }
        for (const job of ['r', 'c', 'd']) expect.soft(h.submitter.submittedFor(job), `${job} submissions, fault on write ${k}`).toBe(1);
        expect.soft(h.alerts.sent, `alerts, fault on write ${k}`).toEqual([]);
      }
    });
  }

  it('a claim whose answer was lost is ours: submitted at once, not left to the sweeper', async () => {
    const h = await createHarness(emulator(), dagFrom({ r: [] }));
    // The first write naming SUBMITTING is the claim.
    const faults = injectHttpFaults(h.client, strike(operation('UpdateItem', '"S":"SUBMITTING"'), 'applied-answer-lost'));
    await h.handler(triggerEvent('r', DAY));
    expect(faults.faults.map((f) => f.fault)).toEqual(['applied-answer-lost']);
    expect((await h.run('r', DAY))?.state).toBe(RunState.SUBMITTED);
    expect(h.submitter.submittedFor('r')).toBe(1);
  });
});

/** A control plane that applies the call and then fails it, as AddJobFlowSteps or ActivatePipeline may. */
class AppliedThenFailingSubmitter implements Submitter {
  readonly applied: SubmitRequest[] = [];
  readonly calls: SubmitRequest[] = [];
  readonly lookups: SubmissionRef[] = [];
  constructor(private readonly behaviour: { applies: boolean; lookup: 'truthful' | 'unknown'; failures: number }) {}

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    this.calls.push(request);
    if (this.calls.length <= this.behaviour.failures) {
      if (this.behaviour.applies) this.applied.push(request);
      throw new SubmitError('InternalServerError (500)', true, { maybeApplied: true });
    }
    this.applied.push(request);
    return { submissionId: `sub-${this.applied.length}` };
  }

  async findSubmission(ref: SubmissionRef): Promise<SubmitResult | undefined | 'unknown'> {
    this.lookups.push(ref);
    if (this.behaviour.lookup === 'unknown') return 'unknown';
    const found = this.applied.findIndex((r) => r.job === ref.job && r.attempt === ref.attempt);
    return found < 0 ? undefined : { submissionId: `sub-${found + 1}` };
  }
}

describe('a submit call that may have taken effect', () => {
  it('is looked up, not resent, when it did take effect: one submission, SUBMITTED', async () => {
    const h = await createHarness(emulator(), dagFrom({ r: [] }));
    const submitter = new AppliedThenFailingSubmitter({ applies: true, lookup: 'truthful', failures: 3 });
    const { handler } = h.variant({ submitter });
    await handler(triggerEvent('r', DAY));
    expect(submitter.applied).toHaveLength(1);
    expect(submitter.calls).toHaveLength(1);
    expect((await h.run('r', DAY))?.state).toBe(RunState.SUBMITTED);
    expect(submitter.lookups[0]?.since).toBe((await h.run('r', DAY))?.claimedAt);
  });

  it('is resent only after the lookup proves it did not take effect', async () => {
    const h = await createHarness(emulator(), dagFrom({ r: [] }));
    const submitter = new AppliedThenFailingSubmitter({ applies: false, lookup: 'truthful', failures: 2 });
    const { handler } = h.variant({ submitter });
    await handler(triggerEvent('r', DAY));
    expect(submitter.calls).toHaveLength(3);
    expect(submitter.lookups).toHaveLength(2);
    expect(submitter.applied).toHaveLength(1);
    expect((await h.run('r', DAY))?.state).toBe(RunState.SUBMITTED);
  });

  it('parks the run SUBMIT_UNCERTAIN with one alert naming the target and the next command when nothing can tell', async () => {
    const h = await createHarness(emulator(), dagFrom({ r: [], s: ['r'] }));
    const submitter = new AppliedThenFailingSubmitter({ applies: true, lookup: 'unknown', failures: 9 });
    const { handler } = h.variant({ submitter });
    await handler(triggerEvent('r', DAY));
    await handler(triggerEvent('r', DAY));
    expect(submitter.calls).toHaveLength(1);
    expect((await h.run('r', DAY))?.state).toBe(RunState.SUBMIT_UNCERTAIN);
    expect(h.alerts.kinds()).toEqual(['SUBMIT_UNCERTAIN:r']);
    expect(h.alerts.sent[0]?.message).toContain('Data Pipeline r-pipeline');
    expect(h.alerts.sent[0]?.next).toContain('rsched replay r --date 2026-11-22 --force');
  });
});

describe('a replay racing the old attempt', () => {
  it("the old attempt's late success or failure changes nothing in the replayed chain", async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [], b: ['a'], c: ['b'] }));
    await h.handler(triggerEvent('a', DAY));
    // a's first attempt succeeds; its propagation to b is still on its way when the operator replays.
    const oldAttempt = (await h.store.transition({
      key: { job: 'a', date: DAY },
      guard: { states: [RunState.SUBMITTED] },
      to: RunState.SUCCEEDED,
      set: { finishedAt: h.clock.now().toISOString(), propagatedAt: h.clock.now().toISOString() },
      remove: ['dueAt'],
      by: 'scheduler',
      why: 'marker a (propagation delayed)',
      at: h.clock.now().toISOString(),
    })) as { ok: true; run: Run };
    h.clock.advance(MINUTE_MS);
    await replay(h.deps, { job: 'a', date: DAY, downstream: true, by: 'operator:test' });
    expect((await h.run('b', DAY))?.upstreamFloors).toEqual({ a: 2 });

    await propagateSuccess(h.deps, oldAttempt.run, 'scheduler');
    expect((await h.run('b', DAY))?.doneUpstreams).toEqual([]);
    expect(h.submitter.countFor('b')).toBe(0);

    await failDownstream(h.deps, { ...oldAttempt.run, state: RunState.FAILED }, 'scheduler');
    expect((await h.run('b', DAY))?.state).toBe(RunState.WAITING);
    expect((await h.run('c', DAY))?.state).toBe(RunState.WAITING);

    // The new attempt's success is what moves the chain.
    await h.handler(h.snsEvent(h.marker('a', DAY)));
    expect(h.submitter.countFor('b')).toBe(1);
  });
});

describe('S3 sequencers (right-padded with zeros, AWS Knowledge Center)', () => {
  it('compare after right-padding the shorter one', () => {
    expect(normaliseSequencer('0A') > normaliseSequencer('09FF')).toBe(true);
    expect(normaliseSequencer('0000000000000100') > normaliseSequencer('00000000000000FF00')).toBe(true);
    expect(normaliseSequencer('00000000000000FF00') > normaliseSequencer('0000000000000100')).toBe(false);
  });

  it('a replayed run accepts its new .done although the new sequencer is shorter', async () => {
    const h = await createHarness(emulator(), dagFrom({ r: [] }));
    await h.handler(triggerEvent('r', DAY));
    await h.handler(h.snsEvent(h.marker('r', DAY, 'done', { sequencer: '00000000000000FF00' })));
    expect((await h.run('r', DAY))?.state).toBe(RunState.SUCCEEDED);
    h.clock.advance(MINUTE_MS);
    await replay(h.deps, { job: 'r', date: DAY, downstream: false, by: 'operator:test' });
    h.clock.advance(10 * MINUTE_MS);
    await h.handler(h.snsEvent(h.marker('r', DAY, 'done', { sequencer: '0000000000000100' })));
    const r = await h.run('r', DAY);
    expect(r).toMatchObject({ state: RunState.SUCCEEDED, attempt: 2 });
    // The first attempt's marker, delivered again, is older and changes nothing.
    await h.handler(h.snsEvent(h.marker('r', DAY, 'done', { sequencer: '00000000000000FF00' })));
    expect((await h.run('r', DAY))?.history.length).toBe(r?.history.length);
  });
});

describe('rsched mark is judged by attempt, not by two clocks', () => {
  it("a marked .done counts although the operator's clock is 2 s ahead of S3's", async () => {
    const h = await createHarness(emulator(), dagFrom({ r: [], s: ['r'] }));
    await h.handler(triggerEvent('r', DAY));
    await h.handler(h.snsEvent(h.marker('r', DAY, 'failed')));
    expect((await h.run('r', DAY))?.state).toBe(RunState.FAILED);
    h.clock.advance(MINUTE_MS);
    const bucket = bucketOf(h);
    // The laptop's clock (deps.clock) is 2 s ahead of S3's: the event's time is before the attempt started.
    const result = await mark(h.deps, bucket, { job: 'r', date: DAY, failed: false, params: {}, by: 'operator:test', prefix: 'markers/' });
    expect(result.attempt).toBe(2);
    const event = h.marker('r', DAY, 'done', { body: h.markers.bodies.get(result.key) });
    await h.handler(h.snsEvent({ ...event, eventTime: new Date(h.clock.now().getTime() - 2000).toISOString() }));
    expect((await h.run('r', DAY))?.state).toBe(RunState.SUCCEEDED);
    expect(h.submitter.countFor('s')).toBe(1);
  });

  it('a marker naming an older attempt changes nothing', async () => {
    const h = await createHarness(emulator(), dagFrom({ r: [] }));
    await h.handler(triggerEvent('r', DAY));
    await replay(h.deps, { job: 'r', date: DAY, downstream: false, by: 'operator:test', force: true });
    await h.handler(h.snsEvent(h.marker('r', DAY, 'done', { body: JSON.stringify({ attempt: 1 }) })));
    expect((await h.run('r', DAY))?.state).toBe(RunState.SUBMITTED);
    await h.handler(h.snsEvent(h.marker('r', DAY, 'done', { body: JSON.stringify({ attempt: 2 }) })));
    expect((await h.run('r', DAY))?.state).toBe(RunState.SUCCEEDED);
  });
});

describe('.done and .failed for one attempt', () => {
  for (const order of [
    ['done', 'failed'],
    ['failed', 'done'],
  ] as const) {
    it(`${order[0]} first: the first decides, the other is kept in history and alerted once`, async () => {
      const h = await createHarness(emulator(), dagFrom({ r: [], s: ['r'] }));
      await h.handler(triggerEvent('r', DAY));
      await h.handler(h.snsEvent(h.marker('r', DAY, order[0])));
      const second = h.marker('r', DAY, order[1]);
      await h.handler(h.snsEvent(second));
      await h.handler(h.snsEvent(second)); // duplicate delivery of the loser
      const r = await h.run('r', DAY);
      expect(r?.state).toBe(order[0] === 'done' ? RunState.SUCCEEDED : RunState.FAILED);
      const notes = r?.history.filter((e) => e.why.startsWith('conflicting marker')) ?? [];
      expect(notes).toHaveLength(1);
      expect(notes[0]?.why).toContain(`r__20261122.${order[1]}`);
      expect(h.alerts.sent.filter((a) => a.kind === 'MARKER_CONFLICT')).toHaveLength(1);
      expect(historyProblems(r)).toEqual([]);
    });
  }
});

describe('alerts are sent at least once', () => {
  it('a MARKER_REJECTED whose first publish failed is sent by the retried event', async () => {
    const h = await createHarness(emulator(), dagFrom({ r: [] }));
    const sent: AlertRecord[] = [];
    let failures = 1;
    const alerts = {
      async publish(a: AlertRecord) {
        if (failures-- > 0) throw new Error('SNS 500');
        sent.push(a);
      },
    };
    const deps: EngineDeps = { ...h.deps, alerts };
    const bad = h.marker('nosuchjob', DAY);
    await expect(onMarker(deps, bad)).rejects.toThrow('SNS 500');
    await onMarker(deps, bad);
    await onMarker(deps, bad);
    expect(sent.map((a) => a.kind)).toEqual(['MARKER_REJECTED']);
  });
});
