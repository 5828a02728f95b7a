import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { type ClusterTag, grantOnStackClusters } from './cluster-tag';
import { acknowledge } from './nag';

/** The EMR actions of EmrStepSubmitter: add a step, find a lost one again. */
export const EMR_STEP_ACTIONS = ['elasticmapreduce:AddJobFlowSteps', 'elasticmapreduce:ListSteps'] as const;
/**
 * The Data Pipeline actions of DataPipelineSubmitter: resolve a name, activate, and find a
 * lost activation again (DescribePipelines' @lastActivationTime; without it every
 * maybe-applied activation would end SUBMIT_UNCERTAIN).
 */
export const DATA_PIPELINE_ACTIONS = [
  'datapipeline:ActivatePipeline',
  'datapipeline:DescribePipelines',
  'datapipeline:ListPipelines',
] as const;

/**
 * Lets `role` submit runs: EMR steps on this stack's clusters, and Data
 * Pipeline activations. `role` must be a construct so the two unavoidable
 * wildcards can be acknowledged on it, with their reasons.
 */
export function grantSubmit(role: iam.IRole & IConstruct, tag: ClusterTag): void {
  // Cluster ids exist only once the fleet has created them: any cluster carrying the stack's tag.
  grantOnStackClusters(role, tag, EMR_STEP_ACTIONS);
  // AWS Data Pipeline defines no resource types: its actions accept only "*".
  iam.Grant.addToPrincipal({ grantee: role, actions: [...DATA_PIPELINE_ACTIONS], resourceArns: ['*'] });
  acknowledge(
    role,
    'IAM5[Resource::*]',
    'Only datapipeline:ActivatePipeline, DescribePipelines and ListPipelines use "*": AWS Data Pipeline has no resource-level permissions.',
  );
}
