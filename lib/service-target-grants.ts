import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Dag } from '../lambdas/domain/config/dag';
import type { Target } from '../lambdas/domain/config/schema';
import type { Grantee } from './cluster-tag';
import { acknowledgeWildcardResource, wildcardPolicy } from './nag';

/**
 * IAM for the targets that need no cluster (docs/targets.md), scoped to the
 * resources the dag-config names: the identity fields take no templates, so
 * every one is known at synth. Actions and resource types are those of the
 * Service Authorization Reference:
 * - AWS Step Functions: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html
 *   (StartExecution and DescribeStateMachine on `stateMachine`, DescribeExecution on
 *   `execution`; ListStateMachines has no resource type: "*").
 */

type Of<K extends Target['type']> = Extract<Target, { type: K }>;

function targetsOf<K extends Target['type']>(dag: Dag, type: K): Of<K>[] {
  return [...dag.jobs.values()].flatMap((job) => (job.target.type === type ? [job.target as Of<K>] : []));
}

const unique = (values: readonly string[]) => [...new Set(values)].sort();

/** Grants `role` what submitting the dag's serverless targets needs, and nothing for kinds the dag does not use. */
export function grantServiceTargets(role: Grantee, dag: Dag): void {
  grantStepFunctions(role, targetsOf(dag, 'stepfunctions'));
}

/** A state machine's ARN from the configured ARN or name (same account and region as the stack). */
export function stateMachineArn(scope: Grantee, stateMachine: string): string {
  if (stateMachine.startsWith('arn:')) return stateMachine;
  return Stack.of(scope).formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: stateMachine,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

function grantStepFunctions(role: Grantee, targets: readonly Of<'stepfunctions'>[]): void {
  if (targets.length === 0) return;
  const machines = unique(targets.map((t) => stateMachineArn(role, t.stateMachine)));
  // Executions of those state machines only: `…:execution:<state machine name>:<execution name>`.
  const executions = machines.map((arn) => `${arn.replace(':stateMachine:', ':execution:')}:*`);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['states:StartExecution', 'states:DescribeStateMachine'], resources: machines }),
  );
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: executions }));
  for (const arn of executions)
    acknowledgeWildcardResource(
      role,
      arn,
      'Execution names exist only once started: every execution of this one configured state machine (DescribeExecution finds a lost start).',
    );
  if (targets.some((t) => !t.stateMachine.startsWith('arn:'))) {
    wildcardPolicy(
      role,
      'StepFunctionsResolveNames',
      [new iam.PolicyStatement({ actions: ['states:ListStateMachines'], resources: ['*'] })],
      'states:ListStateMachines has no resource type ("*" only); it resolves the state machine names of the dag-config to ARNs.',
    );
  }
}
