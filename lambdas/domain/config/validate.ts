import { CHECKS } from './checks';
import { buildDag, type Dag, mergeDefaults } from './dag';
import { ConfigInvalidError, type ConfigIssue } from './issues';
import { parseFiles, type SourceFile } from './parse';

export interface ValidationResult {
  /** Present when there are no errors (warnings allowed). */
  readonly dag?: Dag;
  readonly issues: readonly ConfigIssue[];
}

/** Parses and checks config files; every problem is collected, none thrown midway. */
export function validateConfig(files: readonly SourceFile[]): ValidationResult {
  const { parsed, issues } = parseFiles(files);
  if (files.length === 0) {
    issues.push({ severity: 'error', file: '(config)', message: 'no *.json config files found' });
  }
  for (const check of CHECKS) issues.push(...check(parsed));
  const hasErrors = issues.some((i) => i.severity === 'error');
  if (hasErrors) return { issues };
  const dag = buildDag(parsed.jobs, parsed.clusters, mergeDefaults(parsed.defaults.map((d) => d.value)), parsed.calendars);
  return { dag, issues };
}

/** validateConfig for callers that need a DAG or nothing: throws ConfigInvalidError with every problem. */
export function loadDag(files: readonly SourceFile[]): Dag {
  const result = validateConfig(files);
  if (!result.dag) throw new ConfigInvalidError(result.issues);
  return result.dag;
}
