import { EMRClient } from '@aws-sdk/client-emr';
import { EmrStepRunStatus } from '../../adapters/aws/emr-step-run-status';
import { EmrStepSubmitter } from '../../adapters/aws/emr-step-submitter';
import { SEND_ONCE } from '../../adapters/aws/send-once';
import { clientConfig, instrumented } from '../client-settings';
import type { TargetBuilder } from './parts';

/** AddJobFlowSteps has no token: sent once (SEND_ONCE), found again by its step name before any resend (docs/targets.md). */
export const build: TargetBuilder = (settings) => {
  const reads = instrumented(new EMRClient(clientConfig(settings, 'emr')), settings, 'emr');
  return {
    submitter: new EmrStepSubmitter(instrumented(new EMRClient({ ...clientConfig(settings, 'emr'), ...SEND_ONCE }), settings, 'emr'), {
      readClient: reads,
    }),
    status: new EmrStepRunStatus(reads),
  };
};
