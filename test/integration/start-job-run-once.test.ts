import { afterEach, describe, expect, it } from 'vitest';
import { loadDag } from '../../lambdas/domain/config/validate';
import { RunState } from '../../lambdas/domain/runs/states';
import { onTrigger } from '../../lambdas/engine/triggers';
import { simulatedApplicationId } from '../../lambdas/local/control-plane/emr-serverless-simulator';
import type { SubmissionRef, SubmitRequest } from '../../lambdas/ports/submitter';
import { type ControlPlanes, DATE, startControlPlanes } from '../support/control-planes';
import { useDynalite } from '../support/dynalite';
import { createHarness } from '../support/harness';
import { APPLIED_FAULTS, HTTP_FAULTS, operation, strike } from '../support/http-faults';
import { submitErrorOf } from '../support/submit-errors';

/**
 * EMR Serverless StartJobRun with a `clientToken` derived from the attempt
 * (https://docs.aws.amazon.com/emr-serverless/latest/APIReference/API_StartJobRun.html).
 * Through the production wiring (SDK retries on) and the simulated EMR
 * Serverless, which honours the token, with faults under the SDK's retry
 * middleware: one job run per attempt, found again by its name.
 */

const ROLE = 'arn:aws:iam::123456789012:role/etl-job-runner';
const dag = loadDag([
  {
    path: 'emr-serverless.json',
    text: JSON.stringify({
      jobs: [
        {
          name: 'sessions',
          target: { type: 'emr-serverless', application: 'analytics', executionRole: ROLE, entryPoint: 's3://code/sessions.py' },
        },
      ],
    }),
  },
]);
const APP = simulatedApplicationId('analytics');

let planes: ControlPlanes | undefined;
afterEach(async () => {
  await planes?.stop();
  planes = undefined;
});

const request = (attempt = 1): SubmitRequest => ({
  job: 'sessions',
  date: DATE,
  attempt,
  target: { type: 'emr-serverless', application: 'analytics', executionRole: ROLE, entryPoint: 's3://code/sessions.py', arguments: [] },
});
const ref: SubmissionRef = {
  job: 'sessions',
  date: DATE,
  attempt: 1,
  type: 'emr-serverless',
  target: request().target,
  since: '2026-11-22T00:10:00.000Z',
};
const jobRuns = (p: ControlPlanes) => p.submissions.all.filter((s) => s.kind === 'emr-serverless');

describe('EMR Serverless: one job run per attempt, by client token', () => {
  it.each(HTTP_FAULTS)('%s once on StartJobRun: the SDK retries with the same token, one job run', async (fault) => {
    planes = await startControlPlanes(dag);
    planes.setPlan(strike(operation('StartJobRun'), fault));
    const result = await planes.deps.submitter.submit(request());
    expect(planes.requests('StartJobRun')).toBe(2);
    expect(jobRuns(planes).map((s) => s.submissionId)).toEqual([result.submissionId]);
  });

  it.each(APPLIED_FAULTS)(
    '%s on every StartJobRun: maybeApplied, one job run, found by name; a resend with the token starts none',
    async (fault) => {
      planes = await startControlPlanes(dag);
      planes.setPlan(strike(operation('StartJobRun'), fault, 10));
      expect(await submitErrorOf(planes.deps.submitter.submit(request()))).toMatchObject({ maybeApplied: true, retryable: true });
      expect(planes.requests('StartJobRun')).toBe(3);
      expect(jobRuns(planes)).toHaveLength(1);
      planes.setPlan(() => undefined);
      const found = await planes.deps.submitter.findSubmission(ref);
      expect(found).toEqual({ submissionId: jobRuns(planes)[0]?.submissionId });
      expect(await planes.deps.submitter.submit(request())).toEqual(found);
      expect(jobRuns(planes)).toHaveLength(1);
    },
  );

  it('a new attempt is a new job run; the lookup of an attempt never sent finds nothing', async () => {
    planes = await startControlPlanes(dag);
    await planes.deps.submitter.submit(request(1));
    await planes.deps.submitter.submit(request(2));
    expect(jobRuns(planes).map((s) => s.attempt)).toEqual([1, 2]);
    expect(await planes.deps.submitter.findSubmission({ ...ref, attempt: 3 })).toBeUndefined();
    expect(planes.services.emrServerless.snapshot().jobRuns.every((r) => r.applicationId === APP)).toBe(true);
  });
});

describe('a name that cannot be resolved for now (found by the soak, bench/soak)', () => {
  const emulator = useDynalite();

  it('ListApplications throttled on all 3 SDK tries: nothing was sent, so the engine tries again instead of parking the run', async () => {
    planes = await startControlPlanes(dag);
    const h = await createHarness(emulator(), dag, { tuning: { submitBackoffBaseMs: 1, submitBackoffCapMs: 1 } });
    const { deps } = h.variant({ submitter: planes.deps.submitter });
    planes.setPlan(strike(operation('ListApplications'), 'throttle', 3));
    expect(await onTrigger(deps, 'sessions', new Date(`${DATE}T00:00:00.000Z`), 'scheduler')).toBe('submitted');
    expect((await h.run('sessions', DATE))?.state).toBe(RunState.SUBMITTED);
    expect(h.alerts.kinds()).toEqual([]);
    expect(planes.requests('ListApplications')).toBe(4);
    expect(jobRuns(planes)).toHaveLength(1);
  });
});
