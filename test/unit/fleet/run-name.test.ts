import { describe, expect, it } from 'vitest';
import { clusterRunName } from '../../../lambdas/adapters/aws/emr-control';
import { loadDag } from '../../../lambdas/domain/config/validate';
import { parseClusterRunName } from '../../../lambdas/domain/fleet/run-name';
import { windowStartingAt } from '../../../lambdas/domain/fleet/windows';
import { FLEET_CONFIG } from '../../support/fleet-harness';

const dag = loadDag([{ path: 'fleet.json', text: JSON.stringify({ ...FLEET_CONFIG, jobs: [] }) }]);

describe('parseClusterRunName', () => {
  it('reads back the cluster and window start of every name RunJobFlow gives, hyphens in the cluster name included', () => {
    for (const [name, start] of [
      ['nightly-etl', '2026-11-22T00:00:00.000Z'],
      ['berlin-adhoc', '2026-03-29T06:00:00.000Z'],
    ] as const) {
      const cluster = dag.clusters.get(name);
      if (!cluster) throw new Error(name);
      expect(parseClusterRunName(clusterRunName(cluster, windowStartingAt(cluster, new Date(start))))).toEqual({
        cluster: name,
        windowStart: start,
      });
    }
  });

  it('is undefined for names it did not make', () => {
    expect(parseClusterRunName('My cluster')).toBeUndefined();
    expect(parseClusterRunName('rsched-x-2026112')).toBeUndefined();
    expect(parseClusterRunName('rsched-x-20261399T0000')).toBeUndefined();
  });
});
