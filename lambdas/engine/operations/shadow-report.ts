import { type Dag, isShadow, jobOf } from '../../domain/config/dag';
import { MarkerRejection, parseMarkerBody, parseMarkerKey } from '../../domain/markers';
import { dateRange, type RunDate, toCompact } from '../../domain/run-date';
import type { Run } from '../../domain/runs/run';
import { RunState } from '../../domain/runs/states';
import { buildShadowReport, type ShadowReportBody, type ShadowRunFacts } from '../../domain/shadow-report';
import type { ListedMarker, MarkerBucket } from '../../ports/marker-bucket';
import type { RunStore } from '../../ports/run-store';

/** `rsched shadow-report --json`. */
export interface ShadowReport extends ShadowReportBody {
  readonly from: RunDate;
  readonly to: RunDate;
  /** The jobs in shadow mode in the config the report was made with. */
  readonly jobs: readonly string[];
}

/** The most run dates one report reads (one listing of the bucket and one query per date). */
export const MAX_SHADOW_REPORT_DAYS = 366;

/**
 * Gathers, for every shadow job and run date in the range, our first shadow
 * decision (from the run's history) and the old scheduler's first marker
 * (from the marker bucket itself, so a marker our run ignored — it had
 * already ended — still counts), then compares them (domain/shadow-report).
 */
export async function shadowReport(input: {
  dag: Dag;
  store: RunStore;
  bucket: MarkerBucket;
  from: RunDate;
  to: RunDate;
  toleranceMinutes: number;
}): Promise<ShadowReport> {
  const jobs = [...input.dag.jobs.values()].filter(isShadow).map((j) => j.name);
  const facts: ShadowRunFacts[] = [];
  for (const date of dateRange(input.from, input.to)) {
    if (jobs.length === 0) break;
    const runs = new Map((await input.store.listByDate(date)).map((r) => [r.job, r]));
    const compact = toCompact(date);
    const markers = await firstMarkers(input, await input.bucket.list([`__${compact}.done`, `__${compact}.failed`]), date);
    for (const name of jobs) {
      const run = runs.get(name);
      const marker = markers.get(name);
      facts.push({
        job: name,
        date,
        state: run?.state ?? RunState.PENDING,
        ...(run?.reason ? { reason: run.reason } : {}),
        waitingOn: jobOf(input.dag, name).dependsOn.filter((u) => !(run?.doneUpstreams ?? []).includes(u)),
        ...(firstDecision(run) ? { decidedAt: firstDecision(run) } : {}),
        ...(marker ? { marker: await markerFacts(input.bucket, marker, run) } : {}),
      });
    }
  }
  return { from: input.from, to: input.to, jobs, ...buildShadowReport(facts, input.toleranceMinutes) };
}

function firstDecision(run: Run | undefined): string | undefined {
  return run?.history.find((e) => e.to === RunState.SHADOW_SUBMITTED)?.at;
}

/** Per job, the marker object of that date written first: the old scheduler's first run of it. */
async function firstMarkers(input: { dag: Dag }, listed: readonly ListedMarker[], date: RunDate): Promise<Map<string, ListedMarker>> {
  const first = new Map<string, ListedMarker>();
  for (const object of listed) {
    const parsed = parseMarkerKey(object.key, (name) => input.dag.jobs.has(name));
    if (parsed instanceof MarkerRejection || parsed.date !== date) continue;
    const seen = first.get(parsed.job);
    if (!seen || object.lastModified < seen.lastModified) first.set(parsed.job, object);
  }
  return first;
}

/** When the marker arrived (the event time our run recorded, else the object's LastModified) and its meta.startedAt. */
async function markerFacts(
  bucket: MarkerBucket,
  object: ListedMarker,
  run: Run | undefined,
): Promise<NonNullable<ShadowRunFacts['marker']>> {
  const at = run?.markerKey === object.key && run.finishedAt ? run.finishedAt : object.lastModified;
  const text = await bucket.read(bucket.bucket, object.key);
  const body = text === undefined ? undefined : parseMarkerBody(text);
  const startedAt = body && typeof body !== 'string' ? body.meta?.startedAt : undefined;
  return { key: object.key, at, ...(startedAt !== undefined ? { startedAt } : {}) };
}
