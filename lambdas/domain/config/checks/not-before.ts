import { parseExpectedBy } from '../../late';
import type { ConfigIssue } from '../issues';
import type { ParsedConfig } from '../parse';

/** Minutes from 00:00 of the run date: "+1d 06:00" is 1,800. Both texts are in the job's own zone. */
function minutesFromRunDate(text: string): number | undefined {
  const parsed = parseExpectedBy(text);
  if (!parsed) return undefined;
  const [h, m] = parsed.hhmm.split(':').map(Number) as [number, number];
  return parsed.dayOffset * 1440 + h * 60 + m;
}

/**
 * `notBefore` (docs/scheduling.md#time-gates-notbefore) that cannot work as written:
 * - on an external job it does nothing (it is never submitted; its marker comes when it comes);
 * - an `expectedBy` at or before it would raise LATE before the run may even start.
 */
export function checkNotBefore(config: ParsedConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const { value: job, file } of config.jobs) {
    if (job.notBefore === undefined) continue;
    const entity = { kind: 'job', name: job.name } as const;
    if (job.target.type === 'external') {
      issues.push({
        severity: 'error',
        file,
        entity,
        field: 'notBefore',
        message: `"${job.notBefore}" has no effect: an external job is never submitted (its marker comes when the other system writes it); remove notBefore, or put it on the jobs downstream of it`,
      });
    }
    const gate = minutesFromRunDate(job.notBefore);
    const deadline = job.expectedBy === undefined ? undefined : minutesFromRunDate(job.expectedBy);
    if (gate !== undefined && deadline !== undefined && deadline <= gate) {
      const hhmm = job.expectedBy?.replace(/^\+\dd /, '');
      issues.push({
        severity: 'error',
        file,
        entity,
        field: 'expectedBy',
        message: `"${job.expectedBy}" is not after notBefore "${job.notBefore}": LATE would fire before the run may start; move the deadline later (for the next day write "+1d ${hhmm}")`,
      });
    }
  }
  return issues;
}
