import type { ConfigIssue } from '../issues';
import type { ParsedConfig } from '../parse';

/**
 * With no `markers.writers` anywhere, any identity allowed to put objects in
 * the bucket can mark any job done or failed (docs/threat-model.md): allowed,
 * as before, but said once.
 */
export function checkMarkerWriters(config: ParsedConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const { value: job, file } of config.jobs) {
    if (job.markers?.writers && job.markers.prefix === undefined) {
      issues.push({
        severity: 'error',
        file,
        entity: { kind: 'job', name: job.name },
        field: 'markers.prefix',
        message: 'markers.writers needs a markers.prefix ("" for the bucket root), so the bucket policy can name exactly this job\'s keys',
      });
    }
  }
  const first = config.jobs[0];
  if (!first || config.jobs.some(({ value }) => value.markers?.writers !== undefined)) return issues;
  return [
    ...issues,
    {
      severity: 'warning',
      file: first.file,
      message:
        'no job names "markers": {"writers": [...]}: anyone who may put objects in the marker bucket can mark any job done or failed (see docs/threat-model.md)',
    },
  ];
}
