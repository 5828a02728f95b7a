import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { S3MarkerBucket } from '../../lambdas/adapters/aws/s3-marker-bucket';
import { S3MarkerReader } from '../../lambdas/adapters/aws/s3-marker-reader';
import type { Dag, Job } from '../../lambdas/domain/config/dag';
import type { Target } from '../../lambdas/domain/config/schema';
import { loadDag } from '../../lambdas/domain/config/validate';
import type { RunDate } from '../../lambdas/domain/run-date';
import { RunState } from '../../lambdas/domain/runs/states';
import { SubmissionNotRecordedError } from '../../lambdas/engine/completion';
import type { EngineDeps } from '../../lambdas/engine/deps';
import type { S3EventRecord } from '../../lambdas/events/s3-event';
import { makeCompletionHandler } from '../../lambdas/handlers/completion';
import { makeSchedulerHandler } from '../../lambdas/handlers/scheduler';
import { makeSweeperHandler } from '../../lambdas/handlers/sweeper';
import { localS3Client } from '../../lambdas/local/marker-writer';
import { type S3Emulator, startS3Emulator } from '../../lambdas/local/s3-emulator';
import { silentLog } from '../../lambdas/ports/log';
import { type RunStatus, type RunStatusReader, RunStatusReaders } from '../../lambdas/ports/run-status';
import { SubmitError, submissionName } from '../../lambdas/ports/submitter';
import { useDynalite } from '../support/dynalite';
import { createHarness, ETL_CLUSTER, type Harness, triggerEvent } from '../support/harness';
import { APPLIED_FAULTS, injectHttpFaults } from '../support/http-faults';

/**
 * Completion without hand-written markers (docs/completion.md), through the
 * real handlers — completion, scheduler, sweeper — on dynalite (runs) and
 * s3rver (markers): a service's state-change event becomes the job's marker
 * in the bucket, and the marker's S3 notification ends the run as any marker does.
 */

const DATE = '2026-11-22' as RunDate;
const getEmulator = useDynalite();

const emrStep = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  target: { type: 'emr-step', pool: 'etl', step: { args: ['spark-submit', `s3://code/${name}.py`] } },
  ...extra,
});

const DAG: Dag = loadDag([
  {
    path: 'completion.json',
    text: JSON.stringify({
      clusters: [
        {
          name: 'etl-cluster',
          pools: ['etl'],
          start: '0 0 * * *',
          stop: '0 23 * * *',
          releaseLabel: 'emr-7.5.0',
          instances: { master: 'm5.xlarge' },
        },
      ],
      jobs: [
        emrStep('load', { schedule: '0 0 * * *', maxRuntimeMinutes: 30 }),
        emrStep('report', { dependsOn: ['load'], maxRuntimeMinutes: 30 }),
        emrStep('flaky', { schedule: '0 0 * * *', retries: 1, retryDelayMinutes: 0 }),
        emrStep('own', { schedule: '0 0 * * *', completion: 'marker', maxRuntimeMinutes: 30 }),
      ],
    }),
  },
]);

/** `load` with a target type of the other branch (Glue), to drive the lookup by submission id. */
function withGlueLoad(dag: Dag): Dag {
  const jobs = new Map(dag.jobs);
  const load = dag.jobs.get('load') as Job;
  jobs.set('load', { ...load, target: { type: 'glue', jobName: 'load' } as unknown as Target });
  return { ...dag, jobs };
}

let s3: S3Emulator;
/** Every S3 notification of the marker bucket, in order. */
let notifications: S3EventRecord[] = [];

beforeAll(async () => {
  s3 = await startS3Emulator({ bucket: `markers-${randomUUID().slice(0, 8)}`, clock: { now: () => new Date() } as never });
  s3.onNotification((record) => notifications.push(record));
});
afterAll(async () => {
  await s3?.stop();
});

interface Rig {
  readonly h: Harness;
  readonly deps: EngineDeps;
  readonly scheduler: ReturnType<typeof makeSchedulerHandler>;
  readonly completion: ReturnType<typeof makeCompletionHandler>;
  readonly sweeper: ReturnType<typeof makeSweeperHandler>;
  readonly bucket: S3MarkerBucket;
  readonly status: FakeStatus;
  /** Delivers the S3 notifications not yet delivered to the scheduler (as SNS would), returns how many. */
  deliver(): Promise<number>;
}

