import { AlertKind, lateDataText } from '../domain/alerts';
import { runsOn } from '../domain/calendar';
import { jobOf } from '../domain/config/dag';
import { isRedelivery, type LateAction, planLateData } from '../domain/late-data';
import { downstreamClosure } from '../domain/lineage';
import type { MarkerBody, MarkerKey } from '../domain/markers';
import type { Actor, Run } from '../domain/runs/run';
import { finishLateData, moveDue, recordRedelivery } from '../domain/runs/transitions';
import { addMinutes } from '../ports/clock';
import { raiseAlert } from './alerting';
import type { EngineDeps } from './deps';
import { OperationRefusedError } from './operations/errors';
import { replay } from './operations/replay';
import { takeRerunSlot } from './rerun-slots';

/** A rerun over the cap (`maxConcurrentReruns`) is tried again by the sweeper this much later. */
export const RERUN_DEFER_MINUTES = 2;

/**
 * A newer `.done` for a SUCCEEDED run: the upstream re-delivered its data
 * (docs/markers.md#late-data-onlateupstream). The new sequencer is recorded on
 * the run first, under the condition that it is newer than the recorded one
 * and that the recorded one is still the one it was judged against: of any
 * number of deliveries of the marker, duplicate or concurrent, exactly one
 * makes that write, and only that one acts on the downstream runs; a retried
 * write of the same marker, handled at the same time, is judged against it. The
 * same write records the actions as pending (lateSeq) with a due time, so a
 * handler that dies before it has acted leaves them to the sweeper
 * (resumeLateData); the plan drops what was already done.
 */
export async function onRedelivery(
  deps: EngineDeps,
  run: Run,
  marker: MarkerKey,
  body: MarkerBody,
  event: { readonly sequencer: string; readonly versionId?: string; readonly eventTime: string },
): Promise<boolean> {
  const now = deps.clock.now();
  const hasDependents = jobOf(deps.dag, run.job).dependents.length > 0;
  const done = { sequencer: event.sequencer, eventTime: event.eventTime, attempt: body.attempt, params: body.params, meta: body.meta };
  let judged = run;
  let recorded: Run | undefined;
  // The write holds only if the run's last .done is still the one this marker was judged against. A
  // concurrent handler may have recorded another (this marker's own first write, whose retry this is):
  // then the marker is judged again against that one. Each lost try means another newer .done was recorded.
  for (let tries = 0; tries < 3 && !recorded; tries++) {
    const result = await deps.store.transition(
      recordRedelivery(judged, {
        marker: { key: marker.key, versionId: event.versionId, sequencer: event.sequencer, writtenAt: event.eventTime },
        params: body.params,
        meta: body.meta,
        dueAt: hasDependents ? addMinutes(now, deps.tuning.claimLeaseMinutes).toISOString() : undefined,
        at: now.toISOString(),
        by: 'scheduler',
      }),
    );
    if (result.ok) recorded = result.run;
    else if (result.current && isRedelivery(result.current, done)) judged = result.current;
    else return false;
  }
  if (!recorded) return false;
  if (!hasDependents) return true;
  try {
    await resumeLateData(deps, recorded, 'scheduler');
  } catch (err) {
    // Still pending and due: the sweeper carries it out (a rerun that failed on the way is tried again there).
    deps.log.warn('late-data actions left to the sweeper', { job: run.job, date: run.date, error: String(err) });
  }
  return true;
}

/**
 * Carries out the pending late-data actions of an upstream run (the handler
 * right after recording them, or the sweeper when they are due). Safe to run
 * again: an alert is raised once per (run, upstream, marker), and a dependent
 * whose attempt started after the re-delivery was recorded gets nothing. A
 * rerun over the cap leaves the actions pending, due again in
 * RERUN_DEFER_MINUTES.
 */
export async function resumeLateData(deps: EngineDeps, upstream: Run, by: Actor): Promise<'done' | 'deferred' | 'none'> {
  const sequencer = upstream.lateSeq;
  if (sequencer === undefined) return 'none';
  // A dependent whose calendar excludes the date was SKIPPED: new data of the day does not concern it (docs/calendars.md).
  const dependents = jobOf(deps.dag, upstream.job).dependents.filter((name) => runsOn(jobOf(deps.dag, name), upstream.date));
  const runs = await deps.store.getMany(dependents.map((name) => ({ job: name, date: upstream.date })));
  const byJob = new Map(runs.map((r) => [r.job, r]));
  const actions = planLateData(
    dependents.map((name) => ({
      job: name,
      onLateUpstream: jobOf(deps.dag, name).onLateUpstream,
      run: byJob.get(name),
      downstream: downstreamClosure(deps.dag, name),
    })),
    upstream.lateSince ?? upstream.finishedAt ?? '',
  );
  const deferred: string[] = [];
  for (const action of actions) if ((await act(deps, upstream, action, sequencer, by)) === 'deferred') deferred.push(action.job);
  const now = deps.clock.now();
  if (deferred.length > 0) {
    await deps.store.transition(
      moveDue(upstream, {
        at: now.toISOString(),
        by,
        dueAt: addMinutes(now, RERUN_DEFER_MINUTES).toISOString(),
        why: `late-data rerun of ${deferred.join(', ')} deferred: maxConcurrentReruns=${deps.dag.maxConcurrentReruns} reruns running`,
      }),
    );
  } else {
    await deps.store.transition(finishLateData(upstream, { sequencer, at: now.toISOString(), by }));
  }
  deps.log.info('late data', {
    job: upstream.job,
    date: upstream.date,
    sequencer,
    actions: actions.map((a) => `${a.job}:${a.action}`),
    deferred,
  });
  return deferred.length > 0 ? 'deferred' : 'done';
}

async function act(deps: EngineDeps, upstream: Run, action: LateAction, sequencer: string, by: Actor): Promise<'done' | 'deferred'> {
  let notRerun: string | undefined;
  if (action.action === 'rerun') {
    const slot = await takeRerunSlot(deps, { job: action.job, date: upstream.date }, action.attempt + 1);
    if (!slot) return 'deferred';
    try {
      // Exactly `rsched replay JOB --date D --downstream`, with its guards (nothing in flight).
      await replay(deps, {
        job: action.job,
        date: upstream.date,
        downstream: true,
        by,
        label: `late data from ${upstream.job}`,
      });
      return 'done';
    } catch (err) {
      // Anything but a refusal (the store failing past its retries) is thrown: the actions stay pending,
      // and the slot stays with the attempt it may have started (it lapses if none was).
      if (!(err instanceof OperationRefusedError)) throw err;
      await slot.release();
      notRerun = err.message;
    }
  }
  await raiseAlert(deps, {
    kind: AlertKind.LATE_DATA,
    job: action.job,
    date: upstream.date,
    attempt: action.attempt,
    // Once per (run, upstream, marker): a later re-delivery alerts again.
    subject: `${upstream.job}#${sequencer}`,
    ...lateDataText(action.job, upstream.date, upstream.job, action.state, notRerun),
  });
  return 'done';
}
