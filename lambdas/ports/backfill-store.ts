import type { RunDate } from '../domain/run-date';

export type BackfillReprocess = 'missing' | 'failed' | 'all';
/**
 * Where one date of a backfill stands (docs/scheduling.md#backfills):
 * - `pending`: not started (it may be waiting for its upstream runs: see `note`);
 * - `starting`: claimed by one advance, whose replay is being started; `at` is the claim;
 * - `running`: its replay started (never saved before the start succeeded);
 * - `succeeded` / `failed`: every run of the date ended; `failed` says which did not succeed;
 * - `skipped`: nothing to reprocess under the backfill's policy;
 * - `blocked`: some runs could never complete (an upstream outside the backfill has no SUCCEEDED run);
 * - `cancelled`: the backfill was cancelled before the date ended (runs already started finish on their own).
 */
export type BackfillDateStatus = 'pending' | 'starting' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'blocked' | 'cancelled';

/** Statuses after which a date never changes again. */
export const FINAL_DATE_STATUSES: readonly BackfillDateStatus[] = ['succeeded', 'failed', 'skipped', 'blocked', 'cancelled'];

/** A backfill: a stored record the system advances, so it survives the terminal that started it. */
export interface Backfill {
  readonly id: string;
  readonly job: string;
  readonly from: RunDate;
  readonly to: RunDate;
  readonly downstream: boolean;
  readonly reprocess: BackfillReprocess;
  /** At most this many dates in flight, so the daily schedule is never starved. */
  readonly parallel: number;
  /** Start over runs that are in flight (otherwise such dates wait until they end). */
  readonly force?: boolean;
  /** Also run dates the backfilled jobs' calendars exclude (docs/calendars.md); otherwise those dates are skipped. */
  readonly includeExcluded?: boolean;
  readonly state: 'RUNNING' | 'DONE' | 'CANCELLED';
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  /** Optimistic lock: every write increments it. */
  readonly version: number;
  readonly dates: Readonly<Record<string, { readonly status: BackfillDateStatus; readonly at?: string; readonly note?: string }>>;
}

export interface BackfillStore {
  createBackfill(backfill: Backfill): Promise<void>;
  getBackfill(id: string): Promise<Backfill | undefined>;
  listBackfills(): Promise<Backfill[]>;
  /** Replaces the record if its version is still `backfill.version - 1`; false if someone else wrote first. */
  saveBackfill(backfill: Backfill): Promise<boolean>;
}