class FakeStatus implements RunStatusReader {
  readonly service = 'emr-step' as const;
  answer: RunStatus = { kind: 'running', state: 'RUNNING' };
  readonly asked: string[] = [];
  async status(q: { submissionId: string }): Promise<RunStatus> {
    this.asked.push(q.submissionId);
    return this.answer;
  }
}

async function rig(dag: Dag = DAG): Promise<Rig> {
  const h = await createHarness(getEmulator(), dag);
  h.clusters.live = [{ ...ETL_CLUSTER, pools: [...ETL_CLUSTER.pools] }];
  const client = localS3Client(s3.endpoint);
  const bucket = new S3MarkerBucket(client, s3.bucket);
  const status = new FakeStatus();
  const deps: EngineDeps = {
    ...h.deps,
    dag,
    markers: new S3MarkerReader(client),
    completion: { markers: bucket, status: new RunStatusReaders([status]) },
  };
  const scheduler = makeSchedulerHandler(deps);
  let delivered = notifications.length;
  return {
    h,
    deps,
    scheduler,
    completion: makeCompletionHandler({ dag, store: h.store, clock: h.clock, log: silentLog, markers: bucket }),
    sweeper: makeSweeperHandler(deps),
    bucket,
    status,
    async deliver() {
      const records = notifications.slice(delivered);
      delivered = notifications.length;
      for (const record of records) {
        await scheduler({ Records: [{ EventSource: 'aws:sns', Sns: { Message: JSON.stringify({ Records: [record] }) } }] });
      }
      return records.length;
    },
  };
}

/** "EMR Step Status Change" as EMR sends it (shape of AWS's documented example). */
function stepEvent(p: { stepId: string; name: string; state: string; clusterId?: string; time?: string }) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'EMR Step Status Change',
    source: 'aws.emr',
    account: '123456789012',
    time: p.time ?? '2026-11-22T00:20:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      severity: p.state === 'FAILED' ? 'ERROR' : 'INFO',
      actionOnFailure: 'CONTINUE',
      stepId: p.stepId,
      name: p.name,
      clusterId: p.clusterId ?? ETL_CLUSTER.id,
      state: p.state,
      message: `Step ${p.stepId} (${p.name}) in Amazon EMR cluster ${ETL_CLUSTER.id} is ${p.state}`,
    },
  };
}

/** Starts `job`'s run (a root trigger) and returns the step the scheduler submitted for its attempt. */
async function submitted(r: Rig, job: string): Promise<{ stepId: string; name: string }> {
  await r.scheduler(triggerEvent(job, DATE));
  const run = await r.h.run(job, DATE);
  expect(run?.state).toBe(RunState.SUBMITTED);
  return { stepId: run?.submissionId as string, name: submissionName(job, DATE, run?.attempt as number) };
}

beforeEach(() => {
  notifications = [];
});

describe('a step event writes the marker, and the marker ends the run', () => {
  it('COMPLETED: the .done lands in the bucket with the attempt and meta, the run SUCCEEDED, the downstream submitted', async () => {
    const r = await rig();
    const step = await submitted(r, 'load');
    r.h.counter.reset();
    expect(await r.completion(stepEvent({ ...step, state: 'COMPLETED' }))).toEqual({ outcome: 'written', submissionId: step.stepId });
    // The cost of a step event: one consistent GetItem of the run named by the step (then one PutObject).
    expect(Object.fromEntries(r.h.counter.counts)).toEqual({ GetItemCommand: 1 });

    const body = JSON.parse((await r.bucket.read(s3.bucket, 'load__20261122.done')) as string);
    expect(body).toMatchObject({ attempt: 1, meta: { completion: 'event', service: 'emr-step', runId: step.stepId, state: 'COMPLETED' } });
    expect(await r.deliver()).toBe(1);
    const run = await r.h.run('load', DATE);
    expect(run).toMatchObject({ state: RunState.SUCCEEDED, markerKey: 'load__20261122.done', meta: { runId: step.stepId } });
    expect((await r.h.run('report', DATE))?.state).toBe(RunState.SUBMITTED);
  });

  it("FAILED: the .failed carries EMR's message, and the run FAILED with it as the reason", async () => {
    const r = await rig();
    const step = await submitted(r, 'load');
    await r.completion(stepEvent({ ...step, state: 'FAILED' }));
    await r.deliver();
    const run = await r.h.run('load', DATE);
    expect(run?.state).toBe(RunState.FAILED);
    expect(run?.reason).toContain(`Step ${step.stepId}`);
    expect((await r.h.run('report', DATE))?.state).toBe(RunState.UPSTREAM_FAILED);
  });
});

