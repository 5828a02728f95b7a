import { parseServiceEvent } from '../domain/completion/service-events';
import { type CompletionEventOutcome, onServiceStateChange } from '../engine/completion';
import type { EngineDeps } from '../engine/deps';
import type { MarkerSink } from '../ports/marker-bucket';

export type CompletionHandlerDeps = Pick<EngineDeps, 'dag' | 'store' | 'clock' | 'log'> & { readonly markers: MarkerSink };

/**
 * The completion Lambda (docs/completion.md): one EventBridge event per
 * invocation — "EMR Step Status Change", "EMR Serverless Job Run State
 * Change", "Glue Job State Change" or "Step Functions Execution Status
 * Change" — becomes the job's marker when it ends a run this scheduler
 * submitted. Anything else is logged with the reason and counted (the
 * `rsched-completion` logs, field `outcome`), never thrown: only a submission
 * not yet recorded throws, so Lambda retries it.
 */
export function makeCompletionHandler(deps: CompletionHandlerDeps) {
  return async (event: unknown): Promise<{ outcome: CompletionEventOutcome | 'unrecognised'; submissionId?: string }> => {
    const change = parseServiceEvent(event);
    if (change.kind === 'unrecognised') {
      deps.log.warn('completion event not recognised', { outcome: 'unrecognised', why: change.why });
      return { outcome: 'unrecognised' };
    }
    const outcome = await onServiceStateChange(deps, change);
    if (outcome !== 'written' && outcome !== 'not-terminal') {
      deps.log.info('completion event wrote nothing', {
        outcome,
        service: change.service,
        submissionId: change.submissionId,
        state: change.state,
        ...(change.name ? { name: change.name } : {}),
      });
    }
    return { outcome, submissionId: change.submissionId };
  };
}
