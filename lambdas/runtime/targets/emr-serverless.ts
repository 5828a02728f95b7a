import { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import { EmrServerlessSubmitter } from '../../adapters/aws/emr-serverless-submitter';
import { clientConfig, instrumented } from '../client-settings';
import type { TargetBuilder } from './parts';

/** clientToken makes StartJobRun idempotent: the SDK's retries stay on (docs/targets.md). */
export const build: TargetBuilder = (settings) => ({
  submitter: new EmrServerlessSubmitter(
    instrumented(new EMRServerlessClient(clientConfig(settings, 'emrserverless')), settings, 'emrserverless'),
  ),
});
