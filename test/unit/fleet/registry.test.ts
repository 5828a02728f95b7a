import { AddJobFlowStepsCommand, DescribeClusterCommand, ListInstancesCommand, ListStepsCommand } from '@aws-sdk/client-emr';
import { describe, expect, it } from 'vitest';
import { loadDag } from '../../../lambdas/domain/config/validate';
import { RunState } from '../../../lambdas/domain/runs/states';
import { useDynalite } from '../../support/dynalite';
import { clusterStateEvent, FLEET_CONFIG, type FleetHarness, nightlyLaunched, stepStatusEvent } from '../../support/fleet-harness';

const DATE = '2026-11-22';
const START = '2026-11-22T00:00:00.000Z';
const step = (job: string) => ({
  type: 'emr-step',
  pool: 'etl',
  step: { args: ['spark-submit', `s3://code/${job}.py`, '--date', '{{date}}'] },
});
const dag = loadDag([
  {
    path: 'fleet.json',
    text: JSON.stringify({
      ...FLEET_CONFIG,
      jobs: [
        { name: 'sessions', target: step('sessions') },
        { name: 'flaky', target: step('flaky'), retries: 1, retryDelayMinutes: 5 },
        { name: 'report', dependsOn: ['sessions'], target: { type: 'datapipeline', pipeline: 'report' } },
      ],
    }),
  },
]);

const emulator = useDynalite();

/** The nightly window launched as j-1NIGHTLY at 00:00; steps are accepted (s-<step name>). */
async function launched(): Promise<FleetHarness> {
  const h = await nightlyLaunched(emulator(), dag);
  h.emr.on(AddJobFlowStepsCommand).callsFake((input: { Steps: { Name: string }[] }) => ({ StepIds: [`s-${input.Steps[0]?.Name}`] }));
  return h;
}

const trigger = (job: string) => ({ source: 'rsched.trigger', job, scheduledTime: START });

/** What the registry says it did with an event, one line per SNS record. */
async function handle(h: FleetHarness, event: unknown): Promise<string[]> {
  return ((await h.registryHandler(event)) as { handled: string[] }).handled;
}

