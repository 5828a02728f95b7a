import { afterEach, describe, expect, it } from 'vitest';
import { loadDag } from '../../lambdas/domain/config/validate';
import type { RunDate } from '../../lambdas/domain/run-date';
import { simulatedPipelineId } from '../../lambdas/local/control-plane/datapipeline-simulator';
import type { SubmissionRef, SubmitRequest } from '../../lambdas/ports/submitter';
import { type ControlPlanes, startControlPlanes } from '../support/control-planes';
import { APPLIED_FAULTS, operation, strike } from '../support/http-faults';
import { submitErrorOf } from '../support/submit-errors';

/**
 * Issue 11, item 2: ActivatePipeline has no idempotency token
 * (https://docs.aws.amazon.com/datapipeline/latest/APIReference/API_ActivatePipeline.html).
 * Through the production wiring and the simulated Data Pipeline (which keeps
 * `@lastActivationTime` in DescribePipelines' fields as AWS does), with faults
 * under the SDK's retry middleware: sent once; after a maybe-applied failure
 * the lookup finds an activation made since the claim, proves "not applied"
 * when the last activation is older, and says 'unknown' when it cannot tell.
 */

const dag = loadDag([
  {
    path: 'activate-once.json',
    text: JSON.stringify({ jobs: [{ name: 'kpi_export', target: { type: 'datapipeline', pipeline: 'kpi-to-redshift' } }] }),
  },
]);
const PIPELINE_ID = simulatedPipelineId('kpi-to-redshift');

let planes: ControlPlanes | undefined;
afterEach(async () => {
  await planes?.stop();
  planes = undefined;
});

const target = { type: 'datapipeline', pipeline: 'kpi-to-redshift', parameters: { myDate: '2026-11-22' } } as const;
const request = (date: string): SubmitRequest => ({ job: 'kpi_export', date: date as RunDate, attempt: 1, target });
/** What the engine asks after a maybe-applied failure: the run, its target, and when it was claimed. */
const ref = (date: string, since: string): SubmissionRef => ({
  job: 'kpi_export',
  date: date as RunDate,
  attempt: 1,
  type: 'datapipeline',
  target,
  since,
});
const activations = (p: ControlPlanes) => p.submissions.all.filter((s) => s.kind === 'datapipeline').length;

/** Yesterday's run activated the pipeline normally; today's claim is at 06:00:00.250. */
async function activatedYesterday(): Promise<{ planes: ControlPlanes; since: string }> {
  const p = await startControlPlanes(dag, '2026-11-21T06:00:00.000Z');
  await p.deps.submitter.submit(request('2026-11-21'));
  const since = '2026-11-22T06:00:00.250Z';
  p.timeline.set(since);
  return { planes: p, since };
}

describe('Data Pipeline: activated once, looked up by its last activation time', () => {
  it.each(APPLIED_FAULTS)('%s on ActivatePipeline: one activation, maybeApplied, and the lookup finds it', async (fault) => {
    const y = await activatedYesterday();
    planes = y.planes;
    planes.timeline.set('2026-11-22T06:00:00.900Z'); // the call lands a little after the claim
    planes.setPlan(strike(operation('ActivatePipeline'), fault, 10));
    expect(await submitErrorOf(planes.deps.submitter.submit(request('2026-11-22')))).toMatchObject({
      maybeApplied: true,
      retryable: true,
    });
    expect(planes.requests('ActivatePipeline')).toBe(2); // yesterday's and today's single try
    expect(planes.submissions.countFor('kpi_export', '2026-11-22')).toBe(1);
    expect(await planes.deps.submitter.findSubmission(ref('2026-11-22', y.since))).toEqual({ submissionId: PIPELINE_ID });
  });

  it('a throttled ActivatePipeline was not applied, and the lookup proves it: the last activation is yesterday’s', async () => {
    const y = await activatedYesterday();
    planes = y.planes;
    planes.setPlan(strike(operation('ActivatePipeline'), 'throttle'));
    expect(await submitErrorOf(planes.deps.submitter.submit(request('2026-11-22')))).toMatchObject({
      maybeApplied: false,
      retryable: true,
    });
    expect(planes.submissions.countFor('kpi_export', '2026-11-22')).toBe(0);
    expect(await planes.deps.submitter.findSubmission(ref('2026-11-22', y.since))).toBeUndefined();
  });

  it('a 5xx before the call: maybeApplied, the lookup says not applied, and the resend activates exactly once', async () => {
    const y = await activatedYesterday();
    planes = y.planes;
    planes.setPlan(strike(operation('ActivatePipeline'), '5xx'));
    expect(await submitErrorOf(planes.deps.submitter.submit(request('2026-11-22')))).toMatchObject({ maybeApplied: true });
    expect(await planes.deps.submitter.findSubmission(ref('2026-11-22', y.since))).toBeUndefined();
    await planes.deps.submitter.submit(request('2026-11-22'));
    expect(planes.submissions.countFor('kpi_export', '2026-11-22')).toBe(1);
    expect(activations(planes)).toBe(2);
  });

  it('a pipeline never activated before has no @lastActivationTime: after a 5xx nothing proves either way, so unknown', async () => {
    planes = await startControlPlanes(dag, '2026-11-22T06:00:00.000Z');
    planes.setPlan(strike(operation('ActivatePipeline'), '5xx'));
    await submitErrorOf(planes.deps.submitter.submit(request('2026-11-22')));
    expect(await planes.deps.submitter.findSubmission(ref('2026-11-22', '2026-11-22T06:00:00.000Z'))).toBe('unknown');
  });

  it('DescribePipelines failing beyond the SDK retries: unknown, never a guess', async () => {
    const y = await activatedYesterday();
    planes = y.planes;
    planes.setPlan(strike(operation('DescribePipelines'), '5xx', 10));
    expect(await planes.deps.submitter.findSubmission(ref('2026-11-22', y.since))).toBe('unknown');
    expect(planes.requests('DescribePipelines')).toBe(3);
  });
});
