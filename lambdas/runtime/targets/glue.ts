import { GlueClient } from '@aws-sdk/client-glue';
import { GlueRunStatus } from '../../adapters/aws/glue-run-status';
import { GlueSubmitter } from '../../adapters/aws/glue-submitter';
import { SEND_ONCE } from '../../adapters/aws/send-once';
import { clientConfig, instrumented } from '../client-settings';
import type { TargetBuilder } from './parts';

/** StartJobRun has no token: sent once, looked up by its --rsched-run argument before any resend (docs/targets.md). */
export const build: TargetBuilder = (settings) => {
  const reads = instrumented(new GlueClient(clientConfig(settings, 'glue')), settings, 'glue');
  return {
    submitter: new GlueSubmitter(instrumented(new GlueClient({ ...clientConfig(settings, 'glue'), ...SEND_ONCE }), settings, 'glue'), {
      readClient: reads,
    }),
    status: new GlueRunStatus(reads),
  };
};
