import type { Dag } from '../domain/config/dag';
import type { RunDate } from '../domain/run-date';
import { atHour } from '../domain/run-hour';
import type { Run } from '../domain/runs/run';
import type { RunStore } from '../ports/run-store';

/**
 * Every run of a day: the daily runs (one Query of the byDate index) and the
 * hourly runs of its 24 UTC hours (docs/hourly.md), one Query per hourly job
 * on the job's own partition (`YYYY-MM-DDT00` to `T23`), so the table's key
 * design does not change.
 */
export async function listDay(
  deps: { store: Pick<RunStore, 'listByDate' | 'listByJob'>; dag: Pick<Dag, 'index'> },
  date: RunDate,
): Promise<Run[]> {
  // From the index: a Lambda reads no job body for this (config/bundle.ts).
  const hourly = [...deps.dag.index.values()].filter((j) => j.granularity === 'hourly');
  const [daily, ...hours] = await Promise.all([
    deps.store.listByDate(date),
    ...hourly.map((j) => deps.store.listByJob(j.name, atHour(date, '00'), atHour(date, '23'))),
  ]);
  return [...(daily ?? []), ...hours.flat()];
}