describe('duplicate and out-of-order events', () => {
  it('the same COMPLETED event three times, concurrently: one SUCCEEDED transition, the downstream submitted once', async () => {
    const r = await rig();
    const step = await submitted(r, 'load');
    const event = stepEvent({ ...step, state: 'COMPLETED' });
    await Promise.all([r.completion(event), r.completion(event), r.completion(event)]);
    await r.deliver();
    // A late duplicate, after the run ended, writes nothing.
    expect((await r.completion(event)).outcome).toBe('already-ended');
    expect(await r.deliver()).toBe(0);
    const run = await r.h.run('load', DATE);
    expect(run?.history.filter((e) => e.to === RunState.SUCCEEDED)).toHaveLength(1);
    expect(r.h.submitter.calls.filter((c) => c.job === 'report')).toHaveLength(1);
  });

  it('RUNNING after COMPLETED (EventBridge does not order events) changes nothing', async () => {
    const r = await rig();
    const step = await submitted(r, 'load');
    await r.completion(stepEvent({ ...step, state: 'COMPLETED' }));
    expect((await r.completion(stepEvent({ ...step, state: 'RUNNING' }))).outcome).toBe('not-terminal');
    await r.deliver();
    expect((await r.h.run('load', DATE))?.state).toBe(RunState.SUCCEEDED);
  });

  it('an event that overtakes the recording of its submission is refused with a retryable error, then taken', async () => {
    const r = await rig();
    let early: unknown;
    r.h.submitter.onSubmit = async (request) => {
      // The step ends while the scheduler is still inside AddJobFlowSteps: the run is SUBMITTING, no step id yet.
      const name = submissionName(request.job, request.date, request.attempt);
      early = await r.completion(stepEvent({ stepId: 's-EARLY', name, state: 'COMPLETED' })).catch((err) => err);
    };
    const step = await submitted(r, 'load');
    expect(early).toBeInstanceOf(SubmissionNotRecordedError);
    expect(await r.deliver()).toBe(0);
    // Lambda's retry, a minute later.
    expect((await r.completion(stepEvent({ ...step, state: 'COMPLETED' }))).outcome).toBe('written');
  });
});

describe('a job that writes its own marker and also gets one from its event', () => {
  it.each([
    ['its own marker first', 'own-first'],
    ["the event's marker first", 'event-first'],
  ])('%s: SUCCEEDED once, the downstream submitted once', async (_what, order) => {
    const r = await rig();
    const step = await submitted(r, 'load');
    const own = () => r.bucket.write('load__20261122.done', JSON.stringify({ meta: { rows: 42 } }));
    const event = () => r.completion(stepEvent({ ...step, state: 'COMPLETED' }));
    if (order === 'own-first') {
      await own();
      await r.deliver();
      expect((await event()).outcome).toBe('already-ended');
    } else {
      expect((await event()).outcome).toBe('written');
      await own();
      await r.deliver();
    }
    const run = await r.h.run('load', DATE);
    expect(run?.state).toBe(RunState.SUCCEEDED);
    expect(run?.history.filter((e) => e.to === RunState.SUCCEEDED)).toHaveLength(1);
    expect(r.h.submitter.calls.filter((c) => c.job === 'report')).toHaveLength(1);
  });
});

