import { type Calendar, WEEKDAYS } from '../calendar';
import { isCompletionService } from '../completion/terminal-states';
import type { HourlyDependency } from '../period-mapping';
import type { NamedCalendarSpec } from './parse';
import { poolOf } from './pool';
import type { ClusterSpec, Defaults, JobSpec, MarkerRules, OnLateUpstream, ParamRule, Target } from './schema';

/** Built-in values for what neither a job nor `defaults` sets. */
export const BUILTIN_DEFAULTS = {
  timezone: 'UTC',
  schedule: '0 0 * * *',
  /** Hourly roots start at the top of every UTC hour. */
  hourlySchedule: '0 * * * *',
  timeoutMinutes: 120,
  retries: 0,
  retryDelayMinutes: 5,
  onLateUpstream: 'alert',
  maxConcurrentReruns: 5,
  simulationDurationMinutes: 5,
  simulationArrivesAt: '00:00',
  provisionMinutes: 8,
} as const;

/** A job with every default applied and its edges in both directions. */
export interface Job {
  readonly name: string;
  readonly file: string;
  readonly description?: string;
  readonly owner?: string;
  readonly dependsOn: readonly string[];
  /** Direct downstream jobs, in name order. */
  readonly dependents: readonly string[];
  /** Effective start cron for root jobs that are submitted; undefined otherwise. */
  readonly schedule?: string;
  readonly timezone: string;
  readonly timeoutMinutes: number;
  readonly maxRuntimeMinutes?: number;
  readonly retries: number;
  readonly retryDelayMinutes: number;
  /** What this job does when one of its upstreams re-delivers a run date it already succeeded (docs/markers.md#late-data-onlateupstream). */
  readonly onLateUpstream: OnLateUpstream;
  readonly expectedBy?: string;
  /** Earliest submission, "HH:MM" or "+Nd HH:MM" in `timezone` (docs/scheduling.md#time-gates-notbefore). */
  readonly notBefore?: string;
  readonly target: Target;
  /** The pool whose live cluster the run needs, if any. */
  readonly pool?: string;
  readonly simulation: { readonly durationMinutes: number; readonly arrivesAt: string };
  /** Declared rules for the marker params this job accepts (undeclared ones get the strict default). */
  readonly params: Readonly<Record<string, ParamRule>>;
  /** Where its markers must be written, and by whom. */
  readonly markers: MarkerRules;
  /** `shadow`: everything but the submit call, recorded as a shadow decision (docs/shadow.md). */
  readonly mode: JobMode;
  /**
   * Who writes its marker: 'events' — the scheduler, from the service's
   * state-change event or a status poll (docs/completion.md) — or 'marker',
   * the job itself.
   */
  readonly completion: 'events' | 'marker';
  /** The run dates it runs on (docs/calendars.md); absent: every day. Ask `runsOn` (domain/calendar.ts). */
  readonly calendar?: Calendar;
  /** `daily`: a run per day; `hourly`: a run per UTC hour (docs/hourly.md). */
  readonly granularity: Granularity;
  /** For a daily job, how it depends on each of its hourly upstreams (default `all`); empty otherwise. */
  readonly hourlyDependency: Readonly<Record<string, HourlyDependency>>;
}

export type Granularity = 'daily' | 'hourly';

/**
 * `completion` of a job: as declared, else 'events' for targets whose end AWS
 * announces (docs/completion.md) and 'marker' for the rest (external, datapipeline).
 */
export function completionOf(spec: Pick<JobSpec, 'completion'> & { readonly target: { readonly type: string } }): 'events' | 'marker' {
  return spec.completion ?? (isCompletionService(spec.target.type) ? 'events' : 'marker');
}

export type JobMode = 'live' | 'shadow';

export interface Cluster extends Omit<ClusterSpec, 'timezone' | 'simulation'> {
  readonly file: string;
  readonly timezone: string;
  readonly simulation: { readonly provisionMinutes: number };
}

/**
 * The fields of a job that code walking every job reads: the graph's edges,
 * root schedules and expectedBy deadlines (the sweeper's catch-up and late
 * checks, lineage). A Lambda loads these for all jobs at cold start and the
 * rest of a job only when an event reaches it (bundle.ts, issue 16).
 */
export const JOB_INDEX_FIELDS = [
  'name',
  'dependsOn',
  'dependents',
  'schedule',
  'timezone',
  'expectedBy',
  'granularity',
  'calendar',
] as const;

export type JobIndexEntry = Pick<Job, (typeof JOB_INDEX_FIELDS)[number]>;

