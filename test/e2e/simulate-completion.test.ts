import { describe, expect, it } from 'vitest';
import type { Dag } from '../../lambdas/domain/config/dag';
import { loadDag } from '../../lambdas/domain/config/validate';
import type { Run } from '../../lambdas/domain/runs/run';
import type { ServiceEventEnvelope } from '../../lambdas/local/control-plane/service-event';
import { SimulationSession } from '../../lambdas/local/simulate';
import { cluster, emr, SIM_DATE } from '../support/simulation';

/**
 * Completion without hand-written markers (docs/completion.md) on the embedded
 * runtime: simulated EMR, Glue, EMR Serverless and Step Functions emit their
 * state-change events, the real completion handler writes the markers to
 * s3rver, the real scheduler and sweeper do the rest. A job with completion
 * "events" writes no marker of its own; a lost event is made good by the
 * sweeper's status poll (DescribeStep, GetJobRun, DescribeExecution).
 */

const ROLE = 'arn:aws:iam::123456789012:role/rsched-jobs';
const daily = { schedule: '0 0 * * *', maxRuntimeMinutes: 30, simulation: { durationMinutes: 10 } };

const CONFIG = {
  clusters: [cluster('etl', ['etl'], '0 0 * * *', '0 6 * * *')],
  jobs: [
    emr('by_event', 'etl', [], { schedule: '0 0 * * *', maxRuntimeMinutes: 30 }),
    emr('own_marker', 'etl', [], { schedule: '0 0 * * *', completion: 'marker', maxRuntimeMinutes: 30 }),
    emr('event_lost', 'etl', [], { schedule: '0 0 * * *', maxRuntimeMinutes: 30 }),
    emr('hangs', 'etl', [], { schedule: '0 0 * * *', maxRuntimeMinutes: 30 }),
    emr('after', 'etl', ['by_event', 'event_lost']),
    { name: 'glue_by_event', target: { type: 'glue', jobName: 'orders-to-parquet' }, ...daily },
    {
      name: 'serverless_by_event',
      target: { type: 'emr-serverless', application: 'analytics-spark', executionRole: ROLE, entryPoint: 's3://code/f.py' },
      ...daily,
    },
    { name: 'sfn_by_event', target: { type: 'stepfunctions', stateMachine: 'refresh-marts' }, ...daily },
    { name: 'sfn_fails', target: { type: 'stepfunctions', stateMachine: 'rebuild-cubes' }, ...daily },
    { name: 'sfn_own_marker', target: { type: 'stepfunctions', stateMachine: 'export-cubes' }, completion: 'marker', ...daily },
    { name: 'glue_event_lost', target: { type: 'glue', jobName: 'refunds-to-parquet' }, ...daily },
    {
      name: 'serverless_after',
      dependsOn: ['glue_by_event', 'sfn_by_event', 'glue_event_lost'],
      ...daily,
      schedule: undefined,
      target: { type: 'emr-serverless', application: 'analytics-spark', executionRole: ROLE, entryPoint: 's3://code/a.py' },
    },
  ],
};

interface Day {
  readonly runs: Record<string, Run>;
  readonly bodies: Record<string, string | undefined>;
  readonly dropped: string[];
}

async function simulateDay(): Promise<Day> {
  const dag: Dag = loadDag([{ path: 'completion.json', text: JSON.stringify(CONFIG) }]);
  const dropped: string[] = [];
  const session = await SimulationSession.start({
    dag,
    start: SimulationSession.dayStart(dag, SIM_DATE),
    overrides: { fail: new Set(['sfn_fails']), hang: new Set(['hangs']), durations: new Map() },
    // EventBridge is best effort: every event of event_lost's step and of glue_event_lost's job run is lost
    // on its way to the completion function.
    dropCompletionEvent: (event: ServiceEventEnvelope) => {
      const lost = String(event.detail.name).startsWith('rsched:event_lost:') || event.detail.jobName === 'refunds-to-parquet';
      if (lost) dropped.push(`${event['detail-type']} ${String(event.detail.state)}`);
      return lost;
    },
  });
  try {
    session.scheduleDay(SIM_DATE);
    await session.run();
    const { runs } = await session.report(SIM_DATE);
    const bucket = session.runtime.ops().bucket;
    const bodies: Record<string, string | undefined> = {};
    for (const job of dag.jobs.keys())
      bodies[job] =
        (await bucket.read(bucket.bucket, `${job}__20261122.done`)) ?? (await bucket.read(bucket.bucket, `${job}__20261122.failed`));
    return { runs: Object.fromEntries(runs.map((r) => [r.job, r])), bodies, dropped };
  } finally {
    await session.stop();
  }
}

