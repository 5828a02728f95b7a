import { SFNClient } from '@aws-sdk/client-sfn';
import { StepFunctionsRunStatus } from '../../adapters/aws/stepfunctions-run-status';
import { StepFunctionsSubmitter } from '../../adapters/aws/stepfunctions-submitter';
import { clientConfig, instrumented } from '../client-settings';
import type { TargetBuilder } from './parts';

/** An execution name unique for 90 days makes StartExecution idempotent: the SDK's retries stay on (docs/targets.md). */
export const build: TargetBuilder = (settings) => {
  const client = instrumented(new SFNClient(clientConfig(settings, 'sfn')), settings, 'sfn');
  return { submitter: new StepFunctionsSubmitter(client), status: new StepFunctionsRunStatus(client) };
};
