import { formatIssue } from '../../lambdas/domain/config/issues';
import type { SourceFile } from '../../lambdas/domain/config/parse';
import { validateConfig } from '../../lambdas/domain/config/validate';

/** A config file as the loader sees it, from a literal object. */
export function configFile(path: string, content: unknown): SourceFile {
  return { path, text: `${JSON.stringify(content, null, 2)}\n` };
}

/** A valid Data Pipeline job; `extra` overrides or adds fields. */
export function pipelineJob(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, target: { type: 'datapipeline', pipeline: `${name}-pipeline`, parameters: { myDate: '{{date}}' } }, ...extra };
}

/** A valid EMR-step job on `pool`. */
export function emrJob(name: string, pool: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, target: { type: 'emr-step', pool, step: { args: ['spark-submit', `s3://code/${name}.py`, '{{date}}'] } }, ...extra };
}

/** A valid time-of-day cluster serving `pools`. */
export function clusterSpec(name: string, pools: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    pools,
    start: '0 0 * * *',
    stop: '0 3 * * *',
    releaseLabel: 'emr-7.5.0',
    instances: { master: 'm5.xlarge' },
    ...extra,
  };
}

/** Every issue of a configuration, formatted as `rsched validate` prints it (file: entity: field: message). */
/** The config-wide "no marker writers" advisory (docs/threat-model.md). */
export function isWritersAdvisory(issue: { message: string }): boolean {
  return issue.message.includes('"markers": {"writers"');
}

/**
 * Every issue, formatted, except the config-wide "no marker writers" warning,
 * which almost every small test config would carry (it has its own test).
 */
export function issuesOf(...files: SourceFile[]): string[] {
  return validateConfig(files)
    .issues.map(formatIssue)
    .filter((line) => !isWritersAdvisory({ message: line }));
}
