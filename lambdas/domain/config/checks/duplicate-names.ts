import type { ConfigIssue } from '../issues';
import type { Located, ParsedConfig } from '../parse';

function duplicates<T extends { name: string }>(items: readonly Located<T>[], kind: 'job' | 'cluster'): ConfigIssue[] {
  const first = new Map<string, Located<T>>();
  const issues: ConfigIssue[] = [];
  for (const item of items) {
    const seen = first.get(item.value.name);
    if (seen) {
      issues.push({
        severity: 'error',
        file: item.file,
        entity: { kind, name: item.value.name },
        message: `duplicate ${kind} name (first defined in ${seen.file}, ${kind} #${seen.index + 1})`,
      });
    } else {
      first.set(item.value.name, item);
    }
  }
  return issues;
}

/** Names are unique across all files: they key marker objects and DynamoDB items. */
export function checkDuplicateNames(config: ParsedConfig): ConfigIssue[] {
  return [...duplicates(config.jobs, 'job'), ...duplicates(config.clusters, 'cluster')];
}
