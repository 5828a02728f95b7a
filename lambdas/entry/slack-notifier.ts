import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { cachedWebhook, makeSlackNotifierHandler, parseWebhookSecret, webhookPoster } from '../handlers/slack-notifier';
import { ENV, requireEnv } from '../runtime/env';
import { powertoolsLog } from '../runtime/powertools';

/** The webhook URL from the secret (by name or ARN); the value never leaves this function except to fetch. */
export async function readWebhookUrl(client: SecretsManagerClient, secretId: string): Promise<string> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (out.SecretString === undefined) throw new Error(`secret ${secretId} has no string value; store the webhook URL as text`);
  return parseWebhookSecret(out.SecretString);
}

// Built once per execution environment; the secret itself is read on the first alert, then kept.
const { log } = powertoolsLog('rsched-slack-notifier');
const secretId = requireEnv(ENV.SLACK_SECRET_ID);
const client = new SecretsManagerClient({});
export const handler = makeSlackNotifierHandler({
  webhook: cachedWebhook(() => readWebhookUrl(client, secretId)),
  post: webhookPoster(),
  log,
});
