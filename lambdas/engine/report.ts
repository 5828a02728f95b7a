import type { JobMode } from '../domain/config/dag';
import type { Run } from '../domain/runs/run';
import type { ShadowRequest } from '../domain/runs/shadow';
import { RunState } from '../domain/runs/states';
import type { ClusterWindowRecord } from '../ports/cluster-registry';
import type { AlertRecord } from '../ports/run-store';

/**
 * The shapes in which runs, clusters and alerts are reported, shared by
 * `rsched simulate --json` and `rsched status --json` (SPEC §7) so that
 * scripts read both alike.
 */

const MINUTE = 60_000;

/** One job's outcome, in the shape of SPEC §7 (`simulate --json`, `status --json`). */
export interface JobReport {
  readonly state: string;
  readonly submissions: number;
  readonly attempts: number;
  readonly submittedAt: string | null;
  readonly finishedAt: string | null;
  readonly reason: string | null;
  readonly cluster?: string | null;
  readonly durationMinutes?: number | null;
  /** Present for shadow jobs only (docs/shadow.md). */
  readonly mode?: 'shadow';
  readonly shadow?: ShadowReport;
}

/** A shadow run next to the real marker: when we would have submitted, and when the old scheduler's job finished. */
export interface ShadowReport {
  /** The current attempt's decision (null: none yet, or the marker came first). */
  readonly decidedAt: string | null;
  readonly attempt: number | null;
  /** The exact request we would have sent. */
  readonly request: ShadowRequest | null;
  /** The old scheduler's marker that ended the run, and when it arrived. */
  readonly markerKey: string | null;
  readonly markerAt: string | null;
  /** `meta.startedAt` of that marker, when the old job wrote one: the only start time we know. */
  readonly startedAt: string | null;
}

export function shadowReport(run: Run | undefined): ShadowReport {
  const startedAt = run?.meta?.startedAt;
  return {
    decidedAt: run?.shadow?.at ?? null,
    attempt: run?.shadow?.attempt ?? null,
    request: run?.shadow?.request ?? null,
    markerKey: run?.markerKey ?? null,
    markerAt: run?.markerKey ? (run.finishedAt ?? null) : null,
    startedAt: typeof startedAt === 'string' ? startedAt : null,
  };
}

export interface ClusterReport {
  readonly name: string;
  readonly clusterId: string | null;
  readonly masterIp: string | null;
  readonly readyAt: string | null;
  readonly terminatedAt: string | null;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly state: string;
}

export interface AlertReport {
  readonly kind: string;
  readonly job: string | null;
  readonly date: string;
  readonly message: string;
  readonly next?: string;
  readonly at: string;
  /** A shadow job's alert: recorded, not sent (docs/shadow.md). */
  readonly shadow?: boolean;
}

function lastSubmittedAt(run: Run): string | null {
  if (run.submittedAt) return run.submittedAt;
  // Only the current attempt counts: a replayed run waiting again has not been submitted yet.
  const entry = [...run.history].reverse().find((e) => e.to === RunState.SUBMITTED && e.attempt === run.attempt);
  return entry?.at ?? null;
}

/**
 * `notOn`: why the job's calendar does not run on the date (calendar.ts,
 * whyNotOn). A run with no item on such a date is reported SKIPPED with that
 * reason: an external job's marker never comes that day, so nothing writes
 * the item, and the date is still not pending (docs/calendars.md).
 */
export function jobReport(run: Run | undefined, submissions: number, mode: JobMode = 'live', notOn?: string): JobReport {
  const shadow = mode === 'shadow' ? { mode, shadow: shadowReport(run) } : {};
  return { ...liveJobReport(run, submissions, notOn), ...shadow };
}

function liveJobReport(run: Run | undefined, submissions: number, notOn: string | undefined): JobReport {
  if (!run) {
    return {
      state: notOn === undefined ? RunState.PENDING : RunState.SKIPPED,
      submissions,
      attempts: 0,
      submittedAt: null,
      finishedAt: null,
      reason: notOn ?? null,
      cluster: null,
      durationMinutes: null,
    };
  }
  const submittedAt = lastSubmittedAt(run);
  const finished = run.state === RunState.SUCCEEDED || run.state === RunState.FAILED;
  return {
    state: run.state,
    submissions,
    attempts: run.attempt,
    submittedAt,
    finishedAt: run.finishedAt ?? null,
    reason: run.reason ?? null,
    cluster: run.clusterName ?? null,
    durationMinutes:
      finished && submittedAt && run.finishedAt ? Math.round((Date.parse(run.finishedAt) - Date.parse(submittedAt)) / MINUTE) : null,
  };
}

export function clusterReport(w: ClusterWindowRecord): ClusterReport {
  return {
    name: w.name,
    clusterId: w.clusterId ?? null,
    masterIp: w.masterIp ?? null,
    readyAt: w.readyAt ?? null,
    terminatedAt: w.terminatedAt ?? null,
    windowStart: w.windowStart,
    windowEnd: w.windowEnd,
    state: w.state,
  };
}

export function alertReport(a: AlertRecord): AlertReport {
  return {
    kind: a.kind,
    job: a.job ?? null,
    date: a.date,
    message: a.message,
    ...(a.next ? { next: a.next } : {}),
    at: a.at,
    ...(a.shadow ? { shadow: true } : {}),
  };
}
