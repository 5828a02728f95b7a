/**
 * `rsched doctor` checks that the resources the serverless targets name exist
 * (bin/cli/doctor/target-checks.ts), against recorded-shape answers
 * (aws-sdk-client-mock; these control planes have no emulator). Error names
 * are the documented ones: Glue GetJob EntityNotFoundException, Lambda
 * GetFunction ResourceNotFoundException, Step Functions DescribeStateMachine
 * StateMachineDoesNotExist, EMR Serverless GetApplication ResourceNotFoundException.
 */
import {
  EMRServerlessClient,
  ResourceNotFoundException as EmrServerlessNotFound,
  GetApplicationCommand,
  ListApplicationsCommand,
} from '@aws-sdk/client-emr-serverless';
import { AccessDeniedException, EntityNotFoundException, GetJobCommand, GlueClient } from '@aws-sdk/client-glue';
import { GetFunctionCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { DescribeStateMachineCommand, ListStateMachinesCommand, SFNClient, StateMachineDoesNotExist } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkServiceTargets, type TargetClients } from '../../bin/cli/doctor/target-checks';
import { loadDag } from '../../lambdas/domain/config/validate';

const config = { region: 'eu-west-1', credentials: { accessKeyId: 'FAKE-ACCESS-KEY', secretAccessKey: 'fake-secret-key' }, maxAttempts: 1 };
const clients: TargetClients = {
  glue: new GlueClient(config),
  emrServerless: new EMRServerlessClient(config),
  sfn: new SFNClient(config),
  lambda: new LambdaClient(config),
};
const glue = mockClient(clients.glue);
const emrServerless = mockClient(clients.emrServerless);
const sfn = mockClient(clients.sfn);
const lambda = mockClient(clients.lambda);

const ROLE = 'arn:aws:iam::111122223333:role/jobs';
const MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:refresh-marts';
const dag = loadDag([
  {
    path: 'serverless.json',
    text: JSON.stringify({
      jobs: [
        { name: 'orders_parquet', target: { type: 'glue', jobName: 'orders-to-parquet' } },
        {
          name: 'features',
          target: { type: 'emr-serverless', application: 'analytics-spark', executionRole: ROLE, entryPoint: 's3://c/f.py' },
        },
        { name: 'marts', target: { type: 'stepfunctions', stateMachine: 'refresh-marts' } },
        { name: 'notify', target: { type: 'lambda', function: 'notify-partners' } },
        { name: 'external_feed', target: { type: 'external' } },
      ],
    }),
  },
]);

beforeEach(() => {
  for (const m of [glue, emrServerless, sfn, lambda]) m.reset();
  emrServerless.on(ListApplicationsCommand).resolves({
    applications: [
      {
        id: '00fabc123def4567',
        name: 'analytics-spark',
        arn: 'arn:aws:emr-serverless:eu-west-1:111122223333:/applications/00fabc123def4567',
        releaseLabel: 'emr-7.5.0',
        type: 'Spark',
        state: 'CREATED',
        createdAt: new Date(0),
        updatedAt: new Date(0),
      },
    ],
  });
  sfn.on(ListStateMachinesCommand).resolves({
    stateMachines: [{ stateMachineArn: MACHINE, name: 'refresh-marts', type: 'STANDARD', creationDate: new Date(0) }],
  });
});

function everythingExists(): void {
  glue.on(GetJobCommand).resolves({ Job: { Name: 'orders-to-parquet', GlueVersion: '4.0' } });
  emrServerless.on(GetApplicationCommand).resolves({
    application: {
      applicationId: '00fabc123def4567',
      name: 'analytics-spark',
      arn: 'arn:aws:emr-serverless:eu-west-1:111122223333:/applications/00fabc123def4567',
      releaseLabel: 'emr-7.5.0',
      type: 'Spark',
      state: 'STARTED',
      createdAt: new Date(0),
      updatedAt: new Date(0),
    },
  });
  sfn.on(DescribeStateMachineCommand).resolves({
    stateMachineArn: MACHINE,
    name: 'refresh-marts',
    type: 'STANDARD',
    definition: '{}',
    roleArn: ROLE,
    creationDate: new Date(0),
  });
  lambda.on(GetFunctionCommand).resolves({ Configuration: { FunctionName: 'notify-partners', State: 'Active' } });
}

