/**
 * Names of the stack's CloudFormation outputs. The CLI finds a deployed
 * stack's resources through them (`--stack NAME`), so they are a contract:
 * plain data, no aws-cdk-lib import.
 */
export const STACK_OUTPUTS = {
  markerBucket: 'MarkerBucketName',
  markerTopic: 'MarkerTopicArn',
  alertTopic: 'AlertTopicArn',
  runsTable: 'RunsTableName',
  clustersTable: 'ClustersTableName',
  schedulerFunction: 'SchedulerFunctionName',
  sweeperFunction: 'SweeperFunctionName',
  slackNotifierFunction: 'SlackNotifierFunctionName',
  deadLetterQueue: 'DeadLetterQueueUrl',
  scheduleGroup: 'ScheduleGroupName',
  // Only when the config defines clusters.
  clusterEventsTopic: 'ClusterEventsTopicArn',
  provisionerFunction: 'ProvisionerFunctionName',
  terminatorFunction: 'TerminatorFunctionName',
  registryFunction: 'RegistryFunctionName',
  fleetDeadLetterQueue: 'FleetDeadLetterQueueUrl',
  emrServiceRole: 'EmrServiceRoleName',
  /** An imported instance profile, shared by every cluster… */
  emrInstanceProfile: 'EmrInstanceProfileName',
  /** …or the created ones: JSON, pool set (nodeRoleKey) → instance profile name. */
  emrInstanceProfiles: 'EmrInstanceProfileNames',
  // Only when a job has completion "events" (docs/completion.md).
  completionFunction: 'CompletionFunctionName',
  completionDeadLetterQueue: 'CompletionDeadLetterQueueUrl',
} as const;
