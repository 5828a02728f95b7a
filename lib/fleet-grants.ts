import * as iam from 'aws-cdk-lib/aws-iam';
import { EMR_MANAGED_POLICY_TAG } from '../lambdas/domain/fleet/cluster-tags';
import { type ClusterTag, type Grantee, grantOnStackClusters } from './cluster-tag';
import { wildcardPolicy } from './nag';

/**
 * The EMR actions of the fleet functions (lambdas/adapters/aws/emr-control.ts)
 * and what IAM lets us scope them by, from the Service Authorization Reference
 * for Amazon EMR (actions, resources and condition keys for elasticmapreduce):
 *
 * | action                          | resource type | tag condition key              |
 * |---------------------------------|---------------|--------------------------------|
 * | RunJobFlow                      | none ("*")    | elasticmapreduce:RequestTag/…  |
 * | AddTags (tags given to RunJobFlow) | cluster    | elasticmapreduce:ResourceTag/… |
 * | ListClusters                    | none ("*")    | none                           |
 * | DescribeCluster, ListInstances  | cluster       | elasticmapreduce:ResourceTag/… |
 * | ListSteps                       | cluster       | elasticmapreduce:ResourceTag/… |
 * | SetKeepJobFlowAliveWhenNoSteps  | cluster       | elasticmapreduce:ResourceTag/… |
 * | TerminateJobFlows               | cluster       | elasticmapreduce:ResourceTag/… |
 */
export const FLEET_EMR_ACTIONS = {
  /** Creates a cluster: allowed only when the request carries this stack's tag. */
  launch: ['elasticmapreduce:RunJobFlow'],
  /** Finds a cluster launched for a window whose RunJobFlow answer was lost. */
  list: ['elasticmapreduce:ListClusters'],
  /** Tagging at creation, and reading a cluster's tags, state, master and DNS. */
  provision: ['elasticmapreduce:AddTags', 'elasticmapreduce:DescribeCluster'],
  /** Graceful stop: let the cluster end by itself once its running steps finish. */
  stop: ['elasticmapreduce:SetKeepJobFlowAliveWhenNoSteps'],
  /**
   * The registry: master IP and DNS on READY, state refresh, failed steps whose
   * events were lost, drain and termination after the grace period.
   */
  registry: [
    'elasticmapreduce:DescribeCluster',
    'elasticmapreduce:ListInstances',
    'elasticmapreduce:ListSteps',
    'elasticmapreduce:SetKeepJobFlowAliveWhenNoSteps',
    'elasticmapreduce:TerminateJobFlows',
  ],
} as const;

/** The roles a cluster of the fleet runs with. */
export interface EmrRoles {
  /** Passed as ServiceRole: EMR acts with it. */
  readonly serviceRole: iam.IRole;
  /** The roles of the EC2 instance profiles passed as JobFlowRole (one per pool set): the nodes act with them. */
  readonly instanceRoles: readonly iam.IRole[];
}

/**
 * Lets `role` create this stack's clusters: RunJobFlow only with the stack
 * tag in the request, the tagging that comes with it, ListClusters and
 * DescribeCluster to find a cluster whose launch answer was lost, and
 * iam:PassRole for exactly the service role (to EMR) and the node roles
 * (to EC2), each only to the service that takes it.
 */
export function grantLaunch(role: Grantee, tag: ClusterTag, roles: EmrRoles): void {
  // RunJobFlow and ListClusters have no resource type: "*" is the only resource they accept. RunJobFlow is
  // allowed only when the request carries the stack tag and the tag AmazonEMRServicePolicy_v2 requires.
  wildcardPolicy(
    role,
    'LaunchClusters',
    [
      new iam.PolicyStatement({
        actions: [...FLEET_EMR_ACTIONS.launch],
        resources: ['*'],
        conditions: {
          StringEquals: {
            [`elasticmapreduce:RequestTag/${tag.key}`]: tag.value,
            [`elasticmapreduce:RequestTag/${EMR_MANAGED_POLICY_TAG.key}`]: EMR_MANAGED_POLICY_TAG.value,
          },
        },
      }),
      new iam.PolicyStatement({ actions: [...FLEET_EMR_ACTIONS.list], resources: ['*'] }),
    ],
    `elasticmapreduce:RunJobFlow and elasticmapreduce:ListClusters have no resource-level permissions, so "*" is the only resource they accept; RunJobFlow is allowed only for requests tagged ${tag.key}=${tag.value}. Nothing else is in this policy.`,
  );
  grantOnStackClusters(role, tag, FLEET_EMR_ACTIONS.provision);
  grantPassRole(role, roles.serviceRole, 'elasticmapreduce.amazonaws.com');
  for (const instanceRole of roles.instanceRoles) grantPassRole(role, instanceRole, 'ec2.amazonaws.com');
}

/**
 * iam:PassRole for one role, to one service. StringLike with a trailing `*`,
 * as in AWS's EMR policies, so the principal also matches in partitions whose
 * service names carry a suffix (ec2.amazonaws.com.cn).
 */
export function grantPassRole(grantee: iam.IGrantable, role: iam.IRole, service: string): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['iam:PassRole'],
    resourceArns: [role.roleArn],
    conditions: { StringLike: { 'iam:PassedToService': `${service}*` } },
  });
}
