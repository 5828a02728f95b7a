import { describe, expect, it } from 'vitest';
import { addDays, type RunDate } from '../../lambdas/domain/run-date';
import { RunState } from '../../lambdas/domain/runs/states';
import type { EngineDeps } from '../../lambdas/engine/deps';
import { sweep } from '../../lambdas/engine/sweep';
import type { makeSchedulerHandler } from '../../lambdas/handlers/scheduler';
import { MINUTE_MS } from '../../lambdas/ports/clock';
import type { Transition } from '../../lambdas/ports/run-store';
import { SubmitError } from '../../lambdas/ports/submitter';
import { dagFrom, EXTERNAL } from '../support/dags';
import { useDynalite } from '../support/dynalite';
import { type FaultMode, faultyStore, firstCall, type StoreCall, transitionTo } from '../support/faults';
import { createHarness, type Harness, triggerEvent } from '../support/harness';
import { historyProblems } from '../support/runs';

/**
 * SPEC §4.2: a handler that fails mid-way is retried, and the retry (with the
 * sweeper's help once a claim lease or propagation watch expires) converges to
 * the state a fault-free run reaches: nothing lost, nothing submitted twice.
 */

const emulator = useDynalite();

const DAY = '2026-11-22' as RunDate;

/** x is external; r is a triggered root; c waits for both; d follows c. */
const EDGES = { x: [], r: [], c: ['x', 'r'], d: ['c'] };
const SUBMITTED_JOBS = ['r', 'c', 'd'];
const dag = dagFrom(EDGES, { x: EXTERNAL }, { defaults: { timeoutMinutes: 600 } });

const READS = new Set<string>(['get', 'listByDate', 'listByJob', 'listDue', 'nextDueAt', 'listWaitingForPool', 'listAlerts', 'getCursor']);

/** Lambda's asynchronous invoke: the first try and two retries. */
const LAMBDA_TRIES = 3;

type Handler = ReturnType<typeof makeSchedulerHandler>;

async function withRetries(action: () => Promise<unknown>): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await action();
      return;
    } catch (err) {
      if (i >= LAMBDA_TRIES) throw err;
    }
  }
}

/**
 * Drives one run date to the end the way production would: the trigger and
 * x's marker arrive, every job that really was submitted writes its marker,
 * failed invocations are retried, and the sweeper runs after each round with
 * the clock past the claim lease.
 */
async function drive(h: Harness, deps: EngineDeps, handler: Handler, date: RunDate): Promise<void> {
  const written = new Set<string>();
  await withRetries(() => handler(triggerEvent('r', date)));
  await withRetries(() => handler(h.snsEvent(h.marker('x', date))));
  for (let round = 0; round < 8; round++) {
    for (const { request } of h.submitter.submitted.filter((s) => s.request.date === date)) {
      if (written.has(request.job)) continue;
      written.add(request.job);
      await withRetries(() => handler(h.snsEvent(h.marker(request.job, date))));
    }
    h.clock.advance((deps.tuning.claimLeaseMinutes + 1) * MINUTE_MS);
    await withRetries(() => sweep(deps));
    if (SUBMITTED_JOBS.every((job) => written.has(job)) && h.submitter.submitted.length > 0) {
      const runs = await Promise.all(Object.keys(EDGES).map((job) => h.run(job, date)));
      if (runs.every((r) => r?.state === RunState.SUCCEEDED && r.dueAt === undefined)) return;
    }
  }
}

async function expectConverged(h: Harness, date: RunDate): Promise<void> {
  for (const job of Object.keys(EDGES)) {
    const run = await h.run(job, date);
    expect.soft(run?.state, `${job} ${date}`).toBe(RunState.SUCCEEDED);
    expect.soft(run?.dueAt, `${job} ${date} still watched by the sweeper`).toBeUndefined();
    expect.soft(run?.propagatedAt, `${job} ${date} outcome not passed on`).toBeDefined();
    expect.soft(historyProblems(run), `${job} ${date} history`).toEqual([]);
  }
  for (const job of SUBMITTED_JOBS) expect.soft(h.submitter.submittedFor(job, date), `${job} ${date} submissions`).toBe(1);
  expect.soft(h.alerts.sent.filter((a) => a.date === date)).toEqual([]);
}

