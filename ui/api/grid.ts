import { whyNotOn } from '../../lambdas/domain/calendar';
import type { Dag } from '../../lambdas/domain/config/dag';
import type { RunDate } from '../../lambdas/domain/run-date';
import { isHourPeriod } from '../../lambdas/domain/run-hour';
import { dayStateOfHours, hoursSucceeded } from '../../lambdas/domain/runs/hours-of-day';
import { RunState } from '../../lambdas/domain/runs/states';
import { listDay } from '../../lambdas/engine/day-runs';
import type { RunStore } from '../../lambdas/ports/run-store';

/** One cell of the grid: a run's state on a date (PENDING when it has no run yet; SKIPPED when its calendar excludes the date). */
export interface GridCell {
  readonly state: string;
  readonly attempt: number;
  readonly reason?: string;
  readonly manual?: boolean;
  /** Hourly jobs (docs/hourly.md#status): how many of the day's 24 UTC hours SUCCEEDED; `state` is the day rolled up. */
  readonly hoursDone?: number;
}

/** Jobs × run dates, the view an Airflow user lives in (docs/ui.md, "Grid"). */
export interface RunGrid {
  readonly dates: readonly RunDate[];
  /** In the DAG's topological order, so upstreams come first. */
  readonly jobs: readonly { readonly name: string; readonly cells: Readonly<Record<string, GridCell>> }[];
}

/** The states of every job on each of `dates`: one read of the store per date (and per hourly job). */
export async function runGrid(dag: Dag, store: RunStore, dates: readonly RunDate[]): Promise<RunGrid> {
  const cells = new Map<string, Record<string, GridCell>>(dag.topologicalOrder.map((name) => [name, {}]));
  const days = await Promise.all(dates.map((date) => listDay({ store, dag }, date)));
  for (const [i, runs] of days.entries()) {
    const date = dates[i] as RunDate;
    const hourStates = new Map<string, Map<string, RunState>>();
    for (const run of runs) {
      if (!isHourPeriod(run.date)) continue;
      const states = hourStates.get(run.job) ?? new Map<string, RunState>();
      states.set(run.date, run.state);
      hourStates.set(run.job, states);
    }
    for (const [job, states] of hourStates) {
      const row = cells.get(job);
      if (row) row[date] = { state: dayStateOfHours(states), attempt: 0, hoursDone: hoursSucceeded(states) };
    }
    for (const run of runs) {
      if (isHourPeriod(run.date)) continue;
      const row = cells.get(run.job);
      if (!row) continue; // a job no longer in the config
      row[run.date] = {
        state: run.state,
        attempt: run.attempt,
        ...(run.reason ? { reason: run.reason } : {}),
        ...(run.manual ? { manual: true } : {}),
      };
    }
  }
  for (const [name, row] of cells) {
    const job = dag.jobs.get(name);
    for (const date of dates) {
      // No run on a date its calendar excludes: SKIPPED, with why (docs/calendars.md), not pending.
      const notOn = job && whyNotOn(job.calendar, date);
      row[date] ??= notOn ? { state: RunState.SKIPPED, attempt: 0, reason: notOn } : { state: RunState.PENDING, attempt: 0 };
    }
  }
  return { dates, jobs: dag.topologicalOrder.map((name) => ({ name, cells: cells.get(name) ?? {} })) };
}