/**
 * The resolved DAG: what the scheduler, the CLI, the simulator and CDK use.
 * Lookups are maps so that per-event work does not depend on the DAG's size.
 */
export interface Dag {
  /**
   * Every job in full. Loaded from the compiled config, a job is parsed when
   * first read (`get`); iterating `values()` parses them all: code that visits
   * every job walks `index` and looks up only the jobs it acts on.
   */
  readonly jobs: ReadonlyMap<string, Job>;
  /** Every job's JOB_INDEX_FIELDS, without the rest of the job (also built on first read in a Lambda). */
  readonly index: ReadonlyMap<string, JobIndexEntry>;
  /** The jobs with a `schedule` (submitted roots): the sweeper's catch-up visits these every minute, not every job. */
  readonly scheduledRoots: readonly string[];
  /** The jobs with an `expectedBy`: the sweeper's late checks visit these every minute, not every job. */
  readonly withExpectedBy: readonly string[];
  readonly clusters: ReadonlyMap<string, Cluster>;
  /** Clusters that serve each pool, in name order. */
  readonly clustersByPool: ReadonlyMap<string, readonly Cluster[]>;
  /** Job names, every job after all of its upstreams. */
  readonly topologicalOrder: readonly string[];
  /** Late-data reruns running at once, across the DAG (docs/markers.md#late-data-onlateupstream). */
  readonly maxConcurrentReruns: number;
}

export function mergeDefaults(all: readonly Defaults[]): Defaults {
  return Object.assign({}, ...all) as Defaults;
}

/** A calendar as jobs carry it: weekdays in week order (all seven by default), dates sorted. */
export function resolveCalendar(spec: NamedCalendarSpec): Calendar {
  const weekdays = spec.weekdays ?? WEEKDAYS;
  return {
    name: spec.name,
    weekdays: WEEKDAYS.filter((d) => weekdays.includes(d)),
    exclude: [...new Set(spec.exclude)].sort(),
    include: [...new Set(spec.include)].sort(),
  };
}

function resolveJob(
  spec: JobSpec,
  file: string,
  defaults: Defaults,
  dependents: readonly string[],
  calendars: ReadonlyMap<string, Calendar>,
  granularityOf: (name: string) => Granularity,
): Job {
  const isRoot = spec.dependsOn.length === 0;
  const submitted = spec.target.type !== 'external';
  const granularity = spec.granularity ?? 'daily';
  const defaultSchedule = granularity === 'hourly' ? BUILTIN_DEFAULTS.hourlySchedule : (defaults.schedule ?? BUILTIN_DEFAULTS.schedule);
  const schedule = isRoot && submitted ? (spec.schedule ?? defaultSchedule) : undefined;
  const hourlyDependency: Record<string, HourlyDependency> = {};
  if (granularity === 'daily') {
    for (const upstream of spec.dependsOn) {
      if (granularityOf(upstream) === 'hourly') hourlyDependency[upstream] = spec.hourlyDependency?.[upstream] ?? 'all';
    }
  }
  return {
    name: spec.name,
    file,
    description: spec.description,
    owner: spec.owner,
    dependsOn: spec.dependsOn,
    dependents,
    schedule,
    // Hours are UTC hours (docs/hourly.md): an hourly job's schedule and deadlines are read in UTC.
    timezone: granularity === 'hourly' ? 'UTC' : (spec.timezone ?? defaults.timezone ?? BUILTIN_DEFAULTS.timezone),
    timeoutMinutes: spec.timeoutMinutes ?? defaults.timeoutMinutes ?? BUILTIN_DEFAULTS.timeoutMinutes,
    maxRuntimeMinutes: spec.maxRuntimeMinutes ?? defaults.maxRuntimeMinutes,
    retries: spec.retries ?? defaults.retries ?? BUILTIN_DEFAULTS.retries,
    retryDelayMinutes: spec.retryDelayMinutes ?? defaults.retryDelayMinutes ?? BUILTIN_DEFAULTS.retryDelayMinutes,
    onLateUpstream: spec.onLateUpstream ?? defaults.onLateUpstream ?? BUILTIN_DEFAULTS.onLateUpstream,
    expectedBy: spec.expectedBy,
    notBefore: spec.notBefore,
    target: spec.target,
    pool: poolOf(spec.target),
    simulation: {
      durationMinutes: spec.simulation?.durationMinutes ?? BUILTIN_DEFAULTS.simulationDurationMinutes,
      arrivesAt: spec.simulation?.arrivesAt ?? BUILTIN_DEFAULTS.simulationArrivesAt,
    },
    params: spec.params ?? {},
    markers: spec.markers ?? {},
    mode: spec.mode ?? defaults.mode ?? 'live',
    completion: completionOf(spec),
    ...(spec.calendar !== undefined ? { calendar: calendars.get(spec.calendar) } : {}),
    granularity,
    hourlyDependency,
  };
}

