import type { ConfigIssue } from '../issues';
import type { ParsedConfig } from '../parse';

/**
 * `"mode": "shadow"` replaces a submit call with a recorded decision
 * (docs/shadow.md). An external job is never submitted, so on one the setting
 * means nothing: it is an error there, where the writer evidently expected it
 * to do something. Set in `defaults` it applies to the jobs that submit and
 * external jobs simply ignore it.
 */
export function checkShadowMode(config: ParsedConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const { value: job, file } of config.jobs) {
    if (job.mode === 'shadow' && job.target.type === 'external') {
      issues.push({
        severity: 'error',
        file,
        entity: { kind: 'job', name: job.name },
        field: 'mode',
        message: 'an external job is never submitted, so "shadow" has nothing to replace; remove "mode" (docs/shadow.md)',
      });
    }
  }
  return issues;
}
