import { isDeclared } from '../../params';
import { variablesIn } from '../../template';
import type { ConfigIssue } from '../issues';
import type { ParsedConfig } from '../parse';
import type { JobSpec } from '../schema';

/**
 * Where marker params may be substituted (docs/params.md). Never into what
 * decides *which* code runs (`jar`, `pipeline`, `entryPoint`; the identity fields of
 * the serverless targets take no templates at all); not as a whole argument, nor
 * into any argument of a step that hands a string to an interpreter (`-c`,
 * `-e`, `--execute`, `-f`), unless the param is declared with an enum or an
 * anchored pattern.
 */

const INTERPRETER_FLAGS = new Set(['-c', '-e', '--execute', '-f']);

const DECLARE = (key: string) => `declare "params": {"${key}": {"enum": [...]}} or an anchored "pattern"`;

/** The argument is nothing but one `{{params.x}}`: the marker writes the whole argument. */
function isWhole(arg: string): boolean {
  return /^\{\{\s*params\.[^}]+\}\}$/.test(arg.trim());
}

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
    const checkArguments = (args: readonly string[], field: string) => {
      const interpreter = args.some((a) => INTERPRETER_FLAGS.has(a.trim()));
      args.forEach((arg, i) => {
        for (const key of paramsIn(arg)) {
          if (declared(key)) continue;
          if (isWhole(arg)) {
            issue(`${field}[${i}]`, `{{params.${key}}} is a whole argument: ${DECLARE(key)}`);
          } else if (interpreter) {
            issue(
              `${field}[${i}]`,
              `{{params.${key}}} goes into a ${field === 'target.step.args' ? 'step' : 'command'} that runs -c/-e/--execute/-f: ${DECLARE(key)}`,
            );
          }
        }
      });
    };
    if (target.type === 'emr-step') {
      for (const key of paramsIn(target.step.jar ?? '')) {
        issue('target.step.jar', `{{params.${key}}} may not choose the jar: a marker could run any code`);
      }
      checkArguments(target.step.args, 'target.step.args');
    }
    if (target.type === 'emr-serverless') {
      for (const key of paramsIn(target.entryPoint)) {
        issue('target.entryPoint', `{{params.${key}}} may not choose the entryPoint: a marker could run any code`);
      }
      checkArguments(target.arguments ?? [], 'target.arguments');
      // A string of spark-submit options: an undeclared value could only ever be data, so it must be declared.
      for (const key of paramsIn(target.sparkSubmitParameters ?? '')) {
        if (!declared(key)) issue('target.sparkSubmitParameters', `{{params.${key}}} goes into spark-submit options: ${DECLARE(key)}`);
      }
    }
    if (target.type === 'glue') {
      for (const [name, value] of Object.entries(target.arguments ?? {})) {
        for (const key of paramsIn(value)) {
          if (!declared(key) && isWhole(value))
            issue(`target.arguments.${name}`, `{{params.${key}}} is a whole argument value: ${DECLARE(key)}`);
        }
      }
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
