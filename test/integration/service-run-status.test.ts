import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../lambdas/domain/config/dag';
import { loadDag } from '../../lambdas/domain/config/validate';
import type { Run } from '../../lambdas/domain/runs/run';
import { RunState } from '../../lambdas/domain/runs/states';
import { pollSubmitted } from '../../lambdas/engine/completion';
import { type JsonRpcServer, startJsonRpcServer } from '../../lambdas/local/control-plane/json-rpc-server';
import { ServiceSimulators } from '../../lambdas/local/control-plane/service-simulators';
import { SubmissionLog } from '../../lambdas/local/control-plane/submission-log';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lambdas/local/dynamodb-emulator';
import type { MarkerWriter } from '../../lambdas/local/marker-writer';
import { silentLog } from '../../lambdas/ports/log';
import type { RunStatusReaders } from '../../lambdas/ports/run-status';
import type { SubmitRequest } from '../../lambdas/ports/submitter';
import { awsEngineDeps } from '../../lambdas/runtime/engine-deps';
import { DATE, StillTimeline } from '../support/control-planes';
import { type HttpFaultInjector, injectHttpFaults } from '../support/http-faults';

/**
 * The sweeper's status readers of Glue (GetJobRun), EMR Serverless (GetJobRun)
 * and Step Functions (DescribeExecution), built by the production wiring
 * (runtime/aws-deps) and talking over HTTP to the simulated control planes
 * (lambdas/local/control-plane), which answer the real JSON / REST-JSON
 * protocols: a run is RUNNING until its simulated duration has passed, then
 * ends in the service's own terminal state (docs/completion.md, "State mapping").
 */

const ROLE = 'arn:aws:iam::123456789012:role/etl-job-runner';
const dag = loadDag([
  {
    path: 'serverless.json',
    text: JSON.stringify({
      jobs: [
        { name: 'marts', target: { type: 'stepfunctions', stateMachine: 'refresh-marts' }, simulation: { durationMinutes: 10 } },
        {
          name: 'features',
          target: { type: 'emr-serverless', application: 'analytics', executionRole: ROLE, entryPoint: 's3://c/f.py' },
          simulation: { durationMinutes: 20 },
        },
        { name: 'orders', target: { type: 'glue', jobName: 'orders-to-parquet' }, simulation: { durationMinutes: 15 } },
        { name: 'refunds', target: { type: 'glue', jobName: 'refunds-to-parquet' }, simulation: { durationMinutes: 5 } },
      ],
    }),
  },
]);
const targets: Record<string, SubmitRequest['target']> = {
  marts: { type: 'stepfunctions', stateMachine: 'refresh-marts', input: '{}' },
  features: { type: 'emr-serverless', application: 'analytics', executionRole: ROLE, entryPoint: 's3://c/f.py', arguments: [] },
  orders: { type: 'glue', jobName: 'orders-to-parquet', arguments: {} },
  refunds: { type: 'glue', jobName: 'refunds-to-parquet', arguments: {} },
};
const START = '2026-11-22T01:00:00.000Z';

let server: JsonRpcServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

interface World {
  readonly timeline: StillTimeline;
  readonly status: RunStatusReaders;
  readonly ids: Record<string, string>;
  readonly injectors: HttpFaultInjector[];
  readonly job: (name: string) => Job;
}

/** Every job submitted at START through the production submitters; `refunds` fails (rsched simulate --fail). */
async function world(): Promise<World> {
  const timeline = new StillTimeline(new Date(START));
  const services = new ServiceSimulators({
    dag,
    timeline,
    overrides: { fail: new Set(['refunds']), hang: new Set(), durations: new Map() },
    markers: { write: async () => '' } as unknown as MarkerWriter,
    submissions: new SubmissionLog(),
  });
  server = await startJsonRpcServer(services.operations());
  const injectors: HttpFaultInjector[] = [];
  const deps = awsEngineDeps(
    dag,
    { runsTable: 'r', clustersTable: 'c', alertTopicArn: 'arn:aws:sns:us-east-1:000000000000:a', markerBucket: 'unused' },
    silentLog,
    {
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      endpoints: { sfn: server.endpoint, emrserverless: server.endpoint, glue: server.endpoint },
      instrument: (client, service) => {
        if (service === 'sfn' || service === 'emrserverless' || service === 'glue')
          injectors.push(injectHttpFaults(client, () => undefined));
      },
    },
  );
  const ids: Record<string, string> = {};
  for (const [job, target] of Object.entries(targets))
    ids[job] = (await deps.submitter.submit({ job, date: DATE, attempt: 1, target })).submissionId;
  const status = deps.completion?.status as RunStatusReaders;
  return { timeline, status, ids, injectors, job: (name) => dag.jobs.get(name) as Job };
}

