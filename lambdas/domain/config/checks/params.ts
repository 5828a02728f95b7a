import { isDeclared } from '../../params';
import { variablesIn } from '../../template';
import type { ConfigIssue } from '../issues';
import type { ParsedConfig } from '../parse';
import type { JobSpec } from '../schema';

/**
 * Where marker params may be substituted (docs/params.md). Never into what
 * decides *which* code runs (`jar`, `pipeline`); not as a whole argument, nor
 * into any argument of a step that hands a string to an interpreter (`-c`,
 * `-e`, `--execute`, `-f`), unless the param is declared with an enum or an
 * anchored pattern.
 */

const INTERPRETER_FLAGS = new Set(['-c', '-e', '--execute', '-f']);

function paramsIn(text: string): string[] {
  return variablesIn(text)
    .variables.filter((v) => v.startsWith('params.'))
    .map((v) => v.slice('params.'.length));
}

export function checkParams(config: ParsedConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const { value: job, file } of config.jobs) {
    const entity = { kind: 'job', name: job.name } as const;
    const issue = (field: string, message: string) => issues.push({ severity: 'error', file, entity, field, message });
    const declared = (key: string) => isDeclared(job.params ?? {}, key);
    const target = job.target;
    if (target.type === 'datapipeline') {
      for (const key of paramsIn(target.pipeline)) {
        issue('target.pipeline', `{{params.${key}}} may not choose the pipeline: a marker could activate any pipeline`);
      }
    }
    if (target.type === 'emr-step') {
      for (const key of paramsIn(target.step.jar ?? '')) {
        issue('target.step.jar', `{{params.${key}}} may not choose the jar: a marker could run any code`);
      }
      const interpreter = target.step.args.some((a) => INTERPRETER_FLAGS.has(a.trim()));
      target.step.args.forEach((arg, i) => {
        for (const key of paramsIn(arg)) {
          if (declared(key)) continue;
          const whole = arg.trim() === `{{params.${key}}}` || /^\{\{\s*params\.[^}]+\}\}$/.test(arg.trim());
          if (whole) {
            issue(
              `target.step.args[${i}]`,
              `{{params.${key}}} is a whole argument: declare "params": {"${key}": {"enum": [...]}} or an anchored "pattern"`,
            );
          } else if (interpreter) {
            issue(
              `target.step.args[${i}]`,
              `{{params.${key}}} goes into a step that runs -c/-e/--execute/-f: declare "params": {"${key}": {"enum": [...]}} or an anchored "pattern"`,
            );
          }
        }
      });
    }
    for (const key of Object.keys(job.params ?? {})) {
      if (!usesParam(job, key))
        issues.push({
          severity: 'warning',
          file,
          entity,
          field: `params.${key}`,
          message: `param ${key} is declared but no template uses it`,
        });
    }
  }
  return issues;
}

function usesParam(job: JobSpec, key: string): boolean {
  return JSON.stringify(job.target).includes(`params.${key}`);
}
