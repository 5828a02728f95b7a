import { isHourPeriod } from '../domain/run-hour';
import type { HistoryEntry, Run } from '../domain/runs/run';
import { RunState } from '../domain/runs/states';
import { NOT_BEFORE_WHY } from '../domain/runs/transitions';
import type { AlertRecord, RunStore } from '../ports/run-store';
import type { SimCluster } from './control-plane/emr-simulator';

/**
 * The readable timeline of `rsched simulate` and of `rsched dev`'s console:
 * what started, waited, ended, and what was alerted — from the runs' own
 * history, so both show the same lines for the same transitions.
 */

/** One line of the timeline. */
export interface TimelineEvent {
  readonly at: string;
  readonly subject: string;
  readonly what: string;
  readonly detail: string;
  /** The run date, for events about a run (rsched dev spans days). */
  readonly date?: string;
}

const SHOWN_STATES: ReadonlySet<string> = new Set([
  RunState.WAITING_FOR_CLUSTER,
  RunState.SUBMITTED,
  RunState.SHADOW_SUBMITTED,
  RunState.SUCCEEDED,
  RunState.FAILED,
  RunState.TIMED_OUT,
  RunState.UPSTREAM_FAILED,
  RunState.RETRYING,
  RunState.SKIPPED,
]);

/**
 * The line of one transition, if it is one people want to see: the start of a
 * wait for upstreams, a hold for notBefore, and every change of state above;
 * not bookkeeping (a due time moved, an upstream counted while already waiting).
 */
export function transitionEvent(run: Pick<Run, 'job' | 'date'>, entry: HistoryEntry): TimelineEvent | undefined {
  // An hourly run names its UTC hour: 24 lines of one job are otherwise told apart only by their markers (docs/hourly.md).
  const subject = isHourPeriod(run.date) ? `${run.job} T${run.date.slice(11, 13)}` : run.job;
  const line = (what: string) => ({ at: entry.at, subject, what, detail: entry.why, date: run.date });
  if (entry.from === RunState.PENDING && entry.to === RunState.WAITING && entry.why.startsWith('upstream')) return line('WAITING');
  if (entry.to === RunState.WAITING && entry.from === RunState.WAITING && entry.why.startsWith(NOT_BEFORE_WHY)) return line('WAITING');
  if (!SHOWN_STATES.has(entry.to) || entry.from === entry.to) return undefined;
  return line(entry.to);
}

/** Every line of a run's history. */
export function runEvents(run: Run): TimelineEvent[] {
  return run.history.map((entry) => transitionEvent(run, entry)).filter((e): e is TimelineEvent => e !== undefined);
}

/** The line of a cluster entering `state`, for the states people follow (started, ready, gone). */
export function clusterEvent(
  cluster: Pick<SimCluster, 'id' | 'name' | 'configName' | 'masterIp'>,
  state: string,
  at: Date,
): TimelineEvent | undefined {
  if (!['STARTING', 'WAITING', 'TERMINATED', 'TERMINATED_WITH_ERRORS'].includes(state)) return undefined;
  return {
    at: at.toISOString(),
    subject: `cluster ${cluster.configName ?? cluster.name}`,
    what: state === 'WAITING' ? 'READY' : state,
    detail: state === 'WAITING' ? `ready, master ${cluster.masterIp}` : cluster.id,
  };
}

export function alertEvent(alert: AlertRecord): TimelineEvent {
  return {
    at: alert.at,
    subject: alert.job ?? alert.subject ?? '',
    what: `ALERT ${alert.kind}`,
    detail: alert.message,
    ...(alert.job ? { date: alert.date } : {}),
  };
}

/**
 * Events of one instant, causes first: an upstream's outcome or a cluster
 * becoming ready comes before the waiting and submitting it caused, and an
 * alert after what it reports.
 */
function causeRank(what: string): number {
  if (what.startsWith('ALERT')) return 3;
  if (what === 'SUBMITTED' || what === 'SHADOW_SUBMITTED') return 2;
  if (['WAITING', 'WAITING_FOR_CLUSTER', 'RETRYING', 'UPSTREAM_FAILED'].includes(what)) return 1;
  return 0;
}

export function sortEvents(events: TimelineEvent[]): TimelineEvent[] {
  return events.sort((a, b) => a.at.localeCompare(b.at) || causeRank(a.what) - causeRank(b.what));
}

/**
 * The store, telling `onEvent` the line of every transition it applies (rsched
 * dev's console). Only writes that took effect are told, so a duplicate event
 * that changed nothing prints nothing.
 */
export function observeRunEvents(store: RunStore, onEvent: (event: TimelineEvent) => void): RunStore {
  const tell = (run: Run) => {
    const entry = run.history.at(-1);
    const event = entry && transitionEvent(run, entry);
    if (event) onEvent(event);
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === 'transition' && typeof value === 'function') {
        const transition: RunStore['transition'] = async (t) => {
          const result = await value.call(target, t);
          if (result.ok && !t.quiet) tell(result.run);
          return result;
        };
        return transition;
      }
      if (property === 'addUpstreamDone' && typeof value === 'function') {
        const addUpstreamDone: RunStore['addUpstreamDone'] = async (u) => {
          const result = await value.call(target, u);
          if (result.ok) tell(result.run);
          return result;
        };
        return addUpstreamDone;
      }
      return value;
    },
  });
}
