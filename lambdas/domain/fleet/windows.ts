import type { Cluster } from '../config/dag';
import { nextOccurrence, occurrences, previousOccurrence } from '../cron';

/**
 * A time-of-day window of a cluster: from a `start` occurrence to the first
 * `stop` occurrence after it. Windows are identified by their start instant.
 *
 *   start 00:00 ──────────── stop 03:00        nightly-etl, window "…T00:00:00.000Z"
 *                   start 03:00 ───────── stop 08:00   minibatch-morning
 */
export interface ClusterWindow {
  readonly cluster: string;
  readonly start: Date;
  readonly end: Date;
}

/** The window that a `start` firing at `start` opens. */
export function windowStartingAt(cluster: Cluster, start: Date): ClusterWindow {
  return { cluster: cluster.name, start, end: nextOccurrence(cluster.stop, cluster.timezone, start) };
}

/** Windows whose start falls in [from, to). */
export function windowsStartingBetween(cluster: Cluster, from: Date, to: Date): ClusterWindow[] {
  return occurrences(cluster.start, cluster.timezone, from, to).map((start) => windowStartingAt(cluster, start));
}

/** The window open at `at`, if any (its start ≤ at < its end). */
export function windowInForce(cluster: Cluster, at: Date): ClusterWindow | undefined {
  const window = windowStartingAt(cluster, previousOccurrence(cluster.start, cluster.timezone, at));
  return window.end > at ? window : undefined;
}

/** Truncates to the minute: schedulers deliver "scheduled time" with seconds we do not want in ids. */
export function toMinute(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 60_000) * 60_000);
}
