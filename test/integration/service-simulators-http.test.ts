import { afterEach, describe, expect, it } from 'vitest';
import { loadDag } from '../../lambdas/domain/config/validate';
import { type JsonRpcServer, startJsonRpcServer } from '../../lambdas/local/control-plane/json-rpc-server';
import { ServiceSimulators } from '../../lambdas/local/control-plane/service-simulators';
import { SubmissionLog } from '../../lambdas/local/control-plane/submission-log';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lambdas/local/dynamodb-emulator';
import { NO_OVERRIDES } from '../../lambdas/local/job-behaviour';
import type { MarkerWriter } from '../../lambdas/local/marker-writer';
import { tagWithRun } from '../../lambdas/local/run-context';
import { silentLog } from '../../lambdas/ports/log';
import type { SubmitRequest } from '../../lambdas/ports/submitter';
import { awsEngineDeps } from '../../lambdas/runtime/engine-deps';
import { DATE, StillTimeline } from '../support/control-planes';

/**
 * `rsched dev` talks to the simulated services over real sockets (docs/local.md):
 * the four serverless targets through the production wiring over HTTP — the
 * JSON protocols (Glue, Step Functions) and the REST-JSON routes (EMR
 * Serverless, Lambda) — each a real submission, and state that survives a
 * snapshot and restore (a restarted dev) without starting anything twice.
 */

const ROLE = 'arn:aws:iam::123456789012:role/etl-job-runner';
const dag = loadDag([
  {
    path: 'all.json',
    text: JSON.stringify({
      jobs: [
        { name: 'a', target: { type: 'stepfunctions', stateMachine: 'refresh-marts', input: { d: '{{date}}' } } },
        { name: 'b', target: { type: 'emr-serverless', application: 'analytics', executionRole: ROLE, entryPoint: 's3://c/b.py' } },
        { name: 'c', target: { type: 'glue', jobName: 'orders-to-parquet' } },
        { name: 'd', target: { type: 'lambda', function: 'notify-partners' } },
      ],
    }),
  },
]);

const targets: Record<string, SubmitRequest['target']> = {
  a: { type: 'stepfunctions', stateMachine: 'refresh-marts', input: '{"d":"2026-11-22"}' },
  b: { type: 'emr-serverless', application: 'analytics', executionRole: ROLE, entryPoint: 's3://c/b.py', arguments: [] },
  c: { type: 'glue', jobName: 'orders-to-parquet', arguments: {} },
  d: { type: 'lambda', function: 'notify-partners', payload: '{}' },
};

let server: JsonRpcServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

function simulators(submissions: SubmissionLog, timeline: StillTimeline, written: string[]) {
  const markers = { write: async (job: string) => written.push(job) } as unknown as MarkerWriter;
  return new ServiceSimulators({ dag, timeline, overrides: NO_OVERRIDES, markers, submissions });
}

describe('the simulated serverless services over HTTP', () => {
  it('take one submission of each target through the SDK clients, and answer the same again after a restore', async () => {
    const timeline = new StillTimeline(new Date('2026-11-22T01:00:00.000Z'));
    const submissions = new SubmissionLog();
    const services = simulators(submissions, timeline, []);
    server = await startJsonRpcServer(services.operations());
    const endpoint = server.endpoint;
    const deps = awsEngineDeps(
      dag,
      { runsTable: 'r', clustersTable: 'c', alertTopicArn: 'arn:aws:sns:us-east-1:000000000000:a' },
      silentLog,
      {
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
        endpoints: { sfn: endpoint, emrserverless: endpoint, glue: endpoint, lambda: endpoint },
        onLambdaCommand: tagWithRun,
      },
    );
    const ids: Record<string, string> = {};
    for (const [job, target] of Object.entries(targets))
      ids[job] = (await deps.submitter.submit({ job, date: DATE, attempt: 1, target })).submissionId;
    expect(submissions.all.map((s) => `${s.kind}:${s.job}`)).toEqual(['stepfunctions:a', 'emr-serverless:b', 'glue:c', 'lambda:d']);

    // A restarted rsched dev: a new set of simulators restored from the snapshot, on a new server.
    const snapshot = JSON.parse(JSON.stringify(services.snapshot()));
    await server.stop();
    const restoredLog = new SubmissionLog();
    const restored = simulators(restoredLog, timeline, []);
    restored.restore(snapshot);
    server = await startJsonRpcServer(restored.operations(), Number(new URL(endpoint).port));
    // The idempotent targets answer the same execution / job run, and start nothing new.
    expect(await deps.submitter.submit({ job: 'a', date: DATE, attempt: 1, target: targets.a as SubmitRequest['target'] })).toEqual({
      submissionId: ids.a,
    });
    expect(await deps.submitter.submit({ job: 'b', date: DATE, attempt: 1, target: targets.b as SubmitRequest['target'] })).toEqual({
      submissionId: ids.b,
    });
    expect(
      await deps.submitter.findSubmission({
        job: 'c',
        date: DATE,
        attempt: 1,
        type: 'glue',
        target: targets.c,
        since: '2026-11-22T00:59:00.000Z',
      }),
    ).toEqual({ submissionId: ids.c });
    expect(restoredLog.all).toEqual([]);
  });

  it('re-arms the runs still going when restored, and writes their markers when due', async () => {
    const timeline = new StillTimeline(new Date('2026-11-22T01:00:00.000Z'));
    const services = simulators(new SubmissionLog(), timeline, []);
    server = await startJsonRpcServer(services.operations());
    const deps = awsEngineDeps(
      dag,
      { runsTable: 'r', clustersTable: 'c', alertTopicArn: 'arn:aws:sns:us-east-1:000000000000:a' },
      silentLog,
      {
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
        endpoints: { glue: server.endpoint },
      },
    );
    await deps.submitter.submit({ job: 'c', date: DATE, attempt: 1, target: targets.c as SubmitRequest['target'] });
    const pending = services.snapshot().glue?.pending ?? [];
    expect(pending.map((p) => p.job)).toEqual(['c']);
    const scheduled: string[] = [];
    const recording = Object.assign(new StillTimeline(new Date('2026-11-22T02:00:00.000Z')), {
      schedule: (_at: Date, label: string) => scheduled.push(label),
    });
    const restored = new ServiceSimulators({
      dag,
      timeline: recording,
      overrides: NO_OVERRIDES,
      markers: { write: async () => '' } as unknown as MarkerWriter,
      submissions: new SubmissionLog(),
    });
    restored.restore(services.snapshot());
    expect(scheduled).toEqual(['glue c']);
  });
});
