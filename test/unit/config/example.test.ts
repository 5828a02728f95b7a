import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../../lambdas/domain/config/dag';
import { readConfigDir } from '../../../lambdas/domain/config/read-dir';
import { validateConfig } from '../../../lambdas/domain/config/validate';
import { isWritersAdvisory } from '../../support/config-files';

const DIR = join(__dirname, '..', '..', '..', 'dag-config');

describe('the example dag-config', () => {
  const { dag, issues } = validateConfig(readConfigDir(DIR));
  const jobs = [...(dag?.jobs.values() ?? [])];

  it('is valid; its only warning is the advisory that it names no marker writers', () => {
    expect(issues.filter((i) => !isWritersAdvisory(i))).toEqual([]);
  });

  it('reads like a real platform: 10+ jobs, a fan-in of 3+, an external upstream, every target kind', () => {
    expect(jobs.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...jobs.map((j) => j.dependsOn.length))).toBeGreaterThanOrEqual(3);
    expect(Math.max(...jobs.map((j) => j.dependents.length))).toBeGreaterThanOrEqual(3);
    const external = jobs.filter((j) => j.target.type === 'external');
    expect(external.some((j) => j.dependents.length > 0)).toBe(true);
    expect(new Set(jobs.map((j: Job) => j.target.type))).toEqual(
      new Set(['external', 'datapipeline', 'emr-step', 'emr-serverless', 'glue', 'stepfunctions', 'lambda']),
    );
  });

  it('has the time-of-day fleet: 00-03 large ETL, 03-08 mini-batch, 08-18 two clusters, 18-24 mini-batch', () => {
    const windows = [...(dag?.clusters.values() ?? [])].map((c) => `${c.start.split(' ')[1]}-${c.stop.split(' ')[1]}`).sort();
    expect(windows).toEqual(['0-3', '18-0', '3-8', '8-18', '8-18']);
    const pools = new Set([...(dag?.clusters.values() ?? [])].flatMap((c) => c.pools));
    for (const job of jobs) if (job.pool) expect(pools.has(job.pool), `${job.name} pool ${job.pool}`).toBe(true);
  });
});
