/**
 * The tags the cluster fleet puts on every cluster it creates: which stack
 * (its IAM policies are scoped to it, lib/cluster-tag.ts), which cluster of the
 * config and which window (how a lost RunJobFlow answer is found again).
 */
export const TAG_STACK = 'rsched:stack';
export const TAG_CLUSTER = 'rsched:cluster';
export const TAG_WINDOW = 'rsched:window';

/**
 * The tag AmazonEMRServicePolicy_v2 requires on the cluster request. From
 * "Service role for Amazon EMR (EMR role)"
 * (https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-iam-role.html):
 * "When you use this policy, you need to pass the user tag
 * for-use-with-amazon-emr-managed-policies = true when provisioning the
 * cluster. Amazon EMR will automatically propagate the tags." The subnet and
 * any security groups EMR did not create must carry it too (docs/fleet.md,
 * "Deploying it"; `rsched doctor` checks them).
 */
export const EMR_MANAGED_POLICY_TAG = { key: 'for-use-with-amazon-emr-managed-policies', value: 'true' } as const;
