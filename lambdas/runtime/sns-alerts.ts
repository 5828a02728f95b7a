import { SNSClient } from '@aws-sdk/client-sns';
import { SnsAlertSink } from '../adapters/aws/sns-alert-sink';
import { type ClientSettings, clientConfig, instrumented } from './client-settings';

/** The alert topic's publisher; loaded by `import()` on the first alert, so a quiet event never loads SNS. */
export function snsAlertSink(settings: ClientSettings, topicArn: string): SnsAlertSink {
  return new SnsAlertSink(instrumented(new SNSClient(clientConfig(settings, 'sns')), settings, 'sns'), topicArn);
}
