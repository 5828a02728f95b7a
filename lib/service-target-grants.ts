import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Dag } from '../lambdas/domain/config/dag';
import type { Target } from '../lambdas/domain/config/schema';
import type { ClusterTag, Grantee } from './cluster-tag';
import { acknowledgeWildcardResource, wildcardPolicy } from './nag';

/**
 * IAM for the targets that need no cluster (docs/targets.md), scoped to the
 * resources the dag-config names: the identity fields take no templates, so
 * every one is known at synth. Actions and resource types are those of the
 * Service Authorization Reference:
 * - AWS Step Functions: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html
 *   (StartExecution and DescribeStateMachine on `stateMachine`, DescribeExecution on
 *   `execution`; ListStateMachines has no resource type: "*").
 * - Amazon EMR Serverless: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonemrserverless.html
 *   (StartJobRun and ListJobRuns on `applicationId`,
 *   `arn:${Partition}:emr-serverless:${Region}:${Account}:/applications/${ApplicationId}`, which takes
 *   aws:ResourceTag conditions; ListApplications has no resource type: "*"), and iam:PassRole of the
 *   execution role with iam:PassedToService = emr-serverless.amazonaws.com ("Job runtime roles for Amazon
 *   EMR Serverless", https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/security-iam-runtime-role.html).
 * - AWS Glue: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsglue.html
 *   (StartJobRun and GetJobRuns on `job`, `arn:${Partition}:glue:${Region}:${Account}:job/${JobName}`).
 * - AWS Lambda: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html
 *   (InvokeFunction on `function`, `arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}`).
 *
 * The sweeper's status polls (docs/completion.md) act on the same resources:
 * glue:GetJobRun on `job`; states:DescribeExecution on `execution`,
 * `arn:${Partition}:states:${Region}:${Account}:execution:${StateMachineName}:${ExecutionId}`;
 * emr-serverless:GetJobRun on `jobRun`,
 * `arn:${Partition}:emr-serverless:${Region}:${Account}:/applications/${ApplicationId}/jobruns/${JobRunId}`.
 */

type Of<K extends Target['type']> = Extract<Target, { type: K }>;

function targetsOf<K extends Target['type']>(dag: Dag, type: K): Of<K>[] {
  return [...dag.jobs.values()].flatMap((job) => (job.target.type === type ? [job.target as Of<K>] : []));
}

const unique = (values: readonly string[]) => [...new Set(values)].sort();

/** Grants `role` what submitting the dag's serverless targets needs, and nothing for kinds the dag does not use. */
export function grantServiceTargets(role: Grantee, dag: Dag, tag: ClusterTag): void {
  grantStepFunctions(role, targetsOf(dag, 'stepfunctions'));
  grantEmrServerless(role, targetsOf(dag, 'emr-serverless'), tag);
  grantGlue(role, targetsOf(dag, 'glue'));
  grantLambda(role, targetsOf(dag, 'lambda'));
}

/** The target types whose runs the sweeper polls through a service read (besides EMR steps, granted by cluster tag). */
export type PolledServiceTarget = 'glue' | 'emr-serverless' | 'stepfunctions';

/**
 * Grants `role` the status read of `service` (its POLL_ACTIONS, lib/completion-events.ts) on
 * the runs of the resources the dag-config names, for its jobs with completion "events" only.
 * An EMR Serverless application configured by name has no ARN at synth: its job runs are not
 * granted, so their poll answers "unknown" (AccessDenied) and the run times out as before
 * (docs/completion.md; configure the application id for exact scoping, docs/targets.md).
 */
export function grantServicePolls(role: Grantee, dag: Dag, service: PolledServiceTarget, actions: readonly string[]): void {
  const polled = [...dag.jobs.values()].filter((job) => job.completion === 'events');
  const targets = polled.flatMap((job) => (job.target.type === service ? [job.target] : []));
  if (targets.length === 0 || actions.length === 0) return;
  const { resources, wildcardReason } = polledResources(role, service, targets);
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources }));
  if (wildcardReason) for (const arn of resources) acknowledgeWildcardResource(role, arn, wildcardReason);
}

function polledResources(
  role: Grantee,
  service: PolledServiceTarget,
  targets: readonly Target[],
): { resources: string[]; wildcardReason?: string } {
  switch (service) {
    case 'glue':
      return { resources: unique((targets as Of<'glue'>[]).map((t) => glueJobArn(role, t.jobName))) };
    case 'stepfunctions':
      return {
        resources: executionsOf(unique((targets as Of<'stepfunctions'>[]).map((t) => stateMachineArn(role, t.stateMachine)))),
        wildcardReason: STEP_FUNCTIONS_EXECUTIONS,
      };
    case 'emr-serverless':
      return {
        resources: unique((targets as Of<'emr-serverless'>[]).map((t) => `${emrServerlessApplicationArn(role, t.application)}/jobruns/*`)),
        wildcardReason:
          'Job run ids exist only once started: every job run of this one configured application (GetJobRun reads its state).',
      };
  }
}

