import { Stack, Validations } from 'aws-cdk-lib';
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
