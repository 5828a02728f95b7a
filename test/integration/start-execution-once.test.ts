import { afterEach, describe, expect, it } from 'vitest';
import { loadDag } from '../../lambdas/domain/config/validate';
import type { SubmissionRef, SubmitRequest } from '../../lambdas/ports/submitter';
import { type ControlPlanes, DATE, startControlPlanes } from '../support/control-planes';
import { APPLIED_FAULTS, HTTP_FAULTS, operation, strike } from '../support/http-faults';
import { submitErrorOf } from '../support/submit-errors';

/**
 * Step Functions StartExecution with an execution name derived from (job,
 * date, attempt): "This name must be unique for your AWS account, Region, and
 * state machine for 90 days" (StartExecution,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html;
 * "Execution guarantees", https://docs.aws.amazon.com/step-functions/latest/dg/express-at-least-once-execution.html).
 * Through the production wiring (runtime/engine-deps, SDK retries on) and the
 * simulated Step Functions, with faults injected under the SDK's retry
 * middleware: however the calls fail, each attempt starts one execution.
 */

const dag = loadDag([
  {
    path: 'sfn.json',
    text: JSON.stringify({
      jobs: [
        { name: 'refresh_marts', target: { type: 'stepfunctions', stateMachine: 'refresh-marts' }, simulation: { durationMinutes: 5 } },
      ],
    }),
  },
]);
const INPUT = '{"date":"2026-11-22"}';
const ARN = 'arn:aws:states:us-east-1:000000000000:execution:refresh-marts:rsched-refresh_marts-20261122-1';

let planes: ControlPlanes | undefined;
afterEach(async () => {
  await planes?.stop();
  planes = undefined;
});

const request = (input = INPUT, attempt = 1): SubmitRequest => ({
  job: 'refresh_marts',
  date: DATE,
  attempt,
  target: { type: 'stepfunctions', stateMachine: 'refresh-marts', input },
});
const ref: SubmissionRef = { job: 'refresh_marts', date: DATE, attempt: 1, type: 'stepfunctions', target: request().target };
const started = (p: ControlPlanes) => p.submissions.all.filter((s) => s.kind === 'stepfunctions').length;

describe('Step Functions: one execution per attempt, by name', () => {
  it.each(HTTP_FAULTS)('%s once on StartExecution: the SDK retries, and the attempt has one execution', async (fault) => {
    planes = await startControlPlanes(dag);
    planes.setPlan(strike(operation('StartExecution'), fault));
    expect(await planes.deps.submitter.submit(request())).toEqual({ submissionId: ARN });
    expect(planes.requests('StartExecution')).toBe(2);
    expect(started(planes)).toBe(1);
  });

  it.each(APPLIED_FAULTS)(
    '%s on every StartExecution: maybeApplied after the SDK gives up, one execution, found by name',
    async (fault) => {
      planes = await startControlPlanes(dag);
      planes.setPlan(strike(operation('StartExecution'), fault, 10));
      expect(await submitErrorOf(planes.deps.submitter.submit(request()))).toMatchObject({ maybeApplied: true, retryable: true });
      expect(planes.requests('StartExecution')).toBe(3);
      expect(started(planes)).toBe(1);
      planes.setPlan(() => undefined);
      expect(await planes.deps.submitter.findSubmission(ref)).toEqual({ submissionId: ARN });
      // A resend after the lookup (the engine would not, it found it) still starts nothing new.
      expect(await planes.deps.submitter.submit(request())).toEqual({ submissionId: ARN });
      expect(started(planes)).toBe(1);
    },
  );

  it('a resend after the execution closed gets ExecutionAlreadyExists and is recognised as this attempt’s', async () => {
    planes = await startControlPlanes(dag);
    await planes.deps.submitter.submit(request());
    planes.timeline.set('2026-11-22T01:00:00.000Z');
    expect(await planes.deps.submitter.submit(request())).toEqual({ submissionId: ARN });
    expect(started(planes)).toBe(1);
  });

  it('an execution of that name with another input is not ours: a permanent error, nothing started', async () => {
    planes = await startControlPlanes(dag);
    await planes.deps.submitter.submit(request('{"date":"2026-11-21"}'));
    const err = await submitErrorOf(planes.deps.submitter.submit(request()));
    expect(err).toMatchObject({ retryable: false, maybeApplied: false });
    expect(started(planes)).toBe(1);
  });

  it('nothing submitted: the lookup proves it, and the next attempt is a new execution', async () => {
    planes = await startControlPlanes(dag);
    expect(await planes.deps.submitter.findSubmission(ref)).toBeUndefined();
    await planes.deps.submitter.submit(request());
    await planes.deps.submitter.submit(request(INPUT, 2));
    expect(planes.submissions.all.map((s) => `${s.job}#${s.attempt}`)).toEqual(['refresh_marts#1', 'refresh_marts#2']);
  });
});