/** A function's ARN from the configured name or ARN (a qualified ARN is kept as it is). */
export function functionArn(scope: Grantee, fn: string): string {
  if (fn.startsWith('arn:')) return fn;
  return Stack.of(scope).formatArn({ service: 'lambda', resource: 'function', resourceName: fn, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

function grantLambda(role: Grantee, targets: readonly Of<'lambda'>[]): void {
  if (targets.length === 0) return;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: unique(targets.map((t) => functionArn(role, t.function))) }),
  );
}

/** The ARN of a Glue job by name. */
function glueJobArn(scope: Grantee, jobName: string): string {
  return Stack.of(scope).formatArn({ service: 'glue', resource: 'job', resourceName: jobName });
}

function grantGlue(role: Grantee, targets: readonly Of<'glue'>[]): void {
  if (targets.length === 0) return;
  const jobs = unique(targets.map((t) => glueJobArn(role, t.jobName)));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['glue:StartJobRun', 'glue:GetJobRuns'], resources: jobs }));
}

/** The ARN of an EMR Serverless application by id. */
export function emrServerlessApplicationArn(scope: Grantee, applicationId: string): string {
  return Stack.of(scope).formatArn({ service: 'emr-serverless', resource: '/applications', resourceName: applicationId });
}

/**
 * An application configured by id is granted by its ARN. A name cannot be
 * turned into an ARN at synth (AWS makes the id), so an application named in
 * the config is reachable only when it carries the stack tag
 * (docs/targets.md, "emr-serverless": configure ids for exact scoping).
 */
function grantEmrServerless(role: Grantee, targets: readonly Of<'emr-serverless'>[], tag: ClusterTag): void {
  if (targets.length === 0) return;
  const actions = ['emr-serverless:StartJobRun', 'emr-serverless:ListJobRuns'];
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions, resources: unique(targets.map((t) => emrServerlessApplicationArn(role, t.application))) }),
  );
  const tagged = emrServerlessApplicationArn(role, '*');
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions, resources: [tagged], conditions: { StringEquals: { [`aws:ResourceTag/${tag.key}`]: tag.value } } }),
  );
  acknowledgeWildcardResource(
    role,
    tagged,
    `EMR Serverless applications configured by name: any application, but only with the tag ${tag.key}=${tag.value} (ids are made by AWS).`,
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: unique(targets.map((t) => t.executionRole)),
      conditions: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } },
    }),
  );
  wildcardPolicy(
    role,
    'EmrServerlessResolveNames',
    [new iam.PolicyStatement({ actions: ['emr-serverless:ListApplications'], resources: ['*'] })],
    'emr-serverless:ListApplications has no resource type ("*" only); it resolves application names of the dag-config to ids.',
  );
}

/** A state machine's ARN from the configured ARN or name (same account and region as the stack). */
export function stateMachineArn(scope: Grantee, stateMachine: string): string {
  if (stateMachine.startsWith('arn:')) return stateMachine;
  return Stack.of(scope).formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: stateMachine,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

const STEP_FUNCTIONS_EXECUTIONS =
  'Execution names exist only once started: every execution of this one configured state machine (DescribeExecution finds a lost start and reads its status).';

/** Executions of those state machines only: `…:execution:<state machine name>:<execution name>`. */
function executionsOf(machines: readonly string[]): string[] {
  return machines.map((arn) => `${arn.replace(':stateMachine:', ':execution:')}:*`);
}

function grantStepFunctions(role: Grantee, targets: readonly Of<'stepfunctions'>[]): void {
  if (targets.length === 0) return;
  const machines = unique(targets.map((t) => stateMachineArn(role, t.stateMachine)));
  const executions = executionsOf(machines);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['states:StartExecution', 'states:DescribeStateMachine'], resources: machines }),
  );
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: executions }));
  for (const arn of executions) acknowledgeWildcardResource(role, arn, STEP_FUNCTIONS_EXECUTIONS);
  if (targets.some((t) => !t.stateMachine.startsWith('arn:'))) {
    wildcardPolicy(
      role,
      'StepFunctionsResolveNames',
      [new iam.PolicyStatement({ actions: ['states:ListStateMachines'], resources: ['*'] })],
      'states:ListStateMachines has no resource type ("*" only); it resolves the state machine names of the dag-config to ARNs.',
    );
  }
}
