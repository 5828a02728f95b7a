import { describe, expect, it } from 'vitest';
import { RoutingSubmitter } from '../../../lambdas/adapters/aws/routing-submitter';
import type { RunDate } from '../../../lambdas/domain/run-date';
import { SubmitError } from '../../../lambdas/ports/submitter';
import { RecordingSubmitter } from '../../support/fakes';

describe('RoutingSubmitter', () => {
  it('sends each request and lookup to the submitter of its target type', async () => {
    const pipelines = new RecordingSubmitter();
    const steps = new RecordingSubmitter();
    steps.found = 'unknown';
    const router = new RoutingSubmitter({ datapipeline: pipelines, 'emr-step': steps });
    const date = '2026-11-22' as RunDate;
    await router.submit({ job: 'a', date, attempt: 1, target: { type: 'datapipeline', pipeline: 'p', parameters: {} } });
    expect(pipelines.calls.map((c) => c.job)).toEqual(['a']);
    expect(steps.calls).toEqual([]);
    expect(await router.findSubmission({ job: 'b', date, attempt: 1, type: 'emr-step' })).toBe('unknown');
    expect(steps.lookups.map((l) => l.job)).toEqual(['b']);
  });

  it('refuses a target type nobody submits, permanently', () => {
    const router = new RoutingSubmitter({});
    let thrown: unknown;
    try {
      router.findSubmission({ job: 'a', date: '2026-11-22' as RunDate, attempt: 1, type: 'datapipeline' });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(SubmitError);
    expect(thrown).toMatchObject({ retryable: false, message: 'no submitter for target type "datapipeline"' });
  });
});
