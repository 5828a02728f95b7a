import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { loadDagConfig } from '../../lib/dag-config';
import { ReactiveSchedulerStack, type ReactiveSchedulerStackProps } from '../../lib/reactive-scheduler-stack';

export const ROOT = join(__dirname, '..', '..');

/** The context of cdk.json (feature flags included), so tests synthesize what `cdk synth` does. */
export const CDK_CONTEXT: Record<string, unknown> = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')).context;

export interface Synthesized {
  readonly stack: ReactiveSchedulerStack;
  readonly template: Template;
}

/**
 * One stack of the app, synthesized in memory. Bundling is skipped (the
 * `aws:cdk:bundling-stacks` context, as `cdk deploy --exclusively` does for
 * other stacks) and CDK's built-in template linter is off: the bundling and
 * the full `cdk synth` are tested once each, elsewhere.
 */
export function synthesize(props: Partial<ReactiveSchedulerStackProps> = {}, configDir = join(ROOT, 'dag-config')): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'rsched-cdk-test-'));
  const app = new App({ outdir, context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  const stack = new ReactiveSchedulerStack(app, 'Rsched', { stackName: 'Rsched', config: loadDagConfig(configDir), ...props });
  const template = Template.fromStack(stack);
  // The template is in memory now, and no asset was bundled: nothing on disk is needed any more.
  rmSync(outdir, { recursive: true, force: true });
  return { stack, template };
}

/** The logical id of a construct's CloudFormation resource (its default child for L2 constructs). */
export function logicalId(construct: IConstruct): string {
  const cfn = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).resolve(cfn.logicalId);
}

/** `{ "Fn::GetAtt": [<logical id>, "Arn"] }` of a construct. */
export function arnOf(construct: IConstruct): { 'Fn::GetAtt': [string, string] } {
  return { 'Fn::GetAtt': [logicalId(construct), 'Arn'] };
}

/** Every IAM policy statement of the template, with the logical id of its policy. */
export function policyStatements(template: Template): { policy: string; statement: Record<string, unknown> }[] {
  const out: { policy: string; statement: Record<string, unknown> }[] = [];
  for (const [policy, resource] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    for (const statement of resource.Properties.PolicyDocument.Statement) out.push({ policy, statement });
  }
  return out;
}

export function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** cdk-nag AwsSolutions findings that no acknowledgement covers, as "rule @ construct path". */
export function unsuppressedNagFindings(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`));
}

/** Every acknowledgement recorded in the tree: where, which rule, why. */
export function acknowledgements(scope: IConstruct): { path: string; id: string; reason: string }[] {
  return scope.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id, reason }))),
    );
}
