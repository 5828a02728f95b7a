import type { Dag } from '../../lambdas/domain/config/dag';
import { addDays, dateRange, parseRunDate, type RunDate } from '../../lambdas/domain/run-date';

/** A request the UI server refuses, with the HTTP status and a message that says what was wrong and where. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** `name` (a query parameter or body field) as a run date; `fallback` when absent, 400 when malformed. */
export function dateParam(value: unknown, fallback?: RunDate, name = 'date'): RunDate {
  if (value === undefined || value === null || value === '') {
    if (fallback) return fallback;
    throw new HttpError(400, `${name} is required (YYYY-MM-DD)`);
  }
  const date = parseRunDate(String(value));
  if (!date) throw new HttpError(400, `${name} must be a real day written YYYY-MM-DD, got "${String(value)}"`);
  return date;
}

/** A job of the DAG; 400 naming the job and a few known ones otherwise. */
export function jobParam(dag: Dag, value: unknown): string {
  const job = typeof value === 'string' ? value : '';
  if (job === '') throw new HttpError(400, 'job is required');
  if (!dag.jobs.has(job)) {
    const known = dag.topologicalOrder.slice(0, 8).join(', ');
    throw new HttpError(400, `unknown job "${job}"; jobs are ${known}${dag.topologicalOrder.length > 8 ? ', …' : ''}`);
  }
  return job;
}

/** The grid spans at most this many days: a query of each date is one read of the store. */
export const MAX_GRID_DAYS = 62;

/** `from`/`to` of the grid: by default the 14 days ending `today`; 400 when reversed or too long. */
export function dateRangeParams(query: URLSearchParams, today: RunDate): RunDate[] {
  const to = dateParam(query.get('to'), today, 'to');
  const from = dateParam(query.get('from'), addDays(to, -13), 'from');
  if (from > to) throw new HttpError(400, `from ${from} is after to ${to}`);
  const dates = dateRange(from, to);
  if (dates.length > MAX_GRID_DAYS)
    throw new HttpError(400, `the grid spans at most ${MAX_GRID_DAYS} days, got ${dates.length} (${from} to ${to})`);
  return dates;
}

const BACKFILL_ID = /^bf-\d{8}-[0-9a-f]{6}$/;

/** A backfill id as `createBackfill` makes them (`bf-YYYYMMDD-xxxxxx`). */
export function backfillIdParam(value: unknown): string {
  const id = typeof value === 'string' ? value : '';
  if (!BACKFILL_ID.test(id)) throw new HttpError(400, `backfill id must look like bf-20261122-1a2b3c, got "${id}"`);
  return id;
}