describe('a store call that fails once, at any point of a day', () => {
  it('converges to the fault-free outcome whether the failed call was applied or not', async () => {
    const h = await createHarness(emulator(), dag);
    h.submitter.found = 'recorded';
    let date = '2031-01-01' as RunDate;

    // The fault-free day, to learn how many store calls there are to break.
    const clean = faultyStore(h.store, () => undefined);
    const cleanDeps = h.variant({ store: clean.store });
    await drive(h, cleanDeps.deps, cleanDeps.handler, date);
    await expectConverged(h, date);
    expect(clean.calls.length).toBeGreaterThan(20);

    // A read that fails after it was served changed nothing: only writes need both modes.
    const cases: { at: number; mode: FaultMode }[] = clean.calls.flatMap(({ index, method }) =>
      READS.has(method)
        ? [{ at: index, mode: 'before' as const }]
        : [
            { at: index, mode: 'before' as const },
            { at: index, mode: 'after' as const },
          ],
    );
    const struck = new Set<string>();
    for (const { at, mode } of cases) {
      date = addDays(date, 1);
      const faulty = faultyStore(h.store, (call) => (call.index === at ? mode : undefined));
      const { deps, handler } = h.variant({ store: faulty.store });
      await drive(h, deps, handler, date);
      expect(faulty.faults, `fault ${mode} call ${at} was injected`).toHaveLength(1);
      struck.add(describeCall(faulty.faults[0] as StoreCall));
      await expectConverged(h, date);
    }
    // The enumeration reached every kind of write the day makes.
    expect([...struck]).toEqual(
      expect.arrayContaining([
        'transition->WAITING',
        'transition->SUBMITTING',
        'transition->SUBMITTED',
        'transition->SUCCEEDED',
        'addUpstreamDone',
        'transition->SUCCEEDED(quiet)',
      ]),
    );
  });

  it('survives a burst of throttling that outlasts one invocation', async () => {
    const h = await createHarness(emulator(), dag);
    h.submitter.found = 'recorded';
    let date = '2032-01-01' as RunDate;
    for (const start of [1, 4, 8, 12, 16]) {
      date = addDays(date, 1);
      // Two failures in a row: the first invocation and its first retry both fail at the same step.
      const faulty = faultyStore(h.store, (call) => (call.index >= start && call.index < start + 2 ? 'before' : undefined));
      const { deps, handler } = h.variant({ store: faulty.store });
      await drive(h, deps, handler, date);
      expect(faulty.faults).toHaveLength(2);
      await expectConverged(h, date);
    }
  });
});

function describeCall(call: StoreCall): string {
  if (call.method !== 'transition') return call.method;
  const t = call.args[0] as Transition;
  return `transition->${t.to}${t.quiet ? '(quiet)' : ''}`;
}

