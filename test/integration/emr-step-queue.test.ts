import { describe, expect, it } from 'vitest';
import { EmrSimulator } from '../../lambdas/local/control-plane/emr-simulator';
import { SubmissionLog } from '../../lambdas/local/control-plane/submission-log';
import { NO_OVERRIDES } from '../../lambdas/local/job-behaviour';
import type { MarkerWriter } from '../../lambdas/local/marker-writer';
import { VirtualTimeline } from '../../lambdas/local/timeline';
import { dagFrom } from '../support/dags';

/**
 * The simulated EMR cluster's step queue: at most StepConcurrencyLevel steps
 * run, the others wait PENDING and start in submission order as running ones
 * end, and a cluster that is not kept alive ends once none runs or waits.
 */

const MINUTE = 60_000;

async function cluster(concurrency: number, keepAlive: boolean) {
  const timeline = new VirtualTimeline(new Date('2026-11-22T00:00:00Z'));
  const emr = new EmrSimulator({
    dag: dagFrom({ a: [] }),
    timeline,
    overrides: NO_OVERRIDES,
    markers: {} as MarkerWriter,
    submissions: new SubmissionLog(),
    emit: () => {},
  });
  const ops = emr.operations();
  const call = async (name: string, input: Record<string, unknown>) => (await ops[`ElasticMapReduce.${name}`]?.(input, {})) as never;
  const { JobFlowId } = (await call('RunJobFlow', {
    Name: 'queue',
    StepConcurrencyLevel: concurrency,
    Instances: { KeepJobFlowAliveWhenNoSteps: keepAlive },
  })) as { JobFlowId: string };
  // Steps not started by the scheduler each run a minute.
  const add = async (n: number) =>
    (
      (await call('AddJobFlowSteps', { JobFlowId, Steps: Array.from({ length: n }, (_, i) => ({ Name: `step ${i}` })) })) as {
        StepIds: string[];
      }
    ).StepIds;
  const states = () =>
    emr
      .list()[0]
      ?.steps.map((s) => s.state[0])
      .join('');
  const at = async (minutes: number) => timeline.run({ until: new Date(Date.parse('2026-11-22T00:00:00Z') + minutes * MINUTE) });
  return { emr, add, states, at };
}

describe('simulated EMR step queue', () => {
  it('runs at most StepConcurrencyLevel steps, the waiting ones in submission order, and ends a cluster not kept alive', async () => {
    const c = await cluster(2, false);
    await c.add(5);
    await c.at(7.9);
    expect(c.states()).toBe('PPPPP'); // the cluster provisions for 8 minutes
    await c.at(8);
    expect(c.states()).toBe('RRPPP');
    await c.add(1);
    expect(c.states()).toBe('RRPPPP');
    await c.at(9);
    expect(c.states()).toBe('CCRRPP');
    await c.at(10);
    expect(c.states()).toBe('CCCCRR');
    expect(c.emr.list()[0]?.state).toBe('RUNNING');
    await c.at(11);
    expect(c.states()).toBe('CCCCCC');
    expect(c.emr.list()[0]?.state).toBe('TERMINATING');
  });

  it('keeps a kept-alive cluster WAITING when its queue empties, and starts steps added later', async () => {
    const c = await cluster(3, true);
    await c.add(2);
    await c.at(9);
    expect(c.states()).toBe('CC');
    expect(c.emr.list()[0]?.state).toBe('WAITING');
    await c.add(4);
    await c.at(9);
    expect(c.states()).toBe('CCRRRP');
    await c.at(11);
    expect(c.states()).toBe('CCCCCC');
    expect(c.emr.list()[0]?.state).toBe('WAITING');
  });
});
