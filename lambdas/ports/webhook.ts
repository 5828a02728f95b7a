import type { SlackMessage } from '../domain/slack-message';

/** The webhook URL, read once per execution environment and kept. */
export interface WebhookSecret {
  url(): Promise<string>;
  /** Forgets the kept URL (Slack rejected it; the secret may have been rotated). */
  forget(): void;
}

export type WebhookPoster = (url: string, message: SlackMessage) => Promise<void>;

/** Slack refused the webhook itself (revoked, channel gone): trying the same URL again will not help. */
export class WebhookRejectedError extends Error {
  override readonly name = 'WebhookRejectedError';
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(`Slack rejected the webhook: HTTP ${status} ${reason}`);
  }
}

/** The post did not go through this time (network, 429, 5xx): Lambda's retry may succeed. */
export class WebhookFailedError extends Error {
  override readonly name: string = 'WebhookFailedError';
}