describe('rsched doctor: the resources the serverless targets name', () => {
  it('one ok per job when each exists, asked with the configured (or resolved) identifier', async () => {
    everythingExists();
    const results = await checkServiceTargets(dag, clients);
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['target orders_parquet', 'ok'],
      ['target features', 'ok'],
      ['target marts', 'ok'],
      ['target notify', 'ok'],
    ]);
    expect(glue.commandCalls(GetJobCommand)[0]?.args[0].input).toEqual({ JobName: 'orders-to-parquet' });
    expect(emrServerless.commandCalls(GetApplicationCommand)[0]?.args[0].input).toEqual({ applicationId: '00fabc123def4567' });
    expect(sfn.commandCalls(DescribeStateMachineCommand)[0]?.args[0].input).toEqual({ stateMachineArn: MACHINE });
    expect(lambda.commandCalls(GetFunctionCommand)[0]?.args[0].input).toEqual({ FunctionName: 'notify-partners' });
    expect(results[1]?.message).toBe('job features: EMR Serverless application "analytics-spark" exists (00fabc123def4567, STARTED)');
  });

  it('fails, naming the job and the resource, for each one that does not exist', async () => {
    glue.on(GetJobCommand).rejects(new EntityNotFoundException({ message: 'Job not found', $metadata: {} }));
    emrServerless.on(ListApplicationsCommand).resolves({ applications: [] });
    sfn.on(DescribeStateMachineCommand).rejects(new StateMachineDoesNotExist({ message: 'State Machine Does Not Exist', $metadata: {} }));
    lambda.on(GetFunctionCommand).rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));
    const results = await checkServiceTargets(dag, clients);
    expect(results.every((r) => r.status === 'fail')).toBe(true);
    expect(results.map((r) => r.message)).toEqual([
      expect.stringMatching(
        /^job orders_parquet: Glue job "orders-to-parquet" does not exist in this account and region \(EntityNotFoundException/,
      ),
      expect.stringMatching(/^job features: EMR Serverless application "analytics-spark" does not exist .*no EMR Serverless application/),
      expect.stringMatching(/^job marts: state machine "refresh-marts" does not exist .*StateMachineDoesNotExist/),
      expect.stringMatching(/^job notify: Lambda function "notify-partners" does not exist .*ResourceNotFoundException/),
    ]);
    expect(results[0]?.fix).toMatch(/target\.jobName of orders_parquet/);
  });

  it('fails an EXPRESS state machine and an application that is gone; warns when it may not look', async () => {
    everythingExists();
    sfn.on(DescribeStateMachineCommand).resolves({
      stateMachineArn: MACHINE,
      name: 'refresh-marts',
      type: 'EXPRESS',
      definition: '{}',
      roleArn: ROLE,
      creationDate: new Date(0),
    });
    emrServerless.on(GetApplicationCommand).rejects(new EmrServerlessNotFound({ message: 'Application does not exist', $metadata: {} }));
    glue.on(GetJobCommand).rejects(new AccessDeniedException({ message: 'not authorized to perform glue:GetJob', $metadata: {} }));
    const results = await checkServiceTargets(dag, clients);
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['target orders_parquet', 'warn'],
      ['target features', 'fail'],
      ['target marts', 'fail'],
      ['target notify', 'ok'],
    ]);
    expect(results[0]?.fix).toBe('Grant glue:GetJob to run this check.');
    expect(results[2]?.message).toMatch(/is EXPRESS: only STANDARD/);
  });
});