describe('rsched simulate with completion "events"', () => {
  let day: Day;
  const get = async () => {
    day ??= await simulateDay();
    return day;
  };

  it('an emr-step job that writes no marker SUCCEEDS from its step event, and its downstream runs', async () => {
    const { runs, bodies } = await get();
    expect(runs.by_event?.state).toBe('SUCCEEDED');
    expect(runs.by_event?.meta).toMatchObject({
      completion: 'event',
      service: 'emr-step',
      state: 'COMPLETED',
      runId: runs.by_event?.submissionId,
    });
    expect(JSON.parse(bodies.by_event as string)).toMatchObject({ attempt: 1 });
    expect(runs.after?.state).toBe('SUCCEEDED');
  });

  it('a job with completion "marker" still ends by the marker it writes itself', async () => {
    const { runs, bodies } = await get();
    expect(runs.own_marker?.state).toBe('SUCCEEDED');
    expect(bodies.own_marker).toBe('');
    expect(runs.own_marker?.meta).toBeUndefined();
  });

  it.each([
    ['glue_by_event', 'glue', 'SUCCEEDED'],
    ['serverless_by_event', 'emr-serverless', 'SUCCESS'],
    ['sfn_by_event', 'stepfunctions', 'SUCCEEDED'],
  ])('a %s job that writes no marker SUCCEEDS from its %s state-change event', async (job, service, state) => {
    const { runs, bodies } = await get();
    expect(runs[job]?.state).toBe('SUCCEEDED');
    expect(runs[job]?.meta).toMatchObject({ completion: 'event', service, state, runId: runs[job]?.submissionId });
    expect(JSON.parse(bodies[job] as string)).toMatchObject({ attempt: 1, meta: { completion: 'event' } });
  });

  it('a failed Step Functions execution FAILS its run from the event, with the service’s error', async () => {
    const { runs } = await get();
    expect(runs.sfn_fails?.state).toBe('FAILED');
    expect(runs.sfn_fails?.meta).toMatchObject({ completion: 'event', service: 'stepfunctions', state: 'FAILED' });
    expect(runs.sfn_fails?.reason).toMatch(/Simulated\.Failure: simulated failure/);
  });

  it('a serverless job with completion "marker" writes its own marker, and its downstream runs', async () => {
    const { runs, bodies } = await get();
    expect(runs.sfn_own_marker?.state).toBe('SUCCEEDED');
    expect(bodies.sfn_own_marker).toBe('');
    expect(runs.serverless_after?.state).toBe('SUCCEEDED');
  });

  it('a lost Glue event: at maxRuntimeMinutes the sweeper asks Glue (GetJobRun) and writes the marker', async () => {
    const { runs, dropped } = await get();
    expect(dropped).toContain('Glue Job State Change SUCCEEDED');
    expect(runs.glue_event_lost?.state).toBe('SUCCEEDED');
    expect(runs.glue_event_lost?.meta).toMatchObject({ completion: 'poll', service: 'glue', state: 'SUCCEEDED' });
    const submitted = Date.parse(runs.glue_event_lost?.submittedAt as string);
    const succeeded = runs.glue_event_lost?.history.find((e) => e.to === 'SUCCEEDED')?.at as string;
    expect(Date.parse(succeeded) - submitted).toBeGreaterThanOrEqual(30 * 60_000);
  });

  it('a lost step event: at maxRuntimeMinutes the sweeper asks EMR (DescribeStep) and writes the marker', async () => {
    const { runs, dropped } = await get();
    expect(dropped).toContain('EMR Step Status Change COMPLETED');
    expect(runs.event_lost?.state).toBe('SUCCEEDED');
    expect(runs.event_lost?.meta).toMatchObject({ completion: 'poll', state: 'COMPLETED' });
    // Found at the first sweep past its maximum run time, not before the step ended.
    const submitted = Date.parse(runs.event_lost?.submittedAt as string);
    const succeeded = runs.event_lost?.history.find((e) => e.to === 'SUCCEEDED')?.at as string;
    expect(Date.parse(succeeded) - submitted).toBeGreaterThanOrEqual(30 * 60_000);
  });

  it('a step that never ends: the poll finds it RUNNING, and the run times out as before', async () => {
    const { runs } = await get();
    expect(runs.hangs?.state).toBe('TIMED_OUT');
    expect(runs.hangs?.reason).toMatch(/maxRuntimeMinutes=30/);
  });
});
