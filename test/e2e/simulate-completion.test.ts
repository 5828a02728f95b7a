import { describe, expect, it } from 'vitest';
import type { Dag } from '../../lambdas/domain/config/dag';
import { loadDag } from '../../lambdas/domain/config/validate';
import type { Run } from '../../lambdas/domain/runs/run';
import type { EmrEventEnvelope } from '../../lambdas/local/control-plane/emr-simulator';
import { SimulationSession } from '../../lambdas/local/simulate';
import { cluster, emr, SIM_DATE } from '../support/simulation';

/**
 * Completion without hand-written markers (docs/completion.md) on the embedded
 * runtime: simulated EMR emits its step events, the real completion handler
 * writes the markers to s3rver, the real scheduler and sweeper do the rest.
 * A job with completion "events" writes no marker of its own.
 */

const CONFIG = {
  clusters: [cluster('etl', ['etl'], '0 0 * * *', '0 6 * * *')],
  jobs: [
    emr('by_event', 'etl', [], { schedule: '0 0 * * *', maxRuntimeMinutes: 30 }),
    emr('own_marker', 'etl', [], { schedule: '0 0 * * *', completion: 'marker', maxRuntimeMinutes: 30 }),
    emr('event_lost', 'etl', [], { schedule: '0 0 * * *', maxRuntimeMinutes: 30 }),
    emr('hangs', 'etl', [], { schedule: '0 0 * * *', maxRuntimeMinutes: 30 }),
    emr('after', 'etl', ['by_event', 'event_lost']),
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
    overrides: { fail: new Set(), hang: new Set(['hangs']), durations: new Map() },
    // EventBridge is best effort: every event of event_lost's step is lost on its way to the completion function.
    dropCompletionEvent: (event: EmrEventEnvelope) => {
      const lost = String(event.detail.name).startsWith('rsched:event_lost:');
      if (lost) dropped.push(String(event.detail.state));
      return lost;
    },
  });
  try {
    session.scheduleDay(SIM_DATE);
    await session.run();
    const { runs } = await session.report(SIM_DATE);
    const bucket = session.runtime.ops().bucket;
    const bodies: Record<string, string | undefined> = {};
    for (const job of dag.jobs.keys()) bodies[job] = await bucket.read(bucket.bucket, `${job}__20261122.done`);
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

  it('a lost step event: at maxRuntimeMinutes the sweeper asks EMR (DescribeStep) and writes the marker', async () => {
    const { runs, dropped } = await get();
    expect(dropped).toContain('COMPLETED');
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
