import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { TAG_STACK } from '../lambdas/adapters/aws/emr-control';
import { acknowledge, acknowledgeWildcardResource } from './nag';

/** The tag the cluster fleet puts on every cluster it creates (`rsched:stack` = the stack name). */
export interface ClusterTag {
  readonly key: string;
  readonly value: string;
}

export function clusterTagOf(stack: Stack): ClusterTag {
  return { key: TAG_STACK, value: stack.stackName };
}

/** The EMR actions of EmrStepSubmitter: add a step, find a lost one again. */
export const EMR_STEP_ACTIONS = ['elasticmapreduce:AddJobFlowSteps', 'elasticmapreduce:ListSteps'] as const;
/** The Data Pipeline actions of DataPipelineSubmitter: resolve a name, activate. */
export const DATA_PIPELINE_ACTIONS = ['datapipeline:ActivatePipeline', 'datapipeline:ListPipelines'] as const;

/**
 * Lets `role` submit runs: EMR steps on this stack's clusters, and Data
 * Pipeline activations. `role` must be a construct so the two unavoidable
 * wildcards can be acknowledged on it, with their reasons.
 */
export function grantSubmit(role: iam.IRole & IConstruct, tag: ClusterTag): void {
  // AddJobFlowSteps/ListSteps act on a cluster ARN, but cluster ids exist only once the fleet has
  // created them, so the resource is "any cluster of this account and region" — narrowed by the
  // tag the fleet puts on its clusters (EMR supports elasticmapreduce:ResourceTag on these actions).
  const anyCluster = Stack.of(role).formatArn({ service: 'elasticmapreduce', resource: 'cluster', resourceName: '*' });
  iam.Grant.addToPrincipal({
    grantee: role,
    actions: [...EMR_STEP_ACTIONS],
    resourceArns: [anyCluster],
    conditions: { StringEquals: { [`elasticmapreduce:ResourceTag/${tag.key}`]: tag.value } },
  });
  acknowledgeWildcardResource(
    role,
    anyCluster,
    `EMR cluster ids are created at run time by the cluster fleet; the statement is limited to clusters tagged ${tag.key}=${tag.value}.`,
  );
  // AWS Data Pipeline defines no resource types: its actions accept only "*".
  iam.Grant.addToPrincipal({ grantee: role, actions: [...DATA_PIPELINE_ACTIONS], resourceArns: ['*'] });
  acknowledge(
    role,
    'IAM5[Resource::*]',
    'Only datapipeline:ActivatePipeline and datapipeline:ListPipelines use "*": AWS Data Pipeline has no resource-level permissions.',
  );
}
