import type { Wait } from '../../../lambdas/domain/runs/waits';
import { clockTime } from './format';

/** "raw_events (PENDING), since 00:20, times out 03:20": a wait in one line, times relative to `day`. */
export function describeWait(wait: Wait, day: string): string {
  const at = (iso: string | null, label: string) => (iso ? `${label} ${clockTime(iso, day)}` : '');
  const join = (...parts: string[]) => parts.filter(Boolean).join(', ');
  switch (wait.kind) {
    case 'upstreams':
      return join(
        `waiting on ${Object.entries(wait.upstreams)
          .map(([u, state]) => `${u} (${state})`)
          .join(', ')}`,
        at(wait.since, 'since'),
        at(wait.dueAt, 'times out'),
      );
    case 'notBefore':
      return `waiting for ${wait.notBefore} (notBefore; upstreams done), starts ${clockTime(wait.dueAt, day)}`;
    case 'cluster':
      return join(
        `waiting for a cluster of pool ${wait.pool} (none live)`,
        wait.nextWindow ? `next: ${wait.nextWindow.cluster} at ${clockTime(wait.nextWindow.start, day)}` : 'no window opens within a day',
        at(wait.since, 'since'),
        at(wait.dueAt, 'times out'),
      );
    case 'marker':
      return join('waiting for its marker', at(wait.since, 'submitted'), at(wait.dueAt, 'times out'));
    case 'retry':
      return join('retry', at(wait.dueAt, 'at'));
  }
}
