import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { Dag } from '../lambdas/domain/config/dag';
import { type ClusterTag, grantOnStackClusters } from './cluster-tag';
import { wildcardPolicy } from './nag';
import { grantServiceTargets } from './service-target-grants';

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
 * Lets `role` submit runs: EMR steps on this stack's clusters, Data
 * Pipeline activations of pipelines tagged with the stack tag, and the
 * serverless targets the dag-config names (service-target-grants.ts). `role` must be
 * a construct so the unavoidable wildcards live in a policy of their own.
 *
 * AWS Data Pipeline, from "Example Policies for AWS Data Pipeline"
 * (https://docs.aws.amazon.com/datapipeline/latest/DeveloperGuide/dp-example-tag-policies.html):
 * "The ListPipelines API action does not support tag-based authorization", so
 * ListPipelines gets "*" alone; ActivatePipeline is allowed only on pipelines
 * carrying `datapipeline:Tag/<stack tag key>` = the stack name (docs/deploy.md,
 * "Data Pipeline targets").
 */
export function grantSubmit(role: iam.IRole & IConstruct, tag: ClusterTag, dag: Dag): void {
  grantServiceTargets(role, dag, tag);
  // Cluster ids exist only once the fleet has created them: any cluster carrying the stack's tag.
  grantOnStackClusters(role, tag, EMR_STEP_ACTIONS);
  wildcardPolicy(
    role,
    'DataPipelineSubmit',
    [
      new iam.PolicyStatement({ actions: ['datapipeline:ListPipelines'], resources: ['*'] }),
      new iam.PolicyStatement({
        // DescribePipelines finds a lost activation again (@lastActivationTime): same pipelines, same tag.
        actions: ['datapipeline:ActivatePipeline', 'datapipeline:DescribePipelines'],
        resources: ['*'],
        conditions: { StringEquals: { [`datapipeline:Tag/${tag.key}`]: tag.value } },
      }),
    ],
    `datapipeline:ListPipelines supports no resource or tag scoping ("*" only); datapipeline:ActivatePipeline and DescribePipelines are limited to pipelines tagged ${tag.key}=${tag.value}. Nothing else is in this policy.`,
  );
}
