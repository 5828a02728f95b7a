/**
 * Clusters that serve the same pools share one node role (the EC2 instance
 * profile passed to RunJobFlow as JobFlowRole): a role may write only the
 * markers of the jobs of its pools (docs/threat-model.md). The key names that
 * pool set the same way in the CDK app and in the provisioner.
 */
export function nodeRoleKey(pools: readonly string[]): string {
  return [...pools].sort().join('+');
}