/** Kahn's algorithm; ties broken by name so the order is stable. Assumes no cycles. */
function topologicalOrder(jobs: ReadonlyMap<string, Job>): string[] {
  const remaining = new Map([...jobs.values()].map((j) => [j.name, j.dependsOn.length]));
  const ready = [...jobs.values()]
    .filter((j) => j.dependsOn.length === 0)
    .map((j) => j.name)
    .sort();
  const order: string[] = [];
  while (ready.length > 0) {
    const name = ready.shift() as string;
    order.push(name);
    for (const child of (jobs.get(name) as Job).dependents) {
      const left = (remaining.get(child) as number) - 1;
      remaining.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  return order;
}

/** Builds the DAG from already validated entities. */
export function buildDag(
  jobs: readonly { value: JobSpec; file: string }[],
  clusters: readonly { value: ClusterSpec; file: string }[],
  defaults: Defaults,
  calendarSpecs: readonly { value: NamedCalendarSpec }[] = [],
): Dag {
  const calendars = new Map(calendarSpecs.map(({ value }) => [value.name, resolveCalendar(value)]));
  const dependents = new Map<string, string[]>(jobs.map((j) => [j.value.name, []]));
  for (const { value } of jobs) for (const dep of value.dependsOn) dependents.get(dep)?.push(value.name);
  for (const list of dependents.values()) list.sort();
  const granularities = new Map(jobs.map(({ value }) => [value.name, value.granularity ?? 'daily']));
  const granularityOf = (name: string): Granularity => granularities.get(name) ?? 'daily';
  const jobMap = new Map(
    jobs.map(({ value, file }) => [
      value.name,
      resolveJob(value, file, defaults, dependents.get(value.name) ?? [], calendars, granularityOf),
    ]),
  );
  const clusterMap = new Map(
    clusters.map(({ value, file }): [string, Cluster] => [
      value.name,
      {
        ...value,
        file,
        timezone: value.timezone ?? defaults.timezone ?? BUILTIN_DEFAULTS.timezone,
        simulation: { provisionMinutes: value.simulation?.provisionMinutes ?? BUILTIN_DEFAULTS.provisionMinutes },
      },
    ]),
  );
  return {
    jobs: jobMap,
    index: jobMap,
    scheduledRoots: [...jobMap.values()].filter((j) => j.schedule !== undefined).map((j) => j.name),
    withExpectedBy: [...jobMap.values()].filter((j) => j.expectedBy !== undefined).map((j) => j.name),
    clusters: clusterMap,
    clustersByPool: clustersByPool(clusterMap),
    topologicalOrder: topologicalOrder(jobMap),
    maxConcurrentReruns: defaults.maxConcurrentReruns ?? BUILTIN_DEFAULTS.maxConcurrentReruns,
  };
}

/** The clusters serving each pool, in name order. */
export function clustersByPool(clusters: ReadonlyMap<string, Cluster>): Map<string, Cluster[]> {
  const byPool = new Map<string, Cluster[]>();
  for (const cluster of [...clusters.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    for (const pool of cluster.pools) {
      const list = byPool.get(pool) ?? [];
      list.push(cluster);
      byPool.set(pool, list);
    }
  }
  return byPool;
}

/** True when the job's runs record shadow decisions instead of calling the target (docs/shadow.md). */
export function isShadow(job: Pick<Job, 'mode' | 'target'>): boolean {
  return job.mode === 'shadow' && job.target.type !== 'external';
}

/** A job the engine reached through the DAG itself (a dependent, a run's job) is missing: the config and the data disagree. */
export class UnknownJobError extends Error {
  override readonly name = 'UnknownJobError';
}

/** The job of that name; throws (instead of casting) when the DAG has none. */
export function jobOf(dag: Dag, name: string): Job {
  const job = dag.jobs.get(name);
  if (!job) throw new UnknownJobError(`job "${name}" is not in the deployed dag-config`);
  return job;
}

/** The index entry of that job (edges, schedule, deadline); throws like jobOf when the DAG has none. */
export function jobIndexOf(dag: Dag, name: string): JobIndexEntry {
  const entry = dag.index.get(name);
  if (!entry) throw new UnknownJobError(`job "${name}" is not in the deployed dag-config`);
  return entry;
}
