import type { LiveCluster } from '../ports/cluster-directory';
import type { EngineDeps } from './deps';
import { dispatch } from './dispatch';

/** A cluster became ready: submit the runs that wait for one of its pools. */
export async function onClusterReady(deps: EngineDeps, cluster: LiveCluster): Promise<number> {
  let dispatched = 0;
  for (const pool of cluster.pools) {
    for (const run of await deps.store.listWaitingForPool(pool)) {
      // The pool index is eventually consistent: dispatch's guard re-checks state and attempt.
      if ((await dispatch(deps, run, 'registry', { cluster })) === 'submitted') dispatched++;
    }
  }
  return dispatched;
}
