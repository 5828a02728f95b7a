import { COMPLETION_SERVICES, isCompletionService } from '../../completion/terminal-states';
import type { ConfigIssue } from '../issues';
import type { ParsedConfig } from '../parse';

/**
 * `completion` (docs/completion.md): "events" only for targets whose end AWS
 * announces with a state-change event; every other target (external,
 * datapipeline) is told by its own marker.
 */
export function checkCompletion(config: ParsedConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const { value: job, file } of config.jobs) {
    if (job.completion !== 'events' || isCompletionService(job.target.type)) continue;
    issues.push({
      severity: 'error',
      file,
      entity: { kind: 'job', name: job.name },
      field: 'completion',
      message: `"events" needs a target whose end AWS announces (${COMPLETION_SERVICES.join(', ')}); a job with target "${job.target.type}" writes its own marker: use "marker" or leave completion out`,
    });
  }
  return issues;
}
