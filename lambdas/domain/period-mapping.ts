import type { Dag, Job } from './config/dag';
import type { RunDate } from './run-date';
import { atHour, dayOf, hourOf, hoursOf, isHourPeriod, periodEnd } from './run-hour';

/**
 * How the runs of jobs of different granularity depend on each other
 * (docs/hourly.md#dependency-mappings). Modelled on Dagster's partition
 * mappings ("Defining dependencies between partitioned assets",
 * https://docs.dagster.io/guides/build/partitions-and-backfills/defining-dependencies-between-partitioned-assets):
 * same granularity is
 * Dagster's identity mapping; an hourly job under a daily one is a
 * TimeWindowPartitionMapping (each hour of day D needs day D); a daily job over
 * an hourly one is a TimeWindowPartitionMapping (`all`: the 24 hours of D) or
 * a LastPartitionMapping restricted to the day (`last`: hour 23 of D).
 *
 *   upstream \ downstream   daily run D                     hourly run DTHH
 *   daily    run D          D                               D (every hour of D waits for it)
 *   hourly   run DTHH       all: DT00..DT23 / last: DT23     the same hour DTHH
 *
 * Each link names the entry it adds to the downstream run's done set: the
 * upstream's name, or `<upstream>@HH` for one hour of an `all` dependency, so
 * that readiness stays "every expected entry is in the done set" (one rule,
 * transitions.ts missingUpstreams) and a duplicate hour is a no-op of the
 * store's conditional ADD.
 */

/** How a daily job depends on an hourly upstream. */
export const HOURLY_DEPENDENCIES = ['all', 'last'] as const;
export type HourlyDependency = (typeof HOURLY_DEPENDENCIES)[number];

/** One upstream run a run waits for, and the done-set entry its success adds. */
export interface UpstreamLink {
  readonly upstream: string;
  readonly date: RunDate;
  readonly entry: string;
}

/** One downstream run that an upstream run's outcome reaches, and the entry it adds there. */
export interface DownstreamLink {
  readonly job: string;
  readonly date: RunDate;
  readonly entry: string;
}

type Jobs = Pick<Dag, 'jobs'>;

function jobNamed(dag: Jobs, name: string): Job | undefined {
  return dag.jobs.get(name);
}

/** The done-set entry of one hour of an `all` dependency. */
export function hourEntry(upstream: string, hh: string): string {
  return `${upstream}@${hh}`;
}

/** The upstream runs that the run (`job`, `date`) waits for, each with its done-set entry. */
export function upstreamLinks(dag: Jobs, job: Job, date: RunDate): UpstreamLink[] {
  const links: UpstreamLink[] = [];
  for (const name of job.dependsOn) {
    const upstream = jobNamed(dag, name);
    const hourlyUp = upstream?.granularity === 'hourly';
    if (job.granularity === 'hourly' && !hourlyUp) links.push({ upstream: name, date: dayOf(date), entry: name });
    else if (job.granularity === 'daily' && hourlyUp) {
      if (job.hourlyDependency[name] === 'last') links.push({ upstream: name, date: atHour(date, '23'), entry: name });
      else for (const hour of hoursOf(date)) links.push({ upstream: name, date: hour, entry: hourEntry(name, hourOf(hour) as string) });
    } else links.push({ upstream: name, date, entry: name });
  }
  return links;
}

/** Every done-set entry the run of `job` waits for. */
export function expectedEntries(dag: Jobs, job: Job, date: RunDate): string[] {
  return upstreamLinks(dag, job, date).map((l) => l.entry);
}