describe('cluster state changes', () => {
  it('records the master private IP (ListInstances MASTER) and DNS (DescribeCluster) on the first READY, and routes the pool there', async () => {
    const h = await launched();
    h.clock.set('2026-11-22T00:06:00.000Z');
    await h.registryHandler(clusterStateEvent('j-1NIGHTLY', 'BOOTSTRAPPING'));
    expect(h.emr.calls()).toHaveLength(0);
    h.clock.set('2026-11-22T00:09:00.000Z');
    expect(
      await handle(h, clusterStateEvent('j-1NIGHTLY', 'WAITING', { code: 'CLUSTER_READY', message: 'Cluster ready to run steps.' })),
    ).toEqual(['cluster j-1NIGHTLY WAITING: ready']);
    expect(h.calls(ListInstancesCommand)).toEqual([{ ClusterId: 'j-1NIGHTLY', InstanceGroupTypes: ['MASTER'] }]);
    expect(h.calls(DescribeClusterCommand)).toEqual([{ ClusterId: 'j-1NIGHTLY' }]);
    expect(await h.window('nightly-etl', START)).toMatchObject({
      state: 'WAITING',
      stateReason: 'CLUSTER_READY: Cluster ready to run steps.',
      clusterId: 'j-1NIGHTLY',
      masterIp: '10.0.3.17',
      masterDns: 'ip-10-0-3-17.ec2.internal',
      readyAt: '2026-11-22T00:09:00.000Z',
    });
    expect(await h.registry.liveClusterFor('etl', h.clock.now())).toEqual({
      name: 'nightly-etl',
      id: 'j-1NIGHTLY',
      masterIp: '10.0.3.17',
      masterDns: 'ip-10-0-3-17.ec2.internal',
      pools: ['etl'],
      windowStart: START,
      windowEnd: '2026-11-22T03:00:00.000Z',
    });
  });

  it('submits the runs waiting for the pool when the cluster becomes ready, once, however often READY arrives', async () => {
    const h = await launched();
    await h.scheduler(trigger('sessions'));
    expect((await h.run('sessions', DATE))?.state).toBe(RunState.WAITING_FOR_CLUSTER);
    expect(h.calls(AddJobFlowStepsCommand)).toEqual([]);

    h.clock.set('2026-11-22T00:09:00.000Z');
    await h.registryHandler(clusterStateEvent('j-1NIGHTLY', 'WAITING'));
    expect(h.calls(AddJobFlowStepsCommand)).toEqual([
      {
        JobFlowId: 'j-1NIGHTLY',
        Steps: [
          {
            Name: 'rsched:sessions:2026-11-22:1',
            ActionOnFailure: 'CONTINUE',
            HadoopJarStep: { Jar: 'command-runner.jar', Args: ['spark-submit', 's3://code/sessions.py', '--date', '2026-11-22'] },
          },
        ],
      },
    ]);
    expect(await h.run('sessions', DATE)).toMatchObject({ state: RunState.SUBMITTED, clusterId: 'j-1NIGHTLY' });

    // Duplicates, and RUNNING once the step starts: nothing more is looked up or submitted.
    await h.registryHandler(clusterStateEvent('j-1NIGHTLY', 'WAITING'));
    await h.registryHandler(clusterStateEvent('j-1NIGHTLY', 'RUNNING'));
    expect(h.calls(AddJobFlowStepsCommand)).toHaveLength(1);
    expect(h.calls(ListInstancesCommand)).toHaveLength(1);
    expect((await h.window('nightly-etl', START))?.readyAt).toBe('2026-11-22T00:09:00.000Z');
  });

  it('ignores events that arrive out of order: a cluster never moves back', async () => {
    const h = await launched();
    h.clock.set('2026-11-22T03:30:00.000Z');
    expect(
      await handle(h, clusterStateEvent('j-1NIGHTLY', 'TERMINATED', { code: 'USER_REQUEST', message: 'Terminated by user request' })),
    ).toEqual(['cluster j-1NIGHTLY TERMINATED: recorded']);
    // The READY and BOOTSTRAPPING events EventBridge delivered late.
    expect(await handle(h, clusterStateEvent('j-1NIGHTLY', 'WAITING'))).toEqual(['cluster j-1NIGHTLY WAITING: stale']);
    expect(await handle(h, clusterStateEvent('j-1NIGHTLY', 'BOOTSTRAPPING'))).toEqual(['cluster j-1NIGHTLY BOOTSTRAPPING: stale']);
    // Only the one look for lost step failures the first TERMINATED makes.
    expect(h.emr.calls()).toHaveLength(1);
    expect(h.calls(ListStepsCommand)).toEqual([{ ClusterId: 'j-1NIGHTLY', StepStates: ['FAILED', 'CANCELLED', 'INTERRUPTED'] }]);
    const window = await h.window('nightly-etl', START);
    expect(window).toMatchObject({ state: 'TERMINATED', terminatedAt: '2026-11-22T03:30:00.000Z' });
    expect(window?.readyAt).toBeUndefined();
    expect(await h.registry.liveClusterFor('etl', new Date('2026-11-22T01:00:00.000Z'))).toBeUndefined();
  });

  it('raises CLUSTER_FAILED when a cluster terminates with errors, with the reason EMR gave', async () => {
    const h = await launched();
    h.clock.set('2026-11-22T00:12:00.000Z');
    const reason = {
      code: 'VALIDATION_ERROR',
      message: 'The requested instance type r5.2xlarge is not supported in the requested Availability Zone.',
    };
    await h.registryHandler(clusterStateEvent('j-1NIGHTLY', 'TERMINATED_WITH_ERRORS', reason));
    expect(h.alerts.sent).toHaveLength(1);
    expect(h.alerts.sent[0]).toMatchObject({ kind: 'CLUSTER_FAILED', date: DATE, subject: `nightly-etl@${START}` });
    expect(h.alerts.sent[0]?.message).toContain(`terminated with errors: VALIDATION_ERROR: ${reason.message}`);
    expect(await h.window('nightly-etl', START)).toMatchObject({
      state: 'TERMINATED_WITH_ERRORS',
      terminatedAt: '2026-11-22T00:12:00.000Z',
    });
    // The same event again sends nothing more.
    await h.registryHandler(clusterStateEvent('j-1NIGHTLY', 'TERMINATED_WITH_ERRORS', reason));
    expect(h.alerts.sent).toHaveLength(1);
  });

  it('leaves clusters it did not create alone', async () => {
    const h = await launched();
    expect(await handle(h, clusterStateEvent('j-SOMEONEELSE', 'WAITING'))).toEqual(['cluster j-SOMEONEELSE WAITING: not-ours']);
    expect(h.emr.calls()).toHaveLength(0);
  });
});

