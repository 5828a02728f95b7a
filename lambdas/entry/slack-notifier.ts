import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { cachedWebhook, readWebhookUrl } from '../adapters/aws/webhook-secret';
import { webhookPoster } from '../adapters/slack/webhook-poster';
import { makeSlackNotifierHandler } from '../handlers/slack-notifier';
import { ENV, requireEnv } from '../runtime/env';
import { powertoolsLog } from '../runtime/powertools';

// Built once per execution environment; the secret itself is read on the first alert, then kept.
const { log } = powertoolsLog('rsched-slack-notifier');
const secretId = requireEnv(ENV.SLACK_SECRET_ID);
const client = new SecretsManagerClient({});
export const handler = makeSlackNotifierHandler({
  webhook: cachedWebhook(() => readWebhookUrl(client, secretId)),
  post: webhookPoster(),
  log,
});
