import type { Dag } from '../domain/config/dag';
import type { RunDate } from '../domain/run-date';
import type { ShadowDecision } from '../domain/runs/shadow';
import { RunState } from '../domain/runs/states';
import type { RunStore } from '../ports/run-store';
import { type JobOverrides, simulatedOutcome } from './job-behaviour';
import type { MarkerWriter } from './marker-writer';
import type { Timeline } from './timeline';

const MINUTE = 60_000;

/**
 * The scheduler a team migrates from, as `rsched simulate` and `rsched dev`
 * play it for shadow jobs (docs/shadow.md#simulation). In production a shadow
 * job's marker comes from the old system; here something must write it. This
 * old system is an ideal one: it starts the job at the very moment we decided
 * to (so a simulated shadow day shows no disagreement unless a flag makes
 * one), runs it for the job's simulated duration, and writes the marker — a
 * `.failed` with `--fail`, nothing with `--hang` — with `meta.startedAt`, as a
 * well-instrumented old job would.
 *
 * It watches the run store the handlers use: each shadow decision written
 * (a transition into SHADOW_SUBMITTED that the store applied) starts one run
 * of the old job. The store's own guards make that once per attempt.
 */
export function withOldScheduler(
  store: RunStore,
  opts: { dag: Dag; timeline: Timeline; markers: MarkerWriter; overrides: JobOverrides },
): RunStore {
  const started = (decision: ShadowDecision, job: string, date: RunDate) => {
    const spec = opts.dag.jobs.get(job);
    if (!spec) return;
    const outcome = simulatedOutcome(spec, opts.overrides);
    const result = outcome.result;
    if (result === 'hang') return;
    const at = new Date(Date.parse(decision.at) + outcome.durationMinutes * MINUTE);
    opts.timeline.schedule(at, `old scheduler ${job}`, async () => {
      const failure = result === 'failed' ? { error: 'simulated failure (--fail)' } : {};
      const meta = { startedAt: decision.at, by: 'old scheduler (simulated)', ...failure };
      await opts.markers.write(job, date, result, JSON.stringify({ meta }));
    });
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== 'transition' || typeof value !== 'function') return value;
      const transition: RunStore['transition'] = async (t) => {
        const result = await value.call(target, t);
        if (result.ok && t.to === RunState.SHADOW_SUBMITTED && result.run.shadow) started(result.run.shadow, t.key.job, t.key.date);
        return result;
      };
      return transition;
    },
  });
}
