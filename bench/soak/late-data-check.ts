import { AlertKind, type AlertRecord } from '../../lambdas/domain/alerts';
import type { Dag } from '../../lambdas/domain/config/dag';
import { downstreamClosure } from '../../lambdas/domain/lineage';
import type { Run } from '../../lambdas/domain/runs/run';

/**
 * The soak's late-data check (docs/markers.md#late-data-onlateupstream): in a
 * share of the trials, once the day is quiet, one SUCCEEDED upstream writes a
 * newer `.done` (delivered 1-5 times, shuffled, with a retried write of it
 * beside). Afterwards, per direct dependent of that upstream, by its
 * `onLateUpstream`:
 *
 * - `alert`: exactly one LATE_DATA about that upstream;
 * - `rerun`: exactly one rerun (an attempt started "late data from <upstream>"),
 *   or — when its chain was in flight by then — exactly one LATE_DATA saying
 *   it was not re-run; never both, never two;
 * - `ignore`, or a job re-run by the chain of another dependent: neither.
 */

export interface LateDataInput {
  /** The re-delivered upstream. */
  readonly upstream: string;
  /** Its direct dependents that had a run when the newer marker was written. */
  readonly dependents: readonly string[];
}

export interface LateDataVerdict {
  /** Dependents judged. */
  readonly checked: number;
  /** Dependents whose action was missing, doubled, or there when none was due. */
  readonly wrong: number;
}

export function checkLateData(dag: Dag, late: LateDataInput, runs: readonly Run[], alerts: readonly AlertRecord[]): LateDataVerdict {
  const byJob = new Map(runs.map((r) => [r.job, r]));
  const setting = (job: string) => dag.jobs.get(job)?.onLateUpstream ?? 'alert';
  const rerunChains = new Set(late.dependents.filter((d) => setting(d) === 'rerun').flatMap((d) => downstreamClosure(dag, d)));
  let wrong = 0;
  for (const job of late.dependents) {
    const reruns = (byJob.get(job)?.history ?? []).filter((e) => e.why === `late data from ${late.upstream}`).length;
    const lateAlerts = alerts.filter(
      (a) => a.kind === AlertKind.LATE_DATA && a.job === job && a.subject?.startsWith(`${late.upstream}#`),
    ).length;
    const own = rerunChains.has(job) ? 'ignore' : setting(job);
    const ok =
      own === 'ignore' ? reruns + lateAlerts === 0 : own === 'alert' ? reruns === 0 && lateAlerts === 1 : reruns + lateAlerts === 1;
    if (!ok) {
      wrong++;
      if (process.env.SOAK_DEBUG)
        console.error(
          'late data',
          JSON.stringify(
            {
              upstream: late.upstream,
              job,
              own,
              reruns,
              lateAlerts,
              run: byJob.get(job),
              up: byJob.get(late.upstream),
              alerts: alerts.filter((a) => a.job === job),
            },
            null,
            1,
          ),
        );
    }
  }
  return { checked: late.dependents.length, wrong };
}