describe('two completion markers for one step are one completion, not late data (docs/markers.md#late-data-onlateupstream)', () => {
  it('the poll and a racing event both wrote one; the second lands an hour later: no LATE_DATA, the downstream submitted once', async () => {
    const r = await rig();
    const step = await submitted(r, 'load');
    r.status.answer = { kind: 'ended', state: 'COMPLETED', endedAt: '2026-11-22T00:25:00.000Z' };
    r.h.clock.set('2026-11-22T00:31:00.000Z');
    expect(await r.sweeper()).toMatchObject({ polled: 1 });
    // The event read the run before the poll's marker ended it: it writes its own marker of the same step.
    expect((await r.completion(stepEvent({ ...step, state: 'COMPLETED' }))).outcome).toBe('written');
    expect(notifications).toHaveLength(2);
    // S3 sent the second notification (a newer sequencer) an hour after the first write: no clock rule can tell.
    const second = notifications[1] as S3EventRecord & { eventTime: string };
    second.eventTime = new Date(Date.parse(second.eventTime) + 60 * 60_000).toISOString();
    r.h.clock.set('2026-11-22T01:31:00.000Z');
    await r.deliver();
    const run = await r.h.run('load', DATE);
    expect(run?.state).toBe(RunState.SUCCEEDED);
    expect(run?.history.filter((e) => e.why.includes('re-delivered'))).toEqual([]);
    expect(r.h.alerts.kinds().filter((k) => k.startsWith('LATE_DATA'))).toEqual([]);
    expect(r.h.submitter.calls.filter((c) => c.job === 'report')).toHaveLength(1);
  });
});

describe('only runs this scheduler submitted, at their current attempt, are marked', () => {
  it('an event for an older attempt writes nothing; the current attempt is untouched', async () => {
    const r = await rig();
    const first = await submitted(r, 'flaky');
    // Attempt 1 fails (its marker), the retry submits attempt 2 at once (retryDelayMinutes 0).
    await r.completion(stepEvent({ ...first, state: 'FAILED' }));
    await r.deliver();
    const retried = await r.h.run('flaky', DATE);
    expect(retried).toMatchObject({ state: RunState.SUBMITTED, attempt: 2 });
    expect((await r.completion(stepEvent({ ...first, state: 'COMPLETED' }))).outcome).toBe('older-attempt');
    // The retry cleared attempt 1's id from the run: the index no longer leads to it (other services' path).
    expect(await r.h.store.findBySubmission(first.stepId)).toEqual([]);
    expect(await r.h.store.findBySubmission(retried?.submissionId as string)).toEqual([{ job: 'flaky', date: DATE }]);
    expect(await r.deliver()).toBe(0);
    expect(await r.h.run('flaky', DATE)).toMatchObject({ state: RunState.SUBMITTED, attempt: 2 });
  });

  it("a foreign step — another name, or our run's name with a step id we never recorded — writes nothing", async () => {
    const r = await rig();
    const step = await submitted(r, 'load');
    expect((await r.completion(stepEvent({ stepId: 's-OTHER', name: 'CustomJAR', state: 'COMPLETED' }))).outcome).toBe('not-ours');
    expect((await r.completion(stepEvent({ stepId: 's-FORGED', name: step.name, state: 'COMPLETED' }))).outcome).toBe('not-ours');
    expect((await r.completion(stepEvent({ stepId: 's-X', name: submissionName('nosuchjob', DATE, 1), state: 'COMPLETED' }))).outcome).toBe(
      'not-ours',
    );
    expect(await r.deliver()).toBe(0);
    expect((await r.h.run('load', DATE))?.state).toBe(RunState.SUBMITTED);
  });

  it('a job with completion "marker" gets no marker from its step\'s event', async () => {
    const r = await rig();
    const step = await submitted(r, 'own');
    expect((await r.completion(stepEvent({ ...step, state: 'COMPLETED' }))).outcome).toBe('opted-out');
    expect(await r.deliver()).toBe(0);
    expect((await r.h.run('own', DATE))?.state).toBe(RunState.SUBMITTED);
  });

  it("other services are found through the bySubmission index, and only by their own service's events", async () => {
    const glue = withGlueLoad(DAG);
    const r = await rig(glue);
    await r.scheduler(triggerEvent('load', DATE));
    const run = await r.h.run('load', DATE);
    const runId = run?.submissionId as string;
    expect(await r.h.store.findBySubmission(runId)).toEqual([{ job: 'load', date: DATE }]);
    const glueEvent = (state: string, id = runId) => ({
      version: '0',
      id: randomUUID(),
      'detail-type': 'Glue Job State Change',
      source: 'aws.glue',
      account: '123456789012',
      time: '2026-11-22T00:30:00Z',
      region: 'us-east-1',
      resources: [],
      detail: { jobName: 'load', severity: 'INFO', state, jobRunId: id, message: 'Job run succeeded' },
    });
    expect((await r.completion(glueEvent('SUCCEEDED', 'jr_not_ours'))).outcome).toBe('not-ours');
    // An EMR step event cannot end a Glue run even with the same id.
    expect((await r.completion(stepEvent({ stepId: runId, name: 'x', state: 'COMPLETED' }))).outcome).toBe('not-ours');
    r.h.counter.reset();
    expect((await r.completion(glueEvent('SUCCEEDED'))).outcome).toBe('written');
    // Other services: one Query of the keys-only index, one consistent GetItem.
    expect(Object.fromEntries(r.h.counter.counts)).toEqual({ QueryCommand: 1, GetItemCommand: 1 });
    await r.deliver();
    expect(await r.h.run('load', DATE)).toMatchObject({ state: RunState.SUCCEEDED, meta: { service: 'glue', runId } });
  });
});