describe('step status changes', () => {
  async function submitted(job: string): Promise<FleetHarness> {
    const h = await launched();
    h.clock.set('2026-11-22T00:09:00.000Z');
    await h.registryHandler(clusterStateEvent('j-1NIGHTLY', 'WAITING'));
    await h.scheduler(trigger(job));
    expect((await h.run(job, DATE))?.state).toBe(RunState.SUBMITTED);
    h.clock.set('2026-11-22T00:40:00.000Z');
    return h;
  }

  it('fails the run, alerts and fails its downstream chain when its step FAILED', async () => {
    const h = await submitted('sessions');
    const out = await h.registryHandler(
      stepStatusEvent('j-1NIGHTLY', 's-1', 'rsched:sessions:2026-11-22:1', 'FAILED', '2026-11-22T00:39:30Z'),
    );
    expect(out).toEqual({ handled: ['step s-1 FAILED: failed'] });
    expect(await h.run('sessions', DATE)).toMatchObject({ state: RunState.FAILED, finishedAt: '2026-11-22T00:39:30Z' });
    expect((await h.run('sessions', DATE))?.reason).toContain('EMR step s-1 on j-1NIGHTLY FAILED');
    expect((await h.run('report', DATE))?.state).toBe(RunState.UPSTREAM_FAILED);
    expect(h.alerts.kinds()).toEqual(['FAILED:sessions']);
  });

  it('retries the run as a new attempt while retries remain', async () => {
    const h = await submitted('flaky');
    await h.registryHandler(stepStatusEvent('j-1NIGHTLY', 's-1', 'rsched:flaky:2026-11-22:1', 'INTERRUPTED'));
    expect(await h.run('flaky', DATE)).toMatchObject({ state: RunState.RETRYING, attempt: 2, retryAt: '2026-11-22T00:45:00.000Z' });
    expect(h.alerts.sent).toEqual([]);
    // A late CANCELLED for the first attempt changes nothing.
    expect(await handle(h, stepStatusEvent('j-1NIGHTLY', 's-1', 'rsched:flaky:2026-11-22:1', 'CANCELLED'))).toEqual([
      'step s-1 CANCELLED: ignored',
    ]);
    expect(await h.run('flaky', DATE)).toMatchObject({ state: RunState.RETRYING, attempt: 2 });
  });

  it('fails the run when its cluster ends and ListSteps shows the step INTERRUPTED, though the step event was lost', async () => {
    const h = await submitted('sessions');
    h.emr.on(ListStepsCommand).resolves({
      Steps: [
        {
          Id: 's-1',
          Name: 'rsched:sessions:2026-11-22:1',
          Status: {
            State: 'INTERRUPTED',
            StateChangeReason: { Message: 'Cluster terminated' },
            Timeline: { EndDateTime: new Date('2026-11-22T03:20:00Z') },
          },
        },
      ],
    });
    h.clock.set('2026-11-22T03:21:00.000Z');
    await h.registryHandler(clusterStateEvent('j-1NIGHTLY', 'TERMINATED'));
    expect(await h.run('sessions', DATE)).toMatchObject({ state: RunState.FAILED, finishedAt: '2026-11-22T03:20:00.000Z' });
    expect((await h.run('sessions', DATE))?.reason).toBe('EMR step s-1 on j-1NIGHTLY INTERRUPTED: Cluster terminated');
    expect(h.alerts.kinds()).toEqual(['FAILED:sessions']);
    // The late event itself, and a duplicate TERMINATED, change nothing more.
    await h.registryHandler(stepStatusEvent('j-1NIGHTLY', 's-1', 'rsched:sessions:2026-11-22:1', 'INTERRUPTED'));
    await h.registryHandler(clusterStateEvent('j-1NIGHTLY', 'TERMINATED'));
    expect(h.calls(ListStepsCommand)).toHaveLength(1);
    expect(h.alerts.sent).toHaveLength(1);
  });

  it('treats COMPLETED as nothing (the .done marker is the proof), and ignores steps it did not submit', async () => {
    const h = await submitted('sessions');
    expect(await handle(h, stepStatusEvent('j-1NIGHTLY', 's-1', 'rsched:sessions:2026-11-22:1', 'COMPLETED'))).toEqual([
      'step s-1 COMPLETED: ignored',
    ]);
    expect(await handle(h, stepStatusEvent('j-1NIGHTLY', 's-9', 'Setup hadoop debugging', 'FAILED'))).toEqual([
      'step s-9 FAILED: not-ours',
    ]);
    expect((await h.run('sessions', DATE))?.state).toBe(RunState.SUBMITTED);
  });
});

describe('what reaches the registry', () => {
  it('handles a batch of SNS records one by one and skips what is not an EMR event', async () => {
    const h = await launched();
    const cluster = clusterStateEvent('j-1NIGHTLY', 'STARTING') as { Records: unknown[] };
    const batch = { Records: [...cluster.Records, { EventSource: 'aws:sns', Sns: { Message: 'not json' } }] };
    expect(await handle(h, batch)).toEqual(['cluster j-1NIGHTLY STARTING: recorded', 'ignored unparseable SNS message']);
  });
});