const ask = (w: World, job: string, submissionId = w.ids[job] as string) => {
  const j = w.job(job);
  return w.status.for(j.target.type)?.status({ job, date: DATE, attempt: 1, submissionId, target: j.target });
};

describe('status readers against the simulated Glue, EMR Serverless and Step Functions', () => {
  it('a run is RUNNING while it runs, in each service’s own words', async () => {
    const w = await world();
    expect(await ask(w, 'marts')).toEqual({ kind: 'running', state: 'RUNNING' });
    expect(await ask(w, 'features')).toEqual({ kind: 'running', state: 'RUNNING' });
    expect(await ask(w, 'orders')).toEqual({ kind: 'running', state: 'RUNNING' });
  });

  it('then ended: SUCCEEDED / SUCCESS / SUCCEEDED with end time and duration; FAILED with the service’s error', async () => {
    const w = await world();
    w.timeline.set('2026-11-22T02:00:00.000Z');
    expect(await ask(w, 'marts')).toEqual({
      kind: 'ended',
      state: 'SUCCEEDED',
      endedAt: '2026-11-22T01:10:00.000Z',
      durationSeconds: 600,
    });
    expect(await ask(w, 'features')).toEqual({
      kind: 'ended',
      state: 'SUCCESS',
      endedAt: '2026-11-22T01:20:00.000Z',
      durationSeconds: 1200,
    });
    expect(await ask(w, 'orders')).toEqual({
      kind: 'ended',
      state: 'SUCCEEDED',
      endedAt: '2026-11-22T01:15:00.000Z',
      durationSeconds: 900,
    });
    expect(await ask(w, 'refunds')).toEqual({
      kind: 'ended',
      state: 'FAILED',
      endedAt: '2026-11-22T01:05:00.000Z',
      durationSeconds: 300,
      error: 'simulated failure (--fail)',
    });
  });

  it('cannot tell (unknown, with the reason) when the run is not found or every try is throttled', async () => {
    const w = await world();
    expect(await ask(w, 'orders', 'jr_00000099')).toMatchObject({ kind: 'unknown', why: expect.stringMatching(/EntityNotFoundException/) });
    expect(await ask(w, 'features', '00jr000000000099')).toMatchObject({
      kind: 'unknown',
      why: expect.stringMatching(/ResourceNotFoundException/),
    });
    const arn = (w.ids.marts as string).replace(/-1$/, '-9');
    expect(await ask(w, 'marts', arn)).toMatchObject({ kind: 'unknown', why: expect.stringMatching(/ExecutionDoesNotExist/) });
    for (const i of w.injectors) i.setPlan(() => 'throttle');
    const before = w.injectors.reduce((n, i) => n + i.calls.length, 0);
    expect(await ask(w, 'marts')).toMatchObject({ kind: 'unknown', why: expect.stringMatching(/Throttling/) });
    // The SDK's own retries (3 attempts by default) were spent before it said so.
    expect(w.injectors.reduce((n, i) => n + i.calls.length, 0) - before).toBe(3);
  });

  it('the sweeper’s poll writes the marker of each ended run from what the service said', async () => {
    const w = await world();
    w.timeline.set('2026-11-22T02:00:00.000Z');
    const written: Record<string, unknown> = {};
    const markers = {
      write: async (key: string, body: string) => {
        written[key] = JSON.parse(body);
      },
    };
    for (const name of Object.keys(targets)) {
      const run = {
        job: name,
        date: DATE,
        state: RunState.SUBMITTED,
        attempt: 1,
        submissionId: w.ids[name],
        submittedAt: START,
        history: [],
      } as unknown as Run;
      const outcome = await pollSubmitted(
        { clock: w.timeline, log: silentLog, completion: { markers, status: w.status } },
        w.job(name),
        run,
      );
      expect(outcome).toBe('written');
    }
    expect(written).toEqual({
      'marts__20261122.done': {
        attempt: 1,
        meta: expect.objectContaining({ completion: 'poll', service: 'stepfunctions', state: 'SUCCEEDED' }),
      },
      'features__20261122.done': {
        attempt: 1,
        meta: expect.objectContaining({ completion: 'poll', service: 'emr-serverless', state: 'SUCCESS', runId: w.ids.features }),
      },
      'orders__20261122.done': { attempt: 1, meta: expect.objectContaining({ completion: 'poll', service: 'glue', state: 'SUCCEEDED' }) },
      'refunds__20261122.failed': {
        attempt: 1,
        meta: expect.objectContaining({ completion: 'poll', service: 'glue', state: 'FAILED', error: 'simulated failure (--fail)' }),
      },
    });
  });
});
