import { EMRClient } from '@aws-sdk/client-emr';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsEmrControl } from '../../lambdas/adapters/aws/emr-control';
import { loadDag } from '../../lambdas/domain/config/validate';
import { windowStartingAt } from '../../lambdas/domain/fleet/windows';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lambdas/local/dynamodb-emulator';
import { InProcessRequestHandler } from '../../lambdas/local/in-process-transport';
import { LaunchRefusedError } from '../../lambdas/ports/emr-control';
import { type ControlPlanes, startControlPlanes } from '../support/control-planes';
import { FLEET_CONFIG, FLEET_SETTINGS } from '../support/fleet-harness';
import { APPLIED_FAULTS, injectHttpFaults, operation, strike } from '../support/http-faults';

/**
 * RunJobFlow has no client token either: AwsEmrControl sends it once (its
 * retry middleware replaced for that command) and the provisioner finds the
 * cluster by its tags before launching again. Checked here at the HTTP layer,
 * under the SDK's own retry middleware, against the simulated EMR.
 */

const dag = loadDag([{ path: 'fleet.json', text: JSON.stringify({ ...FLEET_CONFIG, jobs: [] }) }]);
const cluster = dag.clusters.get('nightly-etl');
if (!cluster) throw new Error('nightly-etl missing from FLEET_CONFIG');
const window = windowStartingAt(cluster, new Date('2026-11-22T00:00:00.000Z'));

let planes: ControlPlanes | undefined;
afterEach(async () => {
  await planes?.stop();
  planes = undefined;
});

async function control(): Promise<{ emr: AwsEmrControl; client: EMRClient; planes: ControlPlanes }> {
  const p = await startControlPlanes(dag);
  const client = new EMRClient({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: new InProcessRequestHandler(p.listener),
  });
  return { emr: new AwsEmrControl(client, FLEET_SETTINGS), client, planes: p };
}

describe('RunJobFlow: sent once, found by tag', () => {
  it.each(APPLIED_FAULTS)('%s: one cluster, an error that is not a refusal, and findLaunched finds it', async (fault) => {
    const c = await control();
    planes = c.planes;
    const faults = injectHttpFaults(c.client, strike(operation('RunJobFlow'), fault, 10));
    const err = await c.emr.launch(cluster, window).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeDefined();
    expect(err).not.toBeInstanceOf(LaunchRefusedError);
    expect(faults.calls.filter((call) => call.operation === 'RunJobFlow')).toHaveLength(1);
    expect(planes.emr.list()).toHaveLength(1);
    expect(await c.emr.findLaunched(cluster, window)).toBe(planes.emr.list()[0]?.id);
  });
});
