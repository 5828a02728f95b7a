/**
 * `rsched doctor` for the targets that need no cluster (docs/targets.md): the
 * Glue job, EMR Serverless application, state machine or Lambda function each
 * job names must exist in this account and region, else every submission of
 * that job fails (SUBMIT_FAILED). One read per resource:
 * - Glue GetJob, "EntityNotFoundException" when it does not exist
 *   (https://docs.aws.amazon.com/glue/latest/webapi/API_GetJob.html);
 * - EMR Serverless GetApplication
 *   (https://docs.aws.amazon.com/emr-serverless/latest/APIReference/API_GetApplication.html),
 *   a name first resolved through ListApplications as the submitter does;
 * - Step Functions DescribeStateMachine, "StateMachineDoesNotExist"
 *   (https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeStateMachine.html),
 *   a name first resolved through ListStateMachines; only STANDARD state machines start exactly once;
 * - Lambda GetFunction, "ResourceNotFoundException"
 *   (https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html).
 */
import { type EMRServerlessClient, GetApplicationCommand } from '@aws-sdk/client-emr-serverless';
import { GetJobCommand, type GlueClient } from '@aws-sdk/client-glue';
import { GetFunctionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeStateMachineCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { EmrServerlessSubmitter } from '../../../lambdas/adapters/aws/emr-serverless-submitter';
import { StepFunctionsSubmitter } from '../../../lambdas/adapters/aws/stepfunctions-submitter';
import type { Dag, Job } from '../../../lambdas/domain/config/dag';
import { SubmitError } from '../../../lambdas/ports/submitter';
// Types only: checks.ts imports this module, so nothing is taken from it at run time.
import type { CheckResult, CheckStatus } from './checks';

export interface TargetClients {
  readonly glue: GlueClient;
  readonly emrServerless: EMRServerlessClient;
  readonly sfn: SFNClient;
  readonly lambda: LambdaClient;
}

/** Errors that say the named resource is not there (each service's API reference). */
const NOT_FOUND = new Set(['EntityNotFoundException', 'ResourceNotFoundException', 'StateMachineDoesNotExist']);

const errorText = (err: unknown) => `${(err as Error).name}: ${(err as Error).message}`;
const result = (job: Job, status: CheckStatus, message: string, fix?: string): CheckResult => ({
  id: `target ${job.name}`,
  status,
  message: `job ${job.name}: ${message}`,
  ...(fix ? { fix } : {}),
});

/** One check per job with a glue, emr-serverless, stepfunctions or lambda target. */
export async function checkServiceTargets(dag: Dag, clients: TargetClients): Promise<CheckResult[]> {
  const applications = new EmrServerlessSubmitter(clients.emrServerless);
  const machines = new StepFunctionsSubmitter(clients.sfn);
  const results: CheckResult[] = [];
  for (const job of dag.jobs.values()) {
    const t = job.target;
    switch (t.type) {
      case 'glue':
        results.push(await checkGlueJob(job, t.jobName, clients.glue));
        break;
      case 'emr-serverless':
        results.push(await checkApplication(job, t.application, applications, clients.emrServerless));
        break;
      case 'stepfunctions':
        results.push(await checkStateMachine(job, t.stateMachine, machines, clients.sfn));
        break;
      case 'lambda':
        results.push(await checkFunction(job, t.function, clients.lambda));
        break;
    }
  }
  return results;
}

/** Not found: fail, naming the job, the resource and where to fix it; anything else: warn (the check could not run). */
function unreadable(job: Job, what: string, err: unknown, field: string, permission: string): CheckResult {
  const name = (err as Error).name;
  if (NOT_FOUND.has(name) || (err instanceof SubmitError && !err.retryable)) {
    return result(
      job,
      'fail',
      `${what} does not exist in this account and region (${errorText(err)}): every submission of ${job.name} would fail`,
      `Create it, or fix target.${field} of ${job.name} in the dag-config (rsched validate), then deploy.`,
    );
  }
  return result(job, 'warn', `could not read ${what}: ${errorText(err)}`, `Grant ${permission} to run this check.`);
}

async function checkGlueJob(job: Job, jobName: string, glue: GlueClient): Promise<CheckResult> {
  const what = `Glue job "${jobName}"`;
  try {
    const out = await glue.send(new GetJobCommand({ JobName: jobName }));
    const version = out.Job?.GlueVersion ? ` (Glue ${out.Job.GlueVersion})` : '';
    return result(job, 'ok', `${what} exists${version}`);
  } catch (err) {
    return unreadable(job, what, err, 'jobName', 'glue:GetJob');
  }
}

async function checkApplication(
  job: Job,
  application: string,
  applications: EmrServerlessSubmitter,
  client: EMRServerlessClient,
): Promise<CheckResult> {
  const what = `EMR Serverless application "${application}"`;
  try {
    const applicationId = await applications.resolve(application);
    const out = await client.send(new GetApplicationCommand({ applicationId }));
    const state = out.application?.state ?? 'UNKNOWN';
    if (state === 'TERMINATED')
      return result(
        job,
        'fail',
        `${what} (${applicationId}) is TERMINATED: it runs no job`,
        `Create a new application and set target.application of ${job.name} to it.`,
      );
    return result(job, 'ok', `${what} exists (${applicationId}, ${state})`);
  } catch (err) {
    return unreadable(job, what, err, 'application', 'emr-serverless:ListApplications and emr-serverless:GetApplication');
  }
}

async function checkStateMachine(job: Job, stateMachine: string, machines: StepFunctionsSubmitter, sfn: SFNClient): Promise<CheckResult> {
  const what = `state machine "${stateMachine}"`;
  try {
    const arn = await machines.resolve(stateMachine);
    const out = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    if (out.type !== 'STANDARD')
      return result(
        job,
        'fail',
        `${what} is ${out.type ?? 'of unknown type'}: only STANDARD state machines start exactly once, so the scheduler refuses it`,
        `Point target.stateMachine of ${job.name} at a STANDARD state machine (docs/targets.md, "stepfunctions").`,
      );
    return result(job, 'ok', `${what} exists (${arn}, STANDARD)`);
  } catch (err) {
    return unreadable(job, what, err, 'stateMachine', 'states:ListStateMachines and states:DescribeStateMachine');
  }
}

async function checkFunction(job: Job, fn: string, lambda: LambdaClient): Promise<CheckResult> {
  const what = `Lambda function "${fn}"`;
  try {
    const out = await lambda.send(new GetFunctionCommand({ FunctionName: fn }));
    const state = out.Configuration?.State;
    return result(job, 'ok', `${what} exists${state ? ` (${state})` : ''}`);
  } catch (err) {
    return unreadable(job, what, err, 'function', 'lambda:GetFunction');
  }
}
