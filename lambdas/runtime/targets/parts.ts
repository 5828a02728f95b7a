import type { RunStatusReader } from '../../ports/run-status';
import type { Submitter } from '../../ports/submitter';
import type { ClientSettings } from '../client-settings';

/** What one target type brings: its submitter and, when the service can be polled, its run status reader. */
export interface TargetParts {
  readonly submitter: Submitter;
  readonly status?: RunStatusReader;
}

/** Each `targets/<type>.ts` module exports one of these, loaded with `import()` when the type is first used. */
export type TargetBuilder = (settings: ClientSettings) => TargetParts;
