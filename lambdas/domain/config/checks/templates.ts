import { stringsIn } from '../../json-strings';
import { variableProblem, variablesIn } from '../../template';
import type { ConfigIssue } from '../issues';
import type { ParsedConfig } from '../parse';
import { poolOf } from '../pool';
import type { Target } from '../schema';

/** Every templated string of a target with its field path. */
function templatedStrings(target: Target): [field: string, text: string][] {
  switch (target.type) {
    case 'datapipeline':
      return [
        ['target.pipeline', target.pipeline],
        ...Object.entries(target.parameters ?? {}).map(([k, v]): [string, string] => [`target.parameters.${k}`, v]),
      ];
    case 'emr-step':
      return [
        ...target.step.args.map((arg, i): [string, string] => [`target.step.args[${i}]`, arg]),
        ...(target.step.jar ? [['target.step.jar', target.step.jar] as [string, string]] : []),
      ];
    case 'external':
      return [];
    // Identity fields (application, executionRole, jobName, stateMachine, function) take no templates: the schema refuses them.
    case 'emr-serverless':
      return [
        ['target.entryPoint', target.entryPoint],
        ...(target.arguments ?? []).map((arg, i): [string, string] => [`target.arguments[${i}]`, arg]),
        ...(target.sparkSubmitParameters ? [['target.sparkSubmitParameters', target.sparkSubmitParameters] as [string, string]] : []),
      ];
    case 'glue':
      return Object.entries(target.arguments ?? {}).map(([k, v]): [string, string] => [`target.arguments.${k}`, v]);
    case 'stepfunctions':
      return stringsIn(target.input ?? {}, 'target.input');
    case 'lambda':
      return stringsIn(target.payload ?? {}, 'target.payload');
  }
}

export function checkTemplates(config: ParsedConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const { value: job, file } of config.jobs) {
    const hasCluster = poolOf(job.target) !== undefined;
    for (const [field, text] of templatedStrings(job.target)) {
      const { variables, unclosed } = variablesIn(text);
      const entity = { kind: 'job', name: job.name } as const;
      if (unclosed) issues.push({ severity: 'error', file, entity, field, message: `"{{" without a closing "}}" in "${text}"` });
      for (const variable of variables) {
        const problem = variableProblem(variable, { hasCluster, hourly: job.granularity === 'hourly' });
        if (problem) issues.push({ severity: 'error', file, entity, field, message: problem });
      }
    }
  }
  return issues;
}
