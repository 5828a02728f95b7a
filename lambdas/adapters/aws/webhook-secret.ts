import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { WebhookSecret } from '../../ports/webhook';
import { loadOnce } from '../load-once';

/**
 * The Slack webhook URL, kept in Secrets Manager: it is a credential, read at
 * run time, never logged, and no error message here contains it.
 */

/**
 * The secret holds the URL itself, or JSON with a `url` (or `webhookUrl`)
 * field. Errors describe the shape, never the value.
 */
export function parseWebhookSecret(secret: string): string {
  const trimmed = secret.trim();
  let candidate: unknown = trimmed;
  if (trimmed.startsWith('{')) {
    let json: { url?: unknown; webhookUrl?: unknown } | undefined;
    try {
      json = JSON.parse(trimmed);
    } catch {
      json = undefined;
    }
    candidate = json?.url ?? json?.webhookUrl;
  }
  let url: URL | undefined;
  try {
    url = typeof candidate === 'string' ? new URL(candidate) : undefined;
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:') {
    throw new Error('the Slack webhook secret must hold an https URL, or JSON {"url": "https://hooks.slack.com/..."}');
  }
  return url.toString();
}

/** Reads the URL on first use and keeps it; a failed read is not kept, so the next call tries again. */
export function cachedWebhook(read: () => Promise<string>): WebhookSecret {
  const url = loadOnce(read);
  return { url, forget: url.forget };
}

/** The webhook URL from the secret (by name or ARN); the value never leaves this function except to fetch. */
export async function readWebhookUrl(client: SecretsManagerClient, secretId: string): Promise<string> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (out.SecretString === undefined) throw new Error(`secret ${secretId} has no string value; store the webhook URL as text`);
  return parseWebhookSecret(out.SecretString);
}
