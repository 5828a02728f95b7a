import { seededRandom } from '../lambdas/local/random';

/**
 * A synthetic nightly DAG of `size` jobs for scale tests and benchmarks:
 * layers of jobs, each depending on 1-3 jobs of earlier layers, a few external
 * roots, a mix of Data Pipeline and EMR-step targets, and the fleet's pools.
 */
export function generateDagConfig(size: number, seed = 7): { clusters: unknown[]; jobs: unknown[]; defaults: unknown } {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const layers = Math.max(2, Math.round(Math.sqrt(size) / 2));
  const names: string[][] = Array.from({ length: layers }, () => []);
  const jobs: Record<string, unknown>[] = [];
  for (let i = 0; i < size; i++) {
    const layer = i < layers ? i % layers : Math.floor(random() * layers);
    const name = `job_${String(i).padStart(5, '0')}`;
    const earlier = names.slice(0, layer).flat();
    const dependsOn = earlier.length === 0 ? [] : [...new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(earlier)))];
    names[layer]?.push(name);
    const external = dependsOn.length === 0 && random() < 0.3;
    const emr = !external && random() < 0.5;
    jobs.push({
      name,
      dependsOn,
      target: external
        ? { type: 'external' }
        : emr
          ? { type: 'emr-step', pool: 'etl', step: { args: ['spark-submit', `s3://code/${name}.py`, '--date', '{{date}}'] } }
          : { type: 'datapipeline', pipeline: `pipeline-${i % 40}`, parameters: { myDate: '{{date}}' } },
      simulation: external
        ? { arrivesAt: `00:${String(Math.floor(random() * 50)).padStart(2, '0')}` }
        : { durationMinutes: 1 + Math.floor(random() * 10) },
    });
  }
  return {
    defaults: { timeoutMinutes: 600 },
    clusters: [
      {
        name: 'etl',
        pools: ['etl'],
        start: '0 0 * * *',
        stop: '0 23 * * *',
        releaseLabel: 'emr-7.5.0',
        instances: { master: 'm5.xlarge', core: { type: 'r5.2xlarge', count: 20 } },
        stepConcurrency: 256,
        simulation: { provisionMinutes: 8 },
      },
    ],
    jobs,
  };
}