describe('a handler that died after claiming a run (sweeper recoverClaim)', () => {
  const date = DAY;

  it('records the submission the control plane shows, without submitting again', async () => {
    const h = await createHarness(emulator(), dagFrom({ r: [], s: ['r'] }));
    h.submitter.found = 'recorded';
    // The submit call went through, then recording SUBMITTED failed: the handler dies with the claim held.
    const faulty = faultyStore(h.store, firstCall(transitionTo(RunState.SUBMITTED), 'before'));
    const { deps, handler } = h.variant({ store: faulty.store });
    await expect(handler(triggerEvent('r', date))).rejects.toThrow(/throughput/);
    const claimed = await h.run('r', date);
    expect(claimed?.state).toBe(RunState.SUBMITTING);
    // Lambda's retry of the trigger sees the run claimed and leaves it alone.
    await handler(triggerEvent('r', date));
    expect(h.submitter.calls).toHaveLength(1);

    h.clock.advance((deps.tuning.claimLeaseMinutes + 1) * MINUTE_MS);
    expect((await sweep(deps)).recovered).toBe(1);
    const recovered = await h.run('r', date);
    expect(recovered).toMatchObject({ state: RunState.SUBMITTED, submissionId: h.submitter.submitted[0]?.result.submissionId });
    expect(recovered?.claimToken).toBeUndefined();
    expect(h.submitter.calls).toHaveLength(1);
    // The lookup carries the rendered target and the claim time: Data Pipeline needs both to tell.
    expect(h.submitter.lookups).toMatchObject([
      {
        job: 'r',
        date,
        attempt: 1,
        type: 'datapipeline',
        since: claimed?.claimedAt,
        target: { type: 'datapipeline', pipeline: 'r-pipeline' },
      },
    ]);

    // The dead handler's claim is gone: a late write under it changes nothing.
    const zombie = await h.store.transition({
      key: { job: 'r', date },
      guard: { states: [RunState.SUBMITTING], attempt: 1, claimToken: claimed?.claimToken },
      to: RunState.SUBMITTED,
      by: 'scheduler',
      why: 'zombie',
      at: h.clock.now().toISOString(),
    });
    expect(zombie.ok).toBe(false);

    await handler(h.snsEvent(h.marker('r', date)));
    expect((await h.run('r', date))?.state).toBe(RunState.SUCCEEDED);
    expect(h.submitter.submittedFor('s', date)).toBe(1);
    expect(h.alerts.sent).toEqual([]);
  });

  it('asks the control plane again when a lookup fails, instead of parking a run it can find', async () => {
    const h = await createHarness(emulator(), dagFrom({ r: [] }));
    h.submitter.found = 'recorded';
    const faulty = faultyStore(h.store, firstCall(transitionTo(RunState.SUBMITTED), 'before'));
    const { deps, handler } = h.variant({ store: faulty.store });
    await expect(handler(triggerEvent('r', date))).rejects.toThrow(/throughput/);
    // The first lookups are throttled; one more try (with the submit path's backoff) finds the step.
    h.submitter.failLookups = deps.tuning.submitTries - 1;
    h.clock.advance((deps.tuning.claimLeaseMinutes + 1) * MINUTE_MS);
    await sweep(deps);
    expect(await h.run('r', date)).toMatchObject({
      state: RunState.SUBMITTED,
      submissionId: h.submitter.submitted[0]?.result.submissionId,
    });
    expect(h.submitter.lookups).toHaveLength(deps.tuning.submitTries);
    expect(h.submitter.calls).toHaveLength(1);
    expect(h.alerts.sent).toEqual([]);
  });

  it('dispatches again when the control plane shows no submission, but not before the lease expires', async () => {
    const h = await createHarness(emulator(), dagFrom({ r: [], s: ['r'] }));
    h.submitter.found = 'recorded';
    // The claim was written but its response lost: the handler never called submit.
    const faulty = faultyStore(h.store, firstCall(transitionTo(RunState.SUBMITTING), 'after'));
    const { deps, handler } = h.variant({ store: faulty.store });
    await expect(handler(triggerEvent('r', date))).rejects.toThrow(/throughput/);
    expect((await h.run('r', date))?.state).toBe(RunState.SUBMITTING);
    expect(h.submitter.calls).toHaveLength(0);

    // A slow handler may still be working inside its lease: the sweeper waits.
    h.clock.advance((deps.tuning.claimLeaseMinutes - 1) * MINUTE_MS);
    expect((await sweep(deps)).recovered).toBe(0);
    expect(h.submitter.lookups).toHaveLength(0);

    h.clock.advance(2 * MINUTE_MS);
    expect((await sweep(deps)).recovered).toBe(1);
    expect(h.submitter.calls).toHaveLength(1);
    const r = await h.run('r', date);
    expect(r?.state).toBe(RunState.SUBMITTED);
    expect(r?.history.map((e) => e.to)).toEqual([
      RunState.WAITING,
      RunState.SUBMITTING,
      RunState.WAITING,
      RunState.SUBMITTING,
      RunState.SUBMITTED,
    ]);
    expect(r?.history[2]?.by).toBe('sweeper');
    expect(h.alerts.sent).toEqual([]);
  });

  it('parks the run SUBMIT_UNCERTAIN with one alert, never resends, and lets its marker or its time limit end it', async () => {
    const h = await createHarness(emulator(), dagFrom({ r: [], s: ['r'], t: ['s'] }, { r: { maxRuntimeMinutes: 60 } }));
    h.submitter.found = 'unknown';
    const faulty = faultyStore(h.store, firstCall(transitionTo(RunState.SUBMITTED), 'before'));
    const { deps, handler } = h.variant({ store: faulty.store });
    await expect(handler(triggerEvent('r', date))).rejects.toThrow(/throughput/);

    h.clock.advance((deps.tuning.claimLeaseMinutes + 1) * MINUTE_MS);
    await sweep(deps);
    const r = await h.run('r', date);
    expect(r?.state).toBe(RunState.SUBMIT_UNCERTAIN);
    expect(r?.dueAt, 'the wait still ends').toBeDefined();
    expect((await h.run('s', date))?.state).toBeUndefined();
    expect(h.submitter.calls).toHaveLength(1);
    expect(h.alerts.kinds()).toEqual(['SUBMIT_UNCERTAIN:r']);
    expect(h.alerts.sent[0]?.next).toContain('rsched replay r --date 2026-11-22 --force');
    // The next sweep before the time limit does nothing and alerts nobody twice.
    h.clock.advance((deps.tuning.claimLeaseMinutes + 1) * MINUTE_MS);
    await sweep(deps);
    expect(h.alerts.sent).toHaveLength(1);
    expect(h.submitter.calls).toHaveLength(1);

    // The job did run after all: its marker ends the run, and the chain goes on.
    await handler(h.snsEvent(h.marker('r', date)));
    expect((await h.run('r', date))?.state).toBe(RunState.SUCCEEDED);
    expect(h.submitter.submittedFor('s', date)).toBe(1);
  });

  it('times a SUBMIT_UNCERTAIN run out at maxRuntimeMinutes when no marker comes', async () => {
    const h = await createHarness(emulator(), dagFrom({ r: [], s: ['r'] }, { r: { maxRuntimeMinutes: 60 } }));
    h.submitter.found = 'unknown';
    const faulty = faultyStore(h.store, firstCall(transitionTo(RunState.SUBMITTED), 'before'));
    const { deps, handler } = h.variant({ store: faulty.store });
    await expect(handler(triggerEvent('r', date))).rejects.toThrow(/throughput/);
    h.clock.advance((deps.tuning.claimLeaseMinutes + 1) * MINUTE_MS);
    await sweep(deps);
    h.clock.advance(61 * MINUTE_MS);
    await sweep(deps);
    expect((await h.run('r', date))?.state).toBe(RunState.TIMED_OUT);
    expect((await h.run('s', date))?.state).toBe(RunState.UPSTREAM_FAILED);
    expect(h.alerts.kinds()).toEqual(['SUBMIT_UNCERTAIN:r', 'TIMED_OUT:r']);
    expect(h.submitter.calls).toHaveLength(1);
  });
});

describe('a submit call that fails once', () => {
  it('is tried again after a backoff and the run is submitted exactly once, without an alert', async () => {
    const h = await createHarness(emulator(), dagFrom({ r: [] }));
    h.submitter.fail = (_request, index) => (index === 0 ? new SubmitError('InternalServiceError', true) : undefined);
    const before = h.clock.now().getTime();
    await h.handler(triggerEvent('r', DAY));
    expect(h.clock.now().getTime() - before).toBe(h.deps.tuning.submitBackoffBaseMs);
    expect(h.submitter.calls).toHaveLength(2);
    expect(h.submitter.submittedFor('r')).toBe(1);
    const r = await h.run('r', DAY);
    expect(r?.state).toBe(RunState.SUBMITTED);
    expect(r?.history.filter((e) => e.to === RunState.SUBMITTED)).toHaveLength(1);
    expect(h.alerts.sent).toEqual([]);
  });
});
