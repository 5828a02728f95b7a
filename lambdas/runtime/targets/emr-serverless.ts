import { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import { EmrServerlessRunStatus } from '../../adapters/aws/emr-serverless-run-status';
import { EmrServerlessSubmitter } from '../../adapters/aws/emr-serverless-submitter';
import { clientConfig, instrumented } from '../client-settings';
import type { TargetBuilder } from './parts';

/** clientToken makes StartJobRun idempotent: the SDK's retries stay on (docs/targets.md). */
export const build: TargetBuilder = (settings) => {
  const client = instrumented(new EMRServerlessClient(clientConfig(settings, 'emrserverless')), settings, 'emrserverless');
  const submitter = new EmrServerlessSubmitter(client);
  // Application names resolve as the submitter resolves them (ListApplications, cached).
  return { submitter, status: new EmrServerlessRunStatus(client, submitter) };
};
