import { LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaSubmitter } from '../../adapters/aws/lambda-submitter';
import { SEND_ONCE } from '../../adapters/aws/send-once';
import { clientConfig, instrumented } from '../client-settings';
import type { TargetBuilder } from './parts';

/** Invoke (Event) has no token and leaves nothing to look up: sent once; a maybe-applied call parks the run (docs/targets.md). */
export const build: TargetBuilder = (settings) => ({
  submitter: new LambdaSubmitter(
    instrumented(new LambdaClient({ ...clientConfig(settings, 'lambda'), ...SEND_ONCE }), settings, 'lambda'),
    {
      onCommand: settings.onLambdaCommand,
    },
  ),
});
