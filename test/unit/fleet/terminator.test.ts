import {
  DescribeClusterCommand,
  InternalServerError,
  RunJobFlowCommand,
  SetKeepJobFlowAliveWhenNoStepsCommand,
  TerminateJobFlowsCommand,
} from '@aws-sdk/client-emr';
import { describe, expect, it } from 'vitest';
import { loadDag } from '../../../lambdas/domain/config/validate';
import { useDynalite } from '../../support/dynalite';
import { createFleetHarness, FLEET_CONFIG, type FleetHarness, nightlyLaunched, windowEvent } from '../../support/fleet-harness';

const dag = loadDag([{ path: 'clusters.json', text: JSON.stringify(FLEET_CONFIG) }]);
const START = '2026-11-22T00:00:00.000Z';
const stop = windowEvent('stop', 'nightly-etl', '2026-11-22T03:00:00Z');
const reconcile = (describe = false) => ({ source: 'rsched.fleet', action: 'reconcile', options: { describe } });

const emulator = useDynalite();

/** The nightly window (00:00–03:00, grace 20 min) with its cluster j-1NIGHTLY ready since 00:09; the clock just past its stop. */
async function ready(): Promise<FleetHarness> {
  const h = await nightlyLaunched(emulator(), dag, { ready: true });
  h.emr.on(SetKeepJobFlowAliveWhenNoStepsCommand).resolves({});
  h.emr.on(TerminateJobFlowsCommand).resolves({});
  h.clock.set('2026-11-22T03:00:01.000Z');
  return h;
}

describe('the terminator at a cluster stop', () => {
  it('stops routing to the cluster and lets it end by itself once its steps finish (SetKeepJobFlowAliveWhenNoSteps false)', async () => {
    const h = await ready();
    expect(await h.terminator(stop)).toEqual({ cluster: 'nightly-etl', outcome: 'draining' });
    expect(h.calls(SetKeepJobFlowAliveWhenNoStepsCommand)).toEqual([{ JobFlowIds: ['j-1NIGHTLY'], KeepJobFlowAliveWhenNoSteps: false }]);
    expect(h.emr.calls()).toHaveLength(1);
    expect(await h.window('nightly-etl', START)).toMatchObject({
      draining: true,
      terminateAt: '2026-11-22T03:20:01.000Z',
      state: 'WAITING',
    });
    // Still up, but no new step goes there, not even at an instant inside its window.
    expect(await h.registry.liveClusterFor('etl', new Date('2026-11-22T02:59:00.000Z'))).toBeUndefined();
  });

  it('does it once: a second stop event changes nothing', async () => {
    const h = await ready();
    await h.terminator(stop);
    expect((await h.terminator(stop)).outcome).toBe('already-draining');
    expect(h.calls(SetKeepJobFlowAliveWhenNoStepsCommand)).toHaveLength(1);
  });

  it('does nothing for a window that was never started', async () => {
    const h = await createFleetHarness(emulator(), dag, { start: '2026-11-22T03:00:00.000Z' });
    expect((await h.terminator(stop)).outcome).toBe('no-window');
    expect(h.emr.calls()).toHaveLength(0);
  });
});

describe('termination after the grace period (the fleet reconcile)', () => {
  it('terminates the cluster with TerminateJobFlows once the grace period is over, not before, and only once', async () => {
    const h = await ready();
    await h.terminator(stop);
    h.emr.resetHistory();
    h.clock.set('2026-11-22T03:19:00.000Z');
    expect(await h.registryHandler(reconcile())).toMatchObject({ terminated: 0 });
    expect(h.calls(TerminateJobFlowsCommand)).toEqual([]);

    h.clock.set('2026-11-22T03:20:30.000Z');
    expect(await h.registryHandler(reconcile())).toMatchObject({ terminated: 1 });
    expect(h.calls(TerminateJobFlowsCommand)).toEqual([{ JobFlowIds: ['j-1NIGHTLY'] }]);
    expect((await h.window('nightly-etl', START))?.terminateRequestedAt).toBe('2026-11-22T03:20:30.000Z');

    h.clock.set('2026-11-22T03:21:30.000Z');
    await h.registryHandler(reconcile());
    expect(h.calls(TerminateJobFlowsCommand)).toHaveLength(1);
  });

  it('shows the cluster gone once EMR reports it TERMINATED, by event or by DescribeCluster when the event was lost', async () => {
    const h = await ready();
    await h.terminator(stop);
    h.clock.set('2026-11-22T03:04:00.000Z');
    // The TERMINATED event never came; the reconcile asks EMR.
    h.emr
      .on(DescribeClusterCommand)
      .resolves({ Cluster: { Id: 'j-1NIGHTLY', Status: { State: 'TERMINATED', StateChangeReason: { Message: 'Steps completed' } } } });
    expect(await h.registryHandler(reconcile(true))).toMatchObject({ refreshed: 1, terminated: 0 });
    expect(h.calls(DescribeClusterCommand)).toEqual([{ ClusterId: 'j-1NIGHTLY' }]);
    expect(await h.window('nightly-etl', START)).toMatchObject({
      state: 'TERMINATED',
      terminatedAt: '2026-11-22T03:04:00.000Z',
      stateReason: 'Steps completed',
    });
    // An ended window is left alone from now on: no termination after the grace period.
    h.clock.set('2026-11-22T03:25:00.000Z');
    h.emr.resetHistory();
    await h.registryHandler(reconcile(true));
    expect(h.emr.calls()).toHaveLength(0);
  });

  it("still terminates one cluster when another cluster's part of the reconcile fails, and then fails the invocation", async () => {
    const h = await ready();
    await h.terminator(stop);
    // 07:00 UTC: berlin-adhoc's window (08:00 Berlin) is due, and EMR fails its RunJobFlow.
    h.clock.set('2026-11-22T07:00:30.000Z');
    h.emr.on(RunJobFlowCommand).rejects(new InternalServerError({ message: 'internal error', $metadata: {} }));
    await expect(h.registryHandler(reconcile())).rejects.toThrow(
      'fleet reconcile failed for berlin-adhoc (InternalServerError: internal error)',
    );
    expect(h.calls(TerminateJobFlowsCommand)).toEqual([{ JobFlowIds: ['j-1NIGHTLY'] }]);
  });

  it('drains a window whose stop schedule was missed', async () => {
    const h = await ready();
    h.clock.set('2026-11-22T03:01:00.000Z');
    expect(await h.registryHandler(reconcile())).toMatchObject({ stopped: 1 });
    expect(h.calls(SetKeepJobFlowAliveWhenNoStepsCommand)).toEqual([{ JobFlowIds: ['j-1NIGHTLY'], KeepJobFlowAliveWhenNoSteps: false }]);
    expect(await h.window('nightly-etl', START)).toMatchObject({ draining: true, terminateAt: '2026-11-22T03:21:00.000Z' });
  });
});