/**
 * Every one of these service events is delivered "Best effort" (Amazon
 * EventBridge reference: "Amazon EMR events", "AWS Glue events", "AWS Step
 * Functions events", "Amazon EMR Serverless events", each "Delivery type: Best
 * effort"; https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-emr.html):
 * a run whose event never comes must still end.
 */
describe('events are best effort: the sweeper polls past maxRuntimeMinutes', () => {
  it('a lost COMPLETED event: the service says the step ended, the sweeper writes the marker, the run SUCCEEDED', async () => {
    const r = await rig();
    const step = await submitted(r, 'load');
    r.status.answer = { kind: 'ended', state: 'COMPLETED', endedAt: '2026-11-22T00:25:00.000Z', durationSeconds: 1500 };
    r.h.clock.set('2026-11-22T00:31:00.000Z');
    const report = await r.sweeper();
    expect(report).toMatchObject({ polled: 1, timedOut: 0 });
    expect(r.status.asked).toEqual([step.stepId]);
    await r.deliver();
    expect(await r.h.run('load', DATE)).toMatchObject({
      state: RunState.SUCCEEDED,
      meta: { completion: 'poll', state: 'COMPLETED', durationSeconds: 1500 },
    });
  });

  it('the marker the sweeper wrote was itself lost: the next look writes it again', async () => {
    const r = await rig();
    await submitted(r, 'load');
    r.status.answer = { kind: 'ended', state: 'FAILED', error: 'Exception in thread main' };
    r.h.clock.set('2026-11-22T00:31:00.000Z');
    await r.sweeper();
    notifications = []; // the S3 event of that marker never arrives
    await r.deliver();
    r.h.clock.set('2026-11-22T00:37:00.000Z');
    expect(await r.sweeper()).toMatchObject({ polled: 1 });
    await r.deliver();
    expect(await r.h.run('load', DATE)).toMatchObject({ state: RunState.FAILED, reason: 'Exception in thread main' });
  });

  it.each([
    ['still running', { kind: 'running', state: 'RUNNING' } as RunStatus],
    ['cannot tell', { kind: 'unknown', why: 'ThrottlingException' } as RunStatus],
  ])('the service says %s: TIMED_OUT, as without events', async (_what, answer) => {
    const r = await rig();
    await submitted(r, 'load');
    r.status.answer = answer;
    r.h.clock.set('2026-11-22T00:31:00.000Z');
    expect(await r.sweeper()).toMatchObject({ polled: 0, timedOut: 1 });
    expect((await r.h.run('load', DATE))?.state).toBe(RunState.TIMED_OUT);
  });

  it('a job with completion "marker" is not polled: TIMED_OUT', async () => {
    const r = await rig();
    await submitted(r, 'own');
    r.status.answer = { kind: 'ended', state: 'COMPLETED' };
    r.h.clock.set('2026-11-22T00:31:00.000Z');
    expect(await r.sweeper()).toMatchObject({ polled: 0, timedOut: 1 });
    expect(r.status.asked).toEqual([]);
  });
});

