import { DataPipelineClient } from '@aws-sdk/client-data-pipeline';
import { DataPipelineSubmitter } from '../../adapters/aws/datapipeline-submitter';
import { SEND_ONCE } from '../../adapters/aws/send-once';
import { clientConfig, instrumented } from '../client-settings';
import type { TargetBuilder } from './parts';

/** ActivatePipeline has no token: sent once (SEND_ONCE), looked up by its reads before any resend (docs/targets.md). */
export const build: TargetBuilder = (settings) => ({
  submitter: new DataPipelineSubmitter(
    instrumented(new DataPipelineClient({ ...clientConfig(settings, 'datapipeline'), ...SEND_ONCE }), settings, 'datapipeline'),
    {
      readClient: instrumented(new DataPipelineClient(clientConfig(settings, 'datapipeline')), settings, 'datapipeline'),
      onCommand: settings.onDataPipelineCommand,
    },
  ),
});
