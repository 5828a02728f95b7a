import type { OnLateUpstream } from './config/schema';
import type { Run } from './runs/run';
import { RunState, WAITING_STATES } from './runs/states';

/**
 * Late data (docs/markers.md#late-data-onlateupstream): an upstream writes a
 * newer `.done` for a run date it had already SUCCEEDED. What each downstream
 * job does about it is that job's `onLateUpstream`. Pure: the engine reads the
 * runs and carries the actions out.
 */

/** The `.done` event as the run judges it: sequencers already right-padded (domain/markers normaliseSequencer). */
export interface DoneEvent {
  readonly sequencer?: string;
  /** S3's event time: when the object was written. */
  readonly eventTime: string;
  /** The attempt the marker body names, if any. */
  readonly attempt?: number;
}

/**
 * A `.done` written within this long after the one that ended the run reports
 * the same completion again, not new data: the service's event and the job
 * both writing the marker (docs/completion.md), or an SDK retry of a write
 * that had taken effect. Each is a new S3 write with a newer sequencer.
 */
export const SAME_COMPLETION_MINUTES = 15;

/**
 * A re-delivery is a `.done` of the same key whose sequencer is newer than the
 * one the SUCCEEDED run recorded, written more than SAME_COMPLETION_MINUTES
 * after the run's success. A duplicate (same sequencer) or an older write is
 * not; neither is an event without a sequencer (a reconcile re-drive), one for
 * a run that recorded none (nothing to compare with), nor a marker naming
 * another attempt (a straggler of an older attempt).
 */
export function isRedelivery(run: Pick<Run, 'state' | 'attempt' | 'lastDoneSeq' | 'finishedAt'>, event: DoneEvent): boolean {
  if (run.state !== RunState.SUCCEEDED || event.sequencer === undefined || run.lastDoneSeq === undefined) return false;
  if (event.attempt !== undefined && event.attempt !== run.attempt) return false;
  if (event.sequencer <= run.lastDoneSeq) return false;
  const since = Date.parse(event.eventTime) - Date.parse(run.finishedAt ?? event.eventTime);
  return since > SAME_COMPLETION_MINUTES * 60_000;
}

/** One downstream job of the re-delivered upstream, as it is now. */
export interface LateDependent {
  readonly job: string;
  readonly onLateUpstream: OnLateUpstream;
  /** Its run for the date; undefined when it has none yet (PENDING). */
  readonly run?: Pick<Run, 'state' | 'attempt'>;
  /** Its transitive downstream jobs (a rerun re-runs them too). */
  readonly downstream: readonly string[];
}

export type LateAction =
  | { readonly job: string; readonly action: 'alert'; readonly state: RunState; readonly attempt: number }
  | { readonly job: string; readonly action: 'rerun'; readonly state: RunState; readonly attempt: number };

/**
 * What to do per direct downstream job. A run still waiting (PENDING, WAITING,
 * WAITING_FOR_CLUSTER) needs nothing: it will read the new data when it runs.
 * A run that started or ended gets its job's setting. A job that lies in the
 * downstream chain of another job being re-run is re-run by that chain, so it
 * gets no action of its own (two replays of one run would refuse each other).
 */
export function planLateData(dependents: readonly LateDependent[]): LateAction[] {
  const affected = dependents.filter((d) => d.run !== undefined && !WAITING_STATES.includes(d.run.state));
  const rerunChains = new Set(affected.filter((d) => d.onLateUpstream === 'rerun').flatMap((d) => d.downstream));
  const actions: LateAction[] = [];
  for (const d of affected) {
    const run = d.run as Pick<Run, 'state' | 'attempt'>;
    if (d.onLateUpstream === 'ignore' || rerunChains.has(d.job)) continue;
    actions.push({ job: d.job, action: d.onLateUpstream, state: run.state, attempt: run.attempt });
  }
  return actions;
}
