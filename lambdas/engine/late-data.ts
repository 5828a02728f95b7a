import { AlertKind, lateDataText } from '../domain/alerts';
import { runsOn } from '../domain/calendar';
import { jobOf } from '../domain/config/dag';
import { type LateAction, planLateData } from '../domain/late-data';
import { downstreamClosure } from '../domain/lineage';
import type { MarkerBody, MarkerKey } from '../domain/markers';
import type { Run } from '../domain/runs/run';
import { recordRedelivery } from '../domain/runs/transitions';
import { raiseAlert } from './alerting';
import type { EngineDeps } from './deps';
import { OperationRefusedError } from './operations/errors';
import { replay } from './operations/replay';

/**
 * A newer `.done` for a SUCCEEDED run: the upstream re-delivered its data
 * (docs/markers.md#late-data-onlateupstream). The new sequencer is recorded on
 * the run first, under the condition that it is newer than the recorded one:
 * of any number of deliveries of the marker, duplicate or concurrent, exactly
 * one makes that write, and only that one acts on the downstream runs.
 */
export async function onRedelivery(
  deps: EngineDeps,
  run: Run,
  marker: MarkerKey,
  body: MarkerBody,
  event: { readonly sequencer: string; readonly versionId?: string },
): Promise<boolean> {
  const recorded = await deps.store.transition(
    recordRedelivery(run, {
      marker: { key: marker.key, versionId: event.versionId, sequencer: event.sequencer },
      params: body.params,
      meta: body.meta,
      at: deps.clock.now().toISOString(),
      by: 'scheduler',
    }),
  );
  if (!recorded.ok) return false;
  const upstream = jobOf(deps.dag, run.job);
  // A dependent whose calendar excludes the date was SKIPPED: new data of the day does not concern it (docs/calendars.md).
  const dependents = upstream.dependents.filter((name) => runsOn(jobOf(deps.dag, name), run.date));
  const runs = await deps.store.getMany(dependents.map((job) => ({ job, date: run.date })));
  const byJob = new Map(runs.map((r) => [r.job, r]));
  const actions = planLateData(
    dependents.map((name) => ({
      job: name,
      onLateUpstream: jobOf(deps.dag, name).onLateUpstream,
      run: byJob.get(name),
      downstream: downstreamClosure(deps.dag, name),
    })),
  );
  for (const action of actions) await act(deps, run, action, event.sequencer);
  deps.log.info('late data', { job: run.job, date: run.date, key: marker.key, actions: actions.map((a) => `${a.job}:${a.action}`) });
  return true;
}

async function act(deps: EngineDeps, upstream: Run, action: LateAction, sequencer: string): Promise<void> {
  let notRerun: string | undefined;
  if (action.action === 'rerun') {
    try {
      // Exactly `rsched replay JOB --date D --downstream`, with its guards (nothing in flight).
      await replay(deps, {
        job: action.job,
        date: upstream.date,
        downstream: true,
        by: 'scheduler',
        label: `late data from ${upstream.job}`,
      });
      return;
    } catch (err) {
      // Refused by replay's guards, or failed on the way: the sequencer is recorded, so a retried
      // event would not try again; the alert is what is left to say it did not happen.
      notRerun = err instanceof OperationRefusedError ? err.message : `starting it failed (${(err as Error).message})`;
      if (!(err instanceof OperationRefusedError))
        deps.log.warn('late-data rerun failed', { job: action.job, date: upstream.date, error: String(err) });
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
}
