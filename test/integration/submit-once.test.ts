import { AddJobFlowStepsCommand, EMRClient } from '@aws-sdk/client-emr';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDag } from '../../lambdas/domain/config/validate';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lambdas/local/dynamodb-emulator';
import { InProcessRequestHandler } from '../../lambdas/local/in-process-transport';
import type { LiveCluster } from '../../lambdas/ports/cluster-directory';
import type { SubmitRequest } from '../../lambdas/ports/submitter';
import { type ControlPlanes, DATE, startControlPlanes } from '../support/control-planes';
import { FLEET_CONFIG } from '../support/fleet-harness';
import { APPLIED_FAULTS, injectHttpFaults, operation, strike } from '../support/http-faults';
import { submitErrorOf } from '../support/submit-errors';

/**
 * Issue 11, item 1: AddJobFlowSteps has no idempotency token. Through the
 * production wiring (runtime/engine-deps) and the simulated EMR control plane,
 * with faults injected under the SDK's retry middleware: a call that took
 * effect and then failed leaves exactly one step, the error says it may have
 * been applied, and the lookup by step name finds it.
 */

const dag = loadDag([
  {
    path: 'submit-once.json',
    text: JSON.stringify({
      ...FLEET_CONFIG,
      jobs: [{ name: 'sessions', target: { type: 'emr-step', pool: 'etl', step: { args: ['spark-submit', 's3://code/sessions.py'] } } }],
    }),
  },
]);

let planes: ControlPlanes | undefined;
afterEach(async () => {
  await planes?.stop();
  planes = undefined;
});

function request(cluster: { id: string }): SubmitRequest {
  const live: LiveCluster = {
    name: 'nightly-etl',
    id: cluster.id,
    pools: ['etl'],
    windowStart: '2026-11-22T00:00:00.000Z',
    windowEnd: '2026-11-22T03:00:00.000Z',
  };
  return {
    job: 'sessions',
    date: DATE,
    attempt: 1,
    cluster: live,
    target: { type: 'emr-step', args: ['spark-submit', 's3://code/sessions.py'], jar: 'command-runner.jar', actionOnFailure: 'CONTINUE' },
  };
}

const ref = (clusterId: string) => ({ job: 'sessions', date: DATE, attempt: 1, type: 'emr-step' as const, clusterId });

describe('EMR steps: sent once, found by name', () => {
  it.each(APPLIED_FAULTS)('%s on AddJobFlowSteps: one step on the cluster, maybeApplied, and findSubmission finds it', async (fault) => {
    planes = await startControlPlanes(dag);
    const cluster = await planes.cluster();
    planes.setPlan(strike(operation('AddJobFlowSteps'), fault, 10));
    const err = await submitErrorOf(planes.deps.submitter.submit(request(cluster)));
    expect(err).toMatchObject({ maybeApplied: true, retryable: true });
    expect(planes.requests('AddJobFlowSteps')).toBe(1);
    expect(cluster.steps.map((s) => s.name)).toEqual(['rsched:sessions:2026-11-22:1']);
    expect(planes.submissions.countFor('sessions', DATE)).toBe(1);
    expect(await planes.deps.submitter.findSubmission(ref(cluster.id))).toEqual({
      submissionId: cluster.steps[0]?.id,
      clusterId: cluster.id,
    });
  });

  it('a throttled AddJobFlowSteps was not applied: no step, not maybeApplied, retryable, and the lookup finds nothing', async () => {
    planes = await startControlPlanes(dag);
    const cluster = await planes.cluster();
    planes.setPlan(strike(operation('AddJobFlowSteps'), 'throttle'));
    const err = await submitErrorOf(planes.deps.submitter.submit(request(cluster)));
    expect(err).toMatchObject({ maybeApplied: false, retryable: true });
    expect(planes.requests('AddJobFlowSteps')).toBe(1);
    expect(cluster.steps).toEqual([]);
    expect(await planes.deps.submitter.findSubmission(ref(cluster.id))).toBeUndefined();
  });

  it('a 5xx before the call is maybeApplied (the client cannot tell), and the lookup proves nothing was added', async () => {
    planes = await startControlPlanes(dag);
    const cluster = await planes.cluster();
    planes.setPlan(strike(operation('AddJobFlowSteps'), '5xx'));
    expect(await submitErrorOf(planes.deps.submitter.submit(request(cluster)))).toMatchObject({ maybeApplied: true, retryable: true });
    expect(await planes.deps.submitter.findSubmission(ref(cluster.id))).toBeUndefined();
    // The engine's resend after that answer adds the one step.
    planes.setPlan(() => undefined);
    await planes.deps.submitter.submit(request(cluster));
    expect(cluster.steps).toHaveLength(1);
  });

  it('a refusal (terminated cluster, ValidationException) is permanent and not applied', async () => {
    planes = await startControlPlanes(dag);
    const cluster = await planes.cluster();
    cluster.state = 'TERMINATED';
    expect(await submitErrorOf(planes.deps.submitter.submit(request(cluster)))).toMatchObject({ maybeApplied: false, retryable: false });
  });

  it('the lookup keeps the SDK retries: a throttled ListSteps is retried and the step still found', async () => {
    planes = await startControlPlanes(dag);
    const cluster = await planes.cluster();
    const { submissionId } = await planes.deps.submitter.submit(request(cluster));
    planes.setPlan(strike(operation('ListSteps'), 'throttle', 2));
    expect(await planes.deps.submitter.findSubmission(ref(cluster.id))).toEqual({ submissionId, clusterId: cluster.id });
    expect(planes.requests('ListSteps')).toBe(3);
  });

  it('why: a client with the SDK default retries adds the step twice after one applied-then-5xx (the behaviour this replaces)', async () => {
    planes = await startControlPlanes(dag);
    const cluster = await planes.cluster();
    const retrying = new EMRClient({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      requestHandler: new InProcessRequestHandler(planes.listener),
    });
    injectHttpFaults(retrying, strike(operation('AddJobFlowSteps'), 'applied-then-5xx'));
    const input = {
      JobFlowId: cluster.id,
      Steps: [{ Name: 'rsched:sessions:2026-11-22:1', HadoopJarStep: { Jar: 'command-runner.jar' } }],
    };
    await retrying.send(new AddJobFlowStepsCommand(input));
    expect(cluster.steps).toHaveLength(2);
  });
});
