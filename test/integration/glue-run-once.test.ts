import { afterEach, describe, expect, it } from 'vitest';
import { loadDag } from '../../lambdas/domain/config/validate';
import { RunState } from '../../lambdas/domain/runs/states';
import { BUSY_RECHECK_MINUTES } from '../../lambdas/engine/busy-target';
import { sweep } from '../../lambdas/engine/sweep';
import { onTrigger } from '../../lambdas/engine/triggers';
import type { SubmissionRef, SubmitRequest } from '../../lambdas/ports/submitter';
import { SubmitError } from '../../lambdas/ports/submitter';
import { type ControlPlanes, DATE, startControlPlanes } from '../support/control-planes';
import { useDynalite } from '../support/dynalite';
import { createHarness } from '../support/harness';
import { APPLIED_FAULTS, operation, strike } from '../support/http-faults';
import { submitErrorOf } from '../support/submit-errors';

/**
 * Glue StartJobRun has no idempotency token
 * (https://docs.aws.amazon.com/glue/latest/webapi/API_StartJobRun.html).
 * Through the production wiring (send once) and the simulated Glue, with
 * faults under the SDK's retry middleware: a call that took effect and then
 * failed leaves one run, says maybeApplied, and the lookup by --rsched-run
 * finds it; ConcurrentRunsExceededException makes the run wait, not fail.
 */

const dag = loadDag([
  {
    path: 'glue.json',
    text: JSON.stringify({
      jobs: [{ name: 'orders_parquet', target: { type: 'glue', jobName: 'orders-to-parquet', arguments: { '--date': '{{date}}' } } }],
    }),
  },
]);

let planes: ControlPlanes | undefined;
afterEach(async () => {
  await planes?.stop();
  planes = undefined;
});

const request = (attempt = 1): SubmitRequest => ({
  job: 'orders_parquet',
  date: DATE,
  attempt,
  target: { type: 'glue', jobName: 'orders-to-parquet', arguments: { '--date': '2026-11-22' } },
});
const ref = (since: string): SubmissionRef => ({
  job: 'orders_parquet',
  date: DATE,
  attempt: 1,
  type: 'glue',
  target: request().target,
  since,
});
const runs = (p: ControlPlanes) => p.submissions.all.filter((s) => s.kind === 'glue');

describe('Glue: sent once, found by --rsched-run', () => {
  it.each(APPLIED_FAULTS)('%s on StartJobRun: one run, maybeApplied, no SDK retry, and the lookup finds it', async (fault) => {
    planes = await startControlPlanes(dag);
    planes.setPlan(strike(operation('StartJobRun'), fault, 10));
    expect(await submitErrorOf(planes.deps.submitter.submit(request()))).toMatchObject({ maybeApplied: true, retryable: true });
    expect(planes.requests('StartJobRun')).toBe(1);
    expect(runs(planes)).toHaveLength(1);
    expect(await planes.deps.submitter.findSubmission(ref('2026-11-22T00:10:00.000Z'))).toEqual({
      submissionId: runs(planes)[0]?.submissionId,
    });
  });

  it('a 5xx before the call: maybeApplied, the lookup proves nothing ran, and the resend starts one run', async () => {
    planes = await startControlPlanes(dag);
    planes.setPlan(strike(operation('StartJobRun'), '5xx'));
    await submitErrorOf(planes.deps.submitter.submit(request()));
    expect(await planes.deps.submitter.findSubmission(ref('2026-11-22T00:10:00.000Z'))).toBeUndefined();
    await planes.deps.submitter.submit(request());
    expect(runs(planes)).toHaveLength(1);
  });

  it('a second run of the job while the first is going is refused as busy (MaxConcurrentRuns 1)', async () => {
    planes = await startControlPlanes(dag);
    await planes.deps.submitter.submit(request(1));
    expect(await submitErrorOf(planes.deps.submitter.submit(request(2)))).toMatchObject({ busy: true, maybeApplied: false });
    planes.timeline.set('2026-11-22T01:00:00.000Z');
    await planes.deps.submitter.submit(request(2));
    expect(runs(planes).map((s) => s.attempt)).toEqual([1, 2]);
  });
});

describe('a busy target is a wait, not a failure (the engine)', () => {
  const emulator = useDynalite();

  it('puts the run back to WAITING, due again in a few minutes, and the sweeper submits it once Glue has room', async () => {
    const h = await createHarness(emulator(), dag, { tuning: { submitBackoffBaseMs: 1, submitBackoffCapMs: 1 } });
    let busy = true;
    h.submitter.fail = () => (busy ? new SubmitError('ConcurrentRunsExceededException', true, { busy: true }) : undefined);
    expect(await onTrigger(h.deps, 'orders_parquet', new Date(`${DATE}T00:00:00.000Z`), 'scheduler')).toBe('busy');
    const waiting = await h.run('orders_parquet', DATE);
    expect(waiting?.state).toBe(RunState.WAITING);
    expect(waiting?.attempt).toBe(1);
    expect(h.alerts.kinds()).toEqual([]);
    expect(h.submitter.countFor('orders_parquet')).toBe(1); // busy: not tried again within the handler
    h.clock.advance(BUSY_RECHECK_MINUTES * 60_000);
    busy = false;
    await sweep(h.deps);
    expect((await h.run('orders_parquet', DATE))?.state).toBe(RunState.SUBMITTED);
    expect(h.submitter.submittedFor('orders_parquet', DATE)).toBe(1);
  });

  it('fails the submission once timeoutMinutes from the attempt’s start have passed', async () => {
    const short = loadDag([
      {
        path: 'glue.json',
        text: JSON.stringify({
          jobs: [{ name: 'orders_parquet', timeoutMinutes: 10, target: { type: 'glue', jobName: 'orders-to-parquet' } }],
        }),
      },
    ]);
    const h = await createHarness(emulator(), short, { tuning: { submitBackoffBaseMs: 1, submitBackoffCapMs: 1 } });
    h.submitter.fail = () => new SubmitError('ConcurrentRunsExceededException', true, { busy: true });
    await onTrigger(h.deps, 'orders_parquet', new Date(`${DATE}T00:00:00.000Z`), 'scheduler');
    let sweeps = 0;
    for (; sweeps < 20 && (await h.run('orders_parquet', DATE))?.state === RunState.WAITING; sweeps++) {
      h.clock.advance(BUSY_RECHECK_MINUTES * 60_000);
      await sweep(h.deps);
    }
    const run = await h.run('orders_parquet', DATE);
    expect(run?.state).toBe(RunState.FAILED);
    expect(sweeps).toBe(5); // 10 minutes, one try every 2
    expect(run?.reason).toContain('ConcurrentRunsExceededException');
    expect(h.submitter.submittedFor('orders_parquet')).toBe(0);
  });
});
