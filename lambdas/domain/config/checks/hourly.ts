import type { ConfigIssue } from '../issues';
import type { ParsedConfig } from '../parse';

/**
 * Hourly jobs (docs/hourly.md) and the daily jobs that depend on them:
 * - an hourly run is a UTC hour, so an hourly job's `timezone` may only be UTC;
 * - `expectedBy` and `notBefore` are wall-clock times of a run *date*: they are
 *   not defined for an hour and are refused rather than guessed;
 * - `hourlyDependency` belongs to a daily job and names its hourly upstreams.
 */
export function checkHourly(config: ParsedConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const granularity = new Map(config.jobs.map(({ value }) => [value.name, value.granularity ?? 'daily']));
  for (const { value: job, file } of config.jobs) {
    const entity = { kind: 'job', name: job.name } as const;
    const error = (field: string, message: string) => issues.push({ severity: 'error', file, entity, field, message });
    if (job.granularity === 'hourly') {
      if (job.timezone !== undefined && job.timezone !== 'UTC') {
        error('timezone', `hourly jobs run on UTC hours; "${job.timezone}" is not supported for them (remove timezone or set "UTC")`);
      }
      for (const field of ['expectedBy', 'notBefore'] as const) {
        if (job[field] !== undefined) {
          error(field, `${field} is a time of a run date and is not supported for hourly jobs; put it on a daily job downstream`);
        }
      }
    }
    for (const upstream of Object.keys(job.hourlyDependency ?? {})) {
      const field = `hourlyDependency.${upstream}`;
      if (job.granularity === 'hourly')
        error(field, 'hourlyDependency is for daily jobs; an hourly job waits for the same hour of an hourly upstream');
      else if (!job.dependsOn.includes(upstream)) error(field, `"${upstream}" is not in dependsOn`);
      else if (granularity.has(upstream) && granularity.get(upstream) !== 'hourly') {
        error(field, `upstream "${upstream}" is daily; hourlyDependency applies only to hourly upstreams`);
      }
    }
  }
  return issues;
}
