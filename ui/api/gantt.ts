import type { Dag } from '../../lambdas/domain/config/dag';
import { addDays, type RunDate } from '../../lambdas/domain/run-date';
import { type AttemptSpan, attemptSpans } from '../../lambdas/domain/runs/attempt-spans';
import type { Run } from '../../lambdas/domain/runs/run';
import type { ClusterReport } from '../../lambdas/engine/report';

/** One run in a lane: its job and every attempt's wait and run. */
export interface GanttRow {
  readonly job: string;
  readonly state: string;
  readonly attempts: readonly AttemptSpan[];
}

/**
 * A lane of the day's Gantt chart (docs/ui.md, "Gantt"): one per cluster
 * (its windows drawn behind its runs), one for the EMR runs of a pool that
 * have no cluster yet, one per other kind of target.
 */
export interface GanttLane {
  readonly key: string;
  readonly label: string;
  readonly kind: 'cluster' | 'pool' | 'target';
  readonly windows: readonly ClusterReport[];
  readonly rows: readonly GanttRow[];
}

export interface Gantt {
  readonly date: RunDate;
  /** The (dev) clock: attempts still open are drawn up to here. */
  readonly now: string;
  /** The time axis: the run date's UTC day, stretched to the ends of the attempts begun in it (36 hours at most) and to the starts before it. */
  readonly from: string;
  readonly to: string;
  readonly lanes: readonly GanttLane[];
}

const TARGET_LANES: Readonly<Record<string, string>> = {
  datapipeline: 'Data Pipeline',
  'emr-serverless': 'EMR Serverless',
  glue: 'Glue',
  stepfunctions: 'Step Functions',
  lambda: 'Lambda',
  external: 'External (markers)',
};

/**
 * The cluster an EMR run is on: its current attempt's, or else the one whose
 * window was open for its pool when an earlier attempt was submitted (a run
 * replayed later waits again with no cluster).
 */
function clusterOf(dag: Dag, run: Run, attempts: readonly AttemptSpan[], windows: readonly ClusterReport[]): string | undefined {
  if (run.clusterName) return run.clusterName;
  const pool = dag.jobs.get(run.job)?.pool;
  const serving = new Set([...dag.clusters.values()].filter((c) => pool && c.pools.includes(pool)).map((c) => c.name));
  for (const a of [...attempts].reverse()) {
    const at = a.submittedAt;
    if (!at) continue;
    const window = windows.find((w) => serving.has(w.name) && w.windowStart <= at && at < (w.terminatedAt ?? w.windowEnd));
    if (window) return window.name;
  }
  return undefined;
}

function laneOf(dag: Dag, run: Run, cluster: string | undefined): { key: string; label: string; kind: GanttLane['kind'] } {
  const job = dag.jobs.get(run.job);
  const type = job?.target.type ?? 'unknown';
  if (type === 'emr-step') {
    if (cluster) return { key: `cluster:${cluster}`, label: cluster, kind: 'cluster' };
    return { key: `pool:${job?.pool}`, label: `pool ${job?.pool} (no cluster yet)`, kind: 'pool' };
  }
  return { key: `target:${type}`, label: TARGET_LANES[type] ?? type, kind: 'target' };
}

const HOUR = 3_600_000;

/** Lanes and rows of one run date, from its runs' histories and the clusters' windows. */
export function ganttOf(dag: Dag, date: RunDate, runs: readonly Run[], windows: readonly ClusterReport[], now: Date): Gantt {
  const lanes = new Map<string, { key: string; label: string; kind: GanttLane['kind']; windows: ClusterReport[]; rows: GanttRow[] }>();
  for (const cluster of dag.clusters.values()) {
    const key = `cluster:${cluster.name}`;
    lanes.set(key, { key, label: cluster.name, kind: 'cluster', windows: windows.filter((w) => w.name === cluster.name), rows: [] });
  }
  const dayStart = Date.parse(`${date}T00:00:00.000Z`);
  const dayEnd = Date.parse(`${addDays(date, 1)}T00:00:00.000Z`);
  let first = dayStart;
  let last = dayEnd;
  for (const run of [...runs].sort((a, b) => a.attemptStartedAt.localeCompare(b.attemptStartedAt))) {
    const attempts = attemptSpans(run);
    if (attempts.length === 0) continue;
    const where = laneOf(dag, run, clusterOf(dag, run, attempts, windows));
    const lane = lanes.get(where.key) ?? { ...where, windows: [], rows: [] };
    lanes.set(where.key, lane);
    lane.rows.push({ job: run.job, state: run.state, attempts });
    for (const a of attempts) {
      first = Math.min(first, Date.parse(a.startedAt));
      // Attempts begun after the day (a replay days later) do not stretch the axis: the chart notes them.
      if (Date.parse(a.startedAt) < dayEnd) last = Math.max(last, Date.parse(a.endedAt ?? now.toISOString()));
    }
  }
  const order = (l: GanttLane) => ['cluster', 'pool', 'target'].indexOf(l.kind);
  return {
    date,
    now: now.toISOString(),
    // Whole hours, for a readable axis; a day's runs in another time zone may start before its UTC day.
    from: new Date(Math.max(Math.floor(first / HOUR) * HOUR, dayStart - 24 * HOUR)).toISOString(),
    to: new Date(Math.min(Math.ceil(last / HOUR) * HOUR, dayStart + 36 * HOUR)).toISOString(),
    lanes: [...lanes.values()].sort((a, b) => order(a) - order(b)),
  };
}
