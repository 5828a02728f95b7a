import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { TAG_STACK } from '../lambdas/domain/fleet/cluster-tags';
import { acknowledgeWildcardResource } from './nag';

/** The tag the cluster fleet puts on every cluster it creates (`rsched:stack` = the stack name). */
export interface ClusterTag {
  readonly key: string;
  readonly value: string;
}

export function clusterTagOf(stack: Stack): ClusterTag {
  return { key: TAG_STACK, value: stack.stackName };
}

/** A role that is also a construct, so cdk-nag findings can be acknowledged on it. */
export type Grantee = iam.IRole & IConstruct;

function anyCluster(scope: IConstruct): string {
  return Stack.of(scope).formatArn({ service: 'elasticmapreduce', resource: 'cluster', resourceName: '*' });
}

/**
 * Lets `role` call `actions` on this stack's clusters only: any cluster ARN
 * (ids exist only once a cluster runs), with the condition that it carries
 * the stack tag.
 */
export function grantOnStackClusters(role: Grantee, tag: ClusterTag, actions: readonly string[]): void {
  const clusters = anyCluster(role);
  iam.Grant.addToPrincipal({
    grantee: role,
    actions: [...actions],
    resourceArns: [clusters],
    conditions: { StringEquals: { [`elasticmapreduce:ResourceTag/${tag.key}`]: tag.value } },
  });
  acknowledgeWildcardResource(
    role,
    clusters,
    `EMR cluster ids are created at run time by the cluster fleet; the statement is limited to clusters tagged ${tag.key}=${tag.value}.`,
  );
}
