import type { ConfigIssue } from '../issues';
import type { ParsedConfig } from '../parse';

/**
 * With no `markers.writers` anywhere, any identity allowed to put objects in
 * the bucket can mark any job done or failed (docs/threat-model.md): allowed,
 * as before, but said once.
 */
export function checkMarkerWriters(config: ParsedConfig): ConfigIssue[] {
  const first = config.jobs[0];
  if (!first || config.jobs.some(({ value }) => value.markers?.writers !== undefined)) return [];
  return [
    {
      severity: 'warning',
      file: first.file,
      message:
        'no job names "markers": {"writers": [...]}: anyone who may put objects in the marker bucket can mark any job done or failed (see docs/threat-model.md)',
    },
  ];
}
