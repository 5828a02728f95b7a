import { type ConfigIssue, didYouMean } from '../issues';
import type { ParsedConfig } from '../parse';

export function checkDependencies(config: ParsedConfig): ConfigIssue[] {
  const names = config.declaredJobs;
  const issues: ConfigIssue[] = [];
  for (const { value: job, file } of config.jobs) {
    const entity = { kind: 'job', name: job.name } as const;
    const seen = new Set<string>();
    job.dependsOn.forEach((dep, i) => {
      const field = `dependsOn[${i}]`;
      if (dep === job.name) {
        issues.push({ severity: 'error', file, entity, field, message: 'a job cannot depend on itself' });
      } else if (!names.has(dep)) {
        issues.push({ severity: 'error', file, entity, field, message: `unknown dependency "${dep}"${didYouMean(dep, names)}` });
      } else if (seen.has(dep)) {
        issues.push({ severity: 'error', file, entity, field, message: `"${dep}" is listed twice` });
      }
      seen.add(dep);
    });
  }
  return issues;
}
