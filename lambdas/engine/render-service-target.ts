import type { EmrServerlessTarget, GlueTarget, LambdaTarget, StepFunctionsTarget } from '../domain/config/schema';
import { mapStrings } from '../domain/json-strings';
import { render, type TemplateContext } from '../domain/template';
import type { RenderedTarget } from '../ports/submitter';

/**
 * Renders the targets that need no cluster (docs/targets.md). Identity fields
 * (application, executionRole, jobName, stateMachine, function) are copied as
 * they are: validation refuses templates in them. JSON inputs are rendered
 * string by string and sent as JSON text.
 */
export function renderServiceTarget(
  t: EmrServerlessTarget | GlueTarget | StepFunctionsTarget | LambdaTarget,
  ctx: TemplateContext,
): RenderedTarget {
  const r = (text: string) => render(text, ctx);
  switch (t.type) {
    case 'emr-serverless':
      return {
        type: 'emr-serverless',
        application: t.application,
        executionRole: t.executionRole,
        entryPoint: r(t.entryPoint),
        arguments: (t.arguments ?? []).map(r),
        ...(t.sparkSubmitParameters !== undefined ? { sparkSubmitParameters: r(t.sparkSubmitParameters) } : {}),
      };
    case 'glue':
      return {
        type: 'glue',
        jobName: t.jobName,
        arguments: Object.fromEntries(Object.entries(t.arguments ?? {}).map(([k, v]) => [k, r(v)])),
      };
    case 'stepfunctions':
      return { type: 'stepfunctions', stateMachine: t.stateMachine, input: JSON.stringify(mapStrings(t.input ?? {}, r)) };
    case 'lambda':
      return { type: 'lambda', function: t.function, payload: JSON.stringify(mapStrings(t.payload ?? {}, r)) };
  }
}

/** What a submit call of these targets goes to, for people (alerts). */
export function serviceTargetLabel(t: RenderedTarget): string | undefined {
  switch (t.type) {
    case 'emr-serverless':
      return `EMR Serverless application ${t.application}`;
    case 'glue':
      return `Glue job ${t.jobName}`;
    case 'stepfunctions':
      return `state machine ${t.stateMachine}`;
    case 'lambda':
      return `Lambda function ${t.function}`;
    default:
      return undefined;
  }
}
