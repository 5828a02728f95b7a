import { SERVICE_EVENTS } from '../../domain/completion/service-events';
import type { CompletionService } from '../../domain/completion/terminal-states';
import { LOCAL_REGION } from '../dynamodb-emulator';

/** The account simulated control planes live in. */
export const LOCAL_ACCOUNT = '000000000000';

/** An EventBridge event as a simulated service sends it (the fields the completion function reads). */
export interface ServiceEventEnvelope {
  readonly source: string;
  readonly 'detail-type': string;
  readonly time: string;
  readonly detail: Record<string, unknown>;
}

/**
 * A state-change event of `service` in AWS's envelope ("Amazon EventBridge
 * events", version/account/region/resources), its detail as the service's
 * documented example shows it (domain/completion/service-events names the
 * pages; test/fixtures/service-events keeps the examples).
 */
export function serviceEvent(
  service: CompletionService,
  time: Date,
  detail: Record<string, unknown>,
  resources: readonly string[] = [],
): ServiceEventEnvelope & { readonly version: '0'; readonly account: string; readonly region: string; readonly resources: string[] } {
  const e = SERVICE_EVENTS[service];
  return {
    version: '0',
    source: e.source,
    'detail-type': e.detailType,
    account: LOCAL_ACCOUNT,
    region: LOCAL_REGION,
    time: time.toISOString(),
    resources: [...resources],
    detail,
  };
}
