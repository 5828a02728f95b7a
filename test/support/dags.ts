import type { Dag } from '../../lambdas/domain/config/dag';
import type { ClusterSpec, JobSpec } from '../../lambdas/domain/config/schema';
import { loadDag } from '../../lambdas/domain/config/validate';

export type JobOverrides = Partial<Omit<JobSpec, 'name' | 'dependsOn'>> & Record<string, unknown>;

/** The override that makes a job external: never submitted, its marker comes from another system. */
export const EXTERNAL = { target: { type: 'external' } } as const satisfies JobOverrides;

/**
 * A DAG from a literal edge list: `{ a: [], b: ['a'], c: ['a', 'b'] }`. Jobs are
 * Data Pipeline jobs unless overridden; the result goes through the real loader.
 */
export function dagFrom(
  edges: Record<string, string[]>,
  overrides: Record<string, JobOverrides> = {},
  extra: { clusters?: Partial<ClusterSpec>[]; defaults?: Record<string, unknown>; calendars?: Record<string, unknown> } = {},
): Dag {
  const jobs = Object.entries(edges).map(([name, dependsOn]) => ({
    name,
    dependsOn,
    target: { type: 'datapipeline', pipeline: `${name}-pipeline`, parameters: { myDate: '{{date}}' } },
    ...overrides[name],
  }));
  const clusters = (extra.clusters ?? []).map((c) => ({
    start: '0 0 * * *',
    stop: '0 23 * * *',
    releaseLabel: 'emr-7.5.0',
    instances: { master: 'm5.xlarge' },
    ...c,
  }));
  return loadDag([
    {
      path: 'test.json',
      text: JSON.stringify({
        jobs,
        ...(clusters.length ? { clusters } : {}),
        ...(extra.defaults ? { defaults: extra.defaults } : {}),
        ...(extra.calendars ? { calendars: extra.calendars } : {}),
      }),
    },
  ]);
}
