import { afterEach, describe, expect, it } from 'vitest';
import { loadDag } from '../../lambdas/domain/config/validate';
import { RunState } from '../../lambdas/domain/runs/states';
import { onTrigger } from '../../lambdas/engine/triggers';
import type { SubmitRequest } from '../../lambdas/ports/submitter';
import { type ControlPlanes, DATE, startControlPlanes } from '../support/control-planes';
import { useDynalite } from '../support/dynalite';
import { createHarness } from '../support/harness';
import { APPLIED_FAULTS, operation, strike } from '../support/http-faults';
import { submitErrorOf } from '../support/submit-errors';

/**
 * Lambda Invoke (Event) has no token and nothing to look up afterwards
 * (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html). Through
 * the production wiring (send once) and the simulated Lambda, with faults
 * under the SDK's retry middleware: a call that took effect and then failed
 * queued one event, and the engine parks the run SUBMIT_UNCERTAIN with an
 * alert instead of invoking again — at most once.
 */

const dag = loadDag([
  {
    path: 'lambda.json',
    text: JSON.stringify({
      jobs: [{ name: 'notify_partners', target: { type: 'lambda', function: 'notify-partners', payload: { day: '{{yyyymmdd}}' } } }],
    }),
  },
]);

let planes: ControlPlanes | undefined;
afterEach(async () => {
  await planes?.stop();
  planes = undefined;
});

const request: SubmitRequest = {
  job: 'notify_partners',
  date: DATE,
  attempt: 1,
  target: { type: 'lambda', function: 'notify-partners', payload: '{"day":"20261122"}' },
};
const invocations = (p: ControlPlanes) => p.submissions.all.filter((s) => s.kind === 'lambda').length;

describe('Lambda: invoked at most once', () => {
  it('a clean call queues one event and answers its request id', async () => {
    planes = await startControlPlanes(dag);
    const result = await planes.deps.submitter.submit(request);
    expect(result.submissionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(invocations(planes)).toBe(1);
  });

  it.each(APPLIED_FAULTS)('%s on Invoke: one event queued, no SDK retry, maybeApplied, and nothing can be looked up', async (fault) => {
    planes = await startControlPlanes(dag);
    planes.setPlan(strike(operation('Invoke'), fault, 10));
    expect(await submitErrorOf(planes.deps.submitter.submit(request))).toMatchObject({ maybeApplied: true, retryable: true });
    expect(planes.requests('Invoke')).toBe(1);
    expect(invocations(planes)).toBe(1);
    expect(await planes.deps.submitter.findSubmission({ ...request, type: 'lambda' })).toBe('unknown');
  });

  it('throttled: not applied, nothing queued', async () => {
    planes = await startControlPlanes(dag);
    planes.setPlan(strike(operation('Invoke'), 'throttle'));
    expect(await submitErrorOf(planes.deps.submitter.submit(request))).toMatchObject({ maybeApplied: false, retryable: true });
    expect(invocations(planes)).toBe(0);
  });
});

describe('the engine parks a maybe-applied invocation', () => {
  const emulator = useDynalite();

  it('SUBMIT_UNCERTAIN with an alert, one invocation, never resent', async () => {
    planes = await startControlPlanes(dag);
    const h = await createHarness(emulator(), dag, { tuning: { submitBackoffBaseMs: 1, submitBackoffCapMs: 1 } });
    const { deps } = h.variant({ submitter: planes.deps.submitter });
    planes.setPlan(strike(operation('Invoke'), 'applied-then-5xx', 10));
    expect(await onTrigger(deps, 'notify_partners', new Date(`${DATE}T00:00:00.000Z`), 'scheduler')).toBe('uncertain');
    expect((await h.run('notify_partners', DATE))?.state).toBe(RunState.SUBMIT_UNCERTAIN);
    expect(h.alerts.kinds()).toEqual(['SUBMIT_UNCERTAIN:notify_partners']);
    expect(invocations(planes)).toBe(1);
    expect(planes.requests('Invoke')).toBe(1);
  });
});