/**
 * A run parked SUBMIT_UNCERTAIN recorded no submission id (docs/completion.md,
 * "Runs parked SUBMIT_UNCERTAIN"): at its due time the sweeper looks the
 * submission up with the target's own lookup, records it, and polls it.
 */
describe('a run parked SUBMIT_UNCERTAIN', () => {
  /** `load`'s submit call took effect (step s-FOUND) but its answer was lost, and the lookup could not tell. */
  async function parked(r: Rig): Promise<void> {
    r.h.submitter.fail = () => new SubmitError('InternalServerError (500)', true, { maybeApplied: true });
    r.h.submitter.found = 'unknown';
    await r.scheduler(triggerEvent('load', DATE));
    expect((await r.h.run('load', DATE))?.state).toBe(RunState.SUBMIT_UNCERTAIN);
  }

  it('found afterwards: recorded SUBMITTED with its id, polled, and ended by the marker the poll writes', async () => {
    const r = await rig();
    await parked(r);
    r.h.submitter.found = { submissionId: 's-FOUND', clusterId: ETL_CLUSTER.id };
    r.status.answer = { kind: 'ended', state: 'COMPLETED', endedAt: '2026-11-22T00:20:00.000Z' };
    r.h.clock.set('2026-11-22T00:31:00.000Z');
    expect(await r.sweeper()).toMatchObject({ polled: 1, timedOut: 0 });
    expect(r.status.asked).toEqual(['s-FOUND']);
    const found = await r.h.run('load', DATE);
    expect(found).toMatchObject({ state: RunState.SUBMITTED, submissionId: 's-FOUND' });
    expect(found?.history.map((e) => e.to)).toContain(RunState.SUBMITTED);
    await r.deliver();
    expect(await r.h.run('load', DATE)).toMatchObject({ state: RunState.SUCCEEDED, meta: { completion: 'poll', runId: 's-FOUND' } });
  });

  it('found but still running: TIMED_OUT as a submitted run', async () => {
    const r = await rig();
    await parked(r);
    r.h.submitter.found = { submissionId: 's-FOUND', clusterId: ETL_CLUSTER.id };
    r.h.clock.set('2026-11-22T00:31:00.000Z');
    expect(await r.sweeper()).toMatchObject({ polled: 0, timedOut: 1 });
    expect(await r.h.run('load', DATE)).toMatchObject({ state: RunState.TIMED_OUT, reason: expect.stringMatching(/^submitted at/) });
  });

  it.each([
    ['none was made', undefined],
    ['the target still cannot tell', 'unknown' as const],
  ])('not found (%s): nothing is polled, and the run times out as before', async (_what, answer) => {
    const r = await rig();
    await parked(r);
    r.h.submitter.found = answer;
    r.h.clock.set('2026-11-22T00:31:00.000Z');
    expect(await r.sweeper()).toMatchObject({ polled: 0, timedOut: 1 });
    expect(r.status.asked).toEqual([]);
    expect(await r.h.run('load', DATE)).toMatchObject({
      state: RunState.TIMED_OUT,
      reason: expect.stringMatching(/^submit outcome unknown/),
    });
  });
});

describe('the marker write under faults below the SDK retries', () => {
  it.each(APPLIED_FAULTS)('%s on PutObject: the SDK writes again, the duplicate notification changes nothing', async (fault) => {
    const r = await rig();
    const client = localS3Client(s3.endpoint);
    let puts = 0;
    const injector = injectHttpFaults(client, (call) => (call.operation === 'PutObject' && ++puts === 1 ? fault : undefined));
    const faulty = makeCompletionHandler({
      dag: DAG,
      store: r.h.store,
      clock: r.h.clock,
      log: silentLog,
      markers: new S3MarkerBucket(client, s3.bucket),
    });
    const step = await submitted(r, 'load');
    expect((await faulty(stepEvent({ ...step, state: 'COMPLETED' }))).outcome).toBe('written');
    expect(injector.faults).toHaveLength(1);
    expect(await r.deliver()).toBe(2);
    const run = await r.h.run('load', DATE);
    expect(run?.history.filter((e) => e.to === RunState.SUCCEEDED)).toHaveLength(1);
    expect(r.h.submitter.calls.filter((c) => c.job === 'report')).toHaveLength(1);
  });
});
