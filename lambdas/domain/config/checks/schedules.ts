import type { ConfigIssue } from '../issues';
import type { ParsedConfig } from '../parse';

/**
 * Schedules that make no sense in context. (Cron syntax and time zone names
 * are checked by the schema itself, field by field.)
 */
export function checkSchedules(config: ParsedConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const { value: job, file } of config.jobs) {
    const entity = { kind: 'job', name: job.name } as const;
    if (job.schedule === undefined) continue;
    if (job.dependsOn.length > 0) {
      issues.push({
        severity: 'error',
        file,
        entity,
        field: 'schedule',
        message: 'only root jobs (no dependsOn) have a schedule: this job starts when its upstreams succeed',
      });
    } else if (job.target.type === 'external') {
      issues.push({
        severity: 'warning',
        file,
        entity,
        field: 'schedule',
        message: 'external jobs are never submitted, so their schedule has no effect',
      });
    }
  }
  for (const { value: cluster, file } of config.clusters) {
    if (cluster.start.trim() === cluster.stop.trim()) {
      issues.push({
        severity: 'error',
        file,
        entity: { kind: 'cluster', name: cluster.name },
        field: 'stop',
        message: 'start and stop are the same time: the cluster would never be up',
      });
    }
  }
  return issues;
}
