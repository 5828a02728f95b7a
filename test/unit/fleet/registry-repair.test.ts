import { AddJobFlowStepsCommand, ListStepsCommand, type ListStepsCommandOutput, RunJobFlowCommand } from '@aws-sdk/client-emr';
import { describe, expect, it } from 'vitest';
import { loadDag } from '../../../lambdas/domain/config/validate';
import { RunState } from '../../../lambdas/domain/runs/states';
import { useDynalite } from '../../support/dynalite';
import {
  answerLaunch,
  clusterStateEvent,
  createFleetHarness,
  FLEET_CONFIG,
  type FleetHarness,
  nightlyLaunched,
  windowEvent,
} from '../../support/fleet-harness';
import { injectHttpFaults, operation, strike } from '../../support/http-faults';

/**
 * Issue 11, items 4 and 10: the fleet repairs what a crash or a throttled
 * read leaves half done, instead of leaving a window STARTING forever or a
 * run SUBMITTED forever.
 */

const DATE = '2026-11-22';
const START = '2026-11-22T00:00:00.000Z';
const dag = loadDag([
  {
    path: 'fleet.json',
    text: JSON.stringify({
      ...FLEET_CONFIG,
      jobs: [{ name: 'sessions', target: { type: 'emr-step', pool: 'etl', step: { args: ['spark-submit', 's3://code/sessions.py'] } } }],
    }),
  },
]);
const emulator = useDynalite();
const reconcile = { source: 'rsched.fleet', action: 'reconcile', options: { describe: false } };
const handled = async (h: FleetHarness, event: unknown) => ((await h.registryHandler(event)) as { handled: string[] }).handled;

/**
 * The provisioner launched j-1NIGHTLY and recorded its id in the window, then
 * died before writing the id→window alias: here the alias PutItem fails with
 * 5xx through every SDK retry, at the HTTP layer of the real DynamoDB client.
 */
async function crashedBetweenTheRegistryWrites(): Promise<FleetHarness> {
  const h = await createFleetHarness(emulator(), dag, { start: '2026-11-22T00:00:02.000Z' });
  answerLaunch(h, 'j-1NIGHTLY');
  const faults = injectHttpFaults(h.dynamo, strike(operation('PutItem', 'ID#j-1NIGHTLY'), '5xx', 10));
  await expect(h.provisioner(windowEvent('start', 'nightly-etl', START))).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
  faults.setPlan(() => undefined);
  expect(await h.window('nightly-etl', START)).toMatchObject({ clusterId: 'j-1NIGHTLY', state: 'STARTING' });
  expect(await h.registry.findByClusterId('j-1NIGHTLY')).toBeUndefined();
  return h;
}

describe('a provisioner crash between recording the cluster id and writing its alias', () => {
  it('the next EMR event finds the window by the cluster name, repairs the alias and is applied: the cluster becomes ready', async () => {
    const h = await crashedBetweenTheRegistryWrites();
    h.clock.set('2026-11-22T00:09:00.000Z');
    expect(await handled(h, clusterStateEvent('j-1NIGHTLY', 'WAITING'))).toEqual(['cluster j-1NIGHTLY WAITING: ready']);
    expect(await h.registry.findByClusterId('j-1NIGHTLY')).toMatchObject({ name: 'nightly-etl', windowStart: START, state: 'WAITING' });
    expect(await h.registry.liveClusterFor('etl', h.clock.now())).toMatchObject({ id: 'j-1NIGHTLY' });
  });

  it('an event for another cluster with the same name is still not ours: the window recorded a different id', async () => {
    const h = await crashedBetweenTheRegistryWrites();
    expect(await handled(h, clusterStateEvent('j-SOMEONEELSE', 'WAITING'))).toEqual(['cluster j-SOMEONEELSE WAITING: not-ours']);
    expect(await h.registry.findByClusterId('j-SOMEONEELSE')).toBeUndefined();
    expect(await h.registry.findByClusterId('j-1NIGHTLY')).toBeUndefined();
  });

  it('the fleet reconcile repairs the alias (every EMR event may be lost)', async () => {
    const h = await crashedBetweenTheRegistryWrites();
    h.clock.set('2026-11-22T00:03:00.000Z');
    expect(await h.registryHandler(reconcile)).toMatchObject({ repaired: 1, provisioned: 0 });
    expect(await h.registry.findByClusterId('j-1NIGHTLY')).toMatchObject({ name: 'nightly-etl', windowStart: START });
    expect(await h.registryHandler(reconcile)).toMatchObject({ repaired: 0 });
  });

  it('the provisioner’s retry repairs the alias and launches nothing', async () => {
    const h = await crashedBetweenTheRegistryWrites();
    expect(await h.provisioner(windowEvent('start', 'nightly-etl', START))).toEqual({ cluster: 'nightly-etl', outcome: 'exists' });
    expect(await h.registry.findByClusterId('j-1NIGHTLY')).toMatchObject({ name: 'nightly-etl', windowStart: START });
    expect(h.calls(RunJobFlowCommand)).toHaveLength(1);
  });
});

