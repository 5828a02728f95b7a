import { type ConfigIssue, didYouMean } from '../issues';
import type { ParsedConfig } from '../parse';
import { poolOf } from '../pool';

/** Every pool a job names must be served by at least one cluster. */
export function checkPools(config: ParsedConfig): ConfigIssue[] {
  const served = config.declaredPools;
  const issues: ConfigIssue[] = [];
  for (const { value: job, file } of config.jobs) {
    const target = job.target;
    const pool = poolOf(target);
    if (pool === undefined || served.has(pool)) continue;
    const hint =
      served.size === 0 ? ' (no clusters are defined)' : didYouMean(pool, served) || ` (served pools: ${[...served].sort().join(', ')})`;
    issues.push({
      severity: 'error',
      file,
      entity: { kind: 'job', name: job.name },
      field: 'target.pool',
      message: `unknown pool "${pool}": no cluster serves it${hint}`,
    });
  }
  return issues;
}
