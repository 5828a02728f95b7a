import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag AwsSolutions acknowledgements. Every one names the resource it
 * covers and says why, in the words an auditor reading the template needs.
 */
export function acknowledge(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-${rule}`, reason });
}

/**
 * Acknowledges one wildcard IAM resource (AwsSolutions-IAM5) on `scope`,
 * written the way cdk-nag reports it (tokens flattened, e.g.
 * `<MarkersBucket1234.Arn>/*.done`), so the acknowledgement covers exactly that
 * resource and nothing else.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resourceArn: string, reason: string): void {
  const flat = flattenCfnReference(Stack.of(scope).resolve(resourceArn));
  acknowledge(scope, `IAM5[Resource::${flat}]`, reason);
}

/**
 * The statements of `role` whose only possible resource is "*" (the API has no
 * resource type), in a policy of their own: the AwsSolutions-IAM5[Resource::*]
 * acknowledgement sits on that policy, not on the role, so a new wildcard added
 * to the role's default policy is still reported.
 */
export function wildcardPolicy(
  role: iam.IRole & IConstruct,
  id: string,
  statements: readonly iam.PolicyStatement[],
  reason: string,
): iam.Policy {
  for (const statement of statements) {
    const resources = statement.resources;
    if (resources.length !== 1 || resources[0] !== '*') throw new Error(`${id}: a wildcard policy holds only Resource "*" statements`);
  }
  const policy = new iam.Policy(role, id, { statements: [...statements] });
  role.attachInlinePolicy(policy);
  acknowledge(policy, 'IAM5[Resource::*]', reason);
  return policy;
}