describe('step failures read back when a cluster ends', () => {
  const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
  const interrupted: Partial<ListStepsCommandOutput> = {
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
  };

  /** sessions SUBMITTED as step s-1 on j-1NIGHTLY; its INTERRUPTED event is lost; the cluster ends at 03:21. */
  async function submitted(): Promise<FleetHarness> {
    const h = await nightlyLaunched(emulator(), dag, { ready: true });
    h.emr.on(AddJobFlowStepsCommand).resolves({ StepIds: ['s-1'] });
    await h.scheduler({ source: 'rsched.trigger', job: 'sessions', scheduledTime: START });
    expect((await h.run('sessions', DATE))?.state).toBe(RunState.SUBMITTED);
    h.clock.set('2026-11-22T03:21:00.000Z');
    return h;
  }

  it('a throttled ListSteps fails the event; its retry reads the steps back and fails the run', async () => {
    const h = await submitted();
    h.emr.on(ListStepsCommand).rejectsOnce(throttled()).resolves(interrupted);
    await expect(h.registryHandler(clusterStateEvent('j-1NIGHTLY', 'TERMINATED'))).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(await h.window('nightly-etl', START)).toMatchObject({ state: 'TERMINATED', terminatedAt: '2026-11-22T03:21:00.000Z' });
    expect((await h.window('nightly-etl', START))?.lostStepsCheckedAt).toBeUndefined();
    // SNS retries the event (after 1 minute): the read-back is not skipped because terminatedAt is written.
    h.clock.set('2026-11-22T03:22:00.000Z');
    await h.registryHandler(clusterStateEvent('j-1NIGHTLY', 'TERMINATED'));
    expect(await h.run('sessions', DATE)).toMatchObject({ state: RunState.FAILED, finishedAt: '2026-11-22T03:20:00.000Z' });
    expect(await h.window('nightly-etl', START)).toMatchObject({ lostStepsCheckedAt: '2026-11-22T03:22:00.000Z' });
    // Once checked, a duplicate TERMINATED reads nothing again.
    await h.registryHandler(clusterStateEvent('j-1NIGHTLY', 'TERMINATED'));
    expect(h.calls(ListStepsCommand)).toHaveLength(2);
  });

  it('when every retry of the event failed too, the fleet reconcile re-drives the read-back', async () => {
    const h = await submitted();
    h.emr.on(ListStepsCommand).rejects(throttled());
    for (let i = 0; i < 3; i++) await expect(h.registryHandler(clusterStateEvent('j-1NIGHTLY', 'TERMINATED'))).rejects.toThrow();
    expect((await h.run('sessions', DATE))?.state).toBe(RunState.SUBMITTED);
    h.emr.on(ListStepsCommand).resolves(interrupted);
    h.clock.set('2026-11-22T03:30:00.000Z');
    expect(await h.registryHandler(reconcile)).toMatchObject({ readBack: 1 });
    expect((await h.run('sessions', DATE))?.state).toBe(RunState.FAILED);
    expect(await h.registryHandler(reconcile)).toMatchObject({ readBack: 0 });
  });
});