/** The downstream runs that the outcome of run (`job`, `date`) reaches, each with the entry it adds. */
export function downstreamLinks(dag: Jobs, job: Job, date: RunDate): DownstreamLink[] {
  const links: DownstreamLink[] = [];
  const hourly = job.granularity === 'hourly';
  for (const name of job.dependents) {
    const child = jobNamed(dag, name);
    if (!child) continue;
    if (child.granularity === 'hourly' && !hourly) {
      for (const hour of hoursOf(date)) links.push({ job: name, date: hour, entry: job.name });
    } else if (child.granularity === 'daily' && hourly) {
      const hh = hourOf(date) as string;
      if (child.hourlyDependency[job.name] === 'last') {
        if (hh === '23') links.push({ job: name, date: dayOf(date), entry: job.name });
      } else links.push({ job: name, date: dayOf(date), entry: hourEntry(job.name, hh) });
    } else links.push({ job: name, date, entry: job.name });
  }
  return links;
}

/**
 * When the run's wait for its upstreams times out. The wait starts at `now`
 * (the first upstream success) as for any run, but never before the last
 * hourly upstream period a daily run waits for has ended: a daily run waiting
 * for the 24 hours of its day would otherwise time out in the middle of the day.
 */
export function waitDeadline(dag: Jobs, job: Job, date: RunDate, now: Date): Date {
  let start = now.getTime();
  for (const link of upstreamLinks(dag, job, date)) {
    if (isHourPeriod(link.date) && !isHourPeriod(date)) start = Math.max(start, periodEnd(link.date).getTime());
  }
  return new Date(start + job.timeoutMinutes * 60_000);
}

/**
 * Why a marker's period does not fit its job, or undefined: an hourly job's
 * markers name an hour (`YYYYMMDDHH`), a daily job's a day (`YYYYMMDD`).
 */
export function periodProblem(job: Pick<Job, 'name' | 'granularity'>, date: RunDate): string | undefined {
  if (job.granularity === 'hourly' && !isHourPeriod(date)) {
    return `${job.name} is an hourly job: its markers name an hour, ${job.name}__YYYYMMDDHH, not a day`;
  }
  if (job.granularity === 'daily' && isHourPeriod(date)) {
    return `${job.name} is a daily job: its markers name a day, ${job.name}__YYYYMMDD, not an hour (set "granularity": "hourly" for hourly runs)`;
  }
  return undefined;
}

/** One run of a downstream closure, with the done-set entries it must get again from runs of the closure. */
export interface ClosureRun {
  readonly job: string;
  readonly date: RunDate;
  readonly waitsFor: readonly string[];
}

/**
 * Every run downstream of run (`job`, `date`), transitively, across
 * granularities (an hour reaches the day of a daily job; a day, the 24 hours of
 * an hourly job), in topological order of the jobs and then by period. Each
 * carries the entries it waits for from runs inside the closure: what a replay
 * with `--downstream` makes it wait for again.
 */
export function downstreamRunClosure(dag: Pick<Dag, 'jobs' | 'topologicalOrder'>, job: string, date: RunDate): ClosureRun[] {
  const id = (j: string, d: string) => `${j} ${d}`;
  const inClosure = new Set<string>([id(job, date)]);
  const found: { job: string; date: RunDate }[] = [];
  const queue = [{ job, date }];
  while (queue.length > 0) {
    const run = queue.shift() as { job: string; date: RunDate };
    const upstream = dag.jobs.get(run.job);
    if (!upstream) continue;
    for (const link of downstreamLinks(dag, upstream, run.date)) {
      if (inClosure.has(id(link.job, link.date))) continue;
      inClosure.add(id(link.job, link.date));
      found.push({ job: link.job, date: link.date });
      queue.push({ job: link.job, date: link.date });
    }
  }
  const order = new Map(dag.topologicalOrder.map((name, i) => [name, i]));
  found.sort((a, b) => (order.get(a.job) ?? 0) - (order.get(b.job) ?? 0) || a.date.localeCompare(b.date));
  return found.map((run) => ({
    ...run,
    waitsFor: upstreamLinks(dag, dag.jobs.get(run.job) as Job, run.date)
      .filter((l) => inClosure.has(id(l.upstream, l.date)))
      .map((l) => l.entry),
  }));
}
