import type { RunDate } from './run-date';

/** Alert kinds (SPEC §6). */
export const AlertKind = {
  TIMED_OUT: 'TIMED_OUT',
  FAILED: 'FAILED',
  SUBMIT_FAILED: 'SUBMIT_FAILED',
  MARKER_REJECTED: 'MARKER_REJECTED',
  CLUSTER_FAILED: 'CLUSTER_FAILED',
  LATE: 'LATE',
  /**
   * Before the deadline: from the p95 durations along what is left of the
   * upstream path, the run can no longer meet its `expectedBy` (docs/scheduling.md#predicted-late-alerts-predicted_late).
   */
  PREDICTED_LATE: 'PREDICTED_LATE',
  DEAD_LETTER: 'DEAD_LETTER',
  /** A submit call that may have taken effect failed and nothing can tell whether it did: not resent. */
  SUBMIT_UNCERTAIN: 'SUBMIT_UNCERTAIN',
  /** A `.done` and a `.failed` for one attempt: the first decided, the other is kept in history. */
  MARKER_CONFLICT: 'MARKER_CONFLICT',
  /**
   * An upstream wrote a newer `.done` for a run date it had already succeeded,
   * after this run started or ended (docs/markers.md#late-data-onlateupstream).
   */
  LATE_DATA: 'LATE_DATA',
} as const;

export type AlertKind = (typeof AlertKind)[keyof typeof AlertKind];

/** A stored alert , de-duplicated per run, kind and attempt. */
export interface AlertRecord {
  readonly kind: AlertKind;
  readonly job?: string;
  readonly date: RunDate;
  readonly attempt?: number;
  readonly at: string;
  readonly message: string;
  readonly next?: string;
  /** Distinguishes alerts that have no run (rejected markers, cluster failures). */
  readonly subject?: string;
  /** About a shadow job's run: recorded, never published (docs/shadow.md). */
  readonly shadow?: boolean;
}

/** What an operator types to run the job and its chain again. */
export function replayCommand(job: string, date: string): string {
  return `rsched replay ${job} --date ${date} --downstream`;
}

/** The parts every alert message has: what, which run, why, what to do next. */
export interface AlertText {
  readonly message: string;
  readonly next: string;
}

/** Why a run timed out decides what the operator should look at. */
export type TimeoutCause =
  | { readonly kind: 'upstreams'; readonly missing: readonly string[] }
  | { readonly kind: 'cluster'; readonly pool: string }
  | { readonly kind: 'marker' }
  | { readonly kind: 'runtime' };

export function timedOutText(job: string, date: string, why: string, cause?: TimeoutCause): AlertText {
  const message = `${job} ${date} TIMED_OUT: ${why}. Every run downstream of it is UPSTREAM_FAILED.`;
  switch (cause?.kind) {
    case 'cluster':
      return {
        message,
        next: `Check the cluster fleet for pool ${cause.pool} (rsched status --date ${date} shows the clusters; did it start, did it fail?), then: ${replayCommand(job, date)}`,
      };
    case 'marker':
      return { message, next: `The job's marker never came: check the system that writes it, then: rsched mark ${job} --date ${date}` };
    case 'runtime':
      return { message, next: `Check the job's run on its target (it may still be running or stuck), then: ${replayCommand(job, date)}` };
    case 'upstreams':
      return {
        message,
        next: `Find out why ${cause.missing.join(', ')} did not succeed for ${date} (rsched status --date ${date}), then: ${replayCommand(job, date)}`,
      };
    default:
      return { message, next: `See what it waited for (rsched log ${job} --date ${date}), then: ${replayCommand(job, date)}` };
  }
}

export function submitUncertainText(job: string, date: string, why: string, target: string): AlertText {
  return {
    message: `${job} ${date}: the submit call to ${target} failed in a way that may have taken effect (${why}), and ${target} cannot tell whether it did. It was NOT resent, to avoid running the job twice. The run is SUBMIT_UNCERTAIN; its marker still ends it.`,
    next: `Check ${target} for a run started by this call. If there is none: rsched replay ${job} --date ${date} --force`,
  };
}

export function markerConflictText(job: string, date: string, attempt: number, kept: string, ignored: string): AlertText {
  return {
    message: `${job} ${date} attempt ${attempt} has both ${kept} and ${ignored}: the first to arrive (${kept}) decided the run; ${ignored} is kept in history and changed nothing.`,
    next: `Find out which is true; to change the outcome: rsched replay ${job} --date ${date} --downstream, or rsched mark ${job} --date ${date}`,
  };
}

/**
 * LATE_DATA: `upstream` re-delivered `date` after `job`'s run had started or ended.
 * `notRerun` says why a configured rerun did not happen (a run in flight, say).
 */
export function lateDataText(job: string, date: string, upstream: string, state: string, notRerun?: string): AlertText {
  const head = `${upstream} wrote a newer .done for ${date} after it had already SUCCEEDED: its data was re-delivered, but ${job} ${date} is ${state} on the old data.`;
  return {
    message: notRerun ? `${head} It was NOT re-run: ${notRerun}.` : head,
    next: notRerun
      ? `Once ${job} ${date} is no longer in flight, re-run it on the new data: ${replayCommand(job, date)}`
      : `If ${job} must use the new data: ${replayCommand(job, date)}`,
  };
}

export function failedText(job: string, date: string, why: string, attempt: number): AlertText {
  return {
    message: `${job} ${date} FAILED (attempt ${attempt}): ${why}. Every run downstream of it is UPSTREAM_FAILED.`,
    next: `Fix the job, then: ${replayCommand(job, date)}`,
  };
}

export function submitFailedText(job: string, date: string, why: string): AlertText {
  return {
    message: `${job} ${date} could not be submitted: ${why}. Every run downstream of it is UPSTREAM_FAILED.`,
    next: `Check the target (pipeline, cluster, permissions), then: ${replayCommand(job, date)}`,
  };
}

export function markerRejectedText(key: string, why: string): AlertText {
  return {
    message: `marker "${key}" was rejected: ${why}. No run changed.`,
    next: 'Write a correct marker (see `rsched mark --help`); the rejected object stays in the bucket for inspection.',
  };
}

/** HH:MM of an instant in a zone, for alert texts. */
function wallTime(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}

export function predictedLateText(
  job: string,
  date: string,
  p: { expectedBy: string; timezone: string; finishAt: Date; path: readonly string[]; samples: number },
): AlertText {
  const first = p.path[0] ?? job;
  return {
    message: `${job} ${date} is PREDICTED_LATE: expected by ${p.expectedBy} ${p.timezone}, but the p95 durations (last ${p.samples} successful runs of each job) along ${p.path.join(' → ')} put its finish at ${wallTime(p.finishAt, p.timezone)} ${p.timezone}. The deadline has not passed yet.`,
    next: `Speed up or unblock ${first} now (rsched status --date ${date} shows what it waits on; rsched log ${first} --date ${date} its history), or tell the consumers of ${job} it will be late.`,
  };
}

export function lateText(job: string, date: string, expectedBy: string, timezone: string, state: string): AlertText {
  return {
    message: `${job} ${date} is LATE: expected by ${expectedBy} ${timezone}, it is ${state}.`,
    next: `See what it waits for: rsched status --date ${date}`,
  };
}

/** The human-readable text of an alert, as e-mail subscribers and Slack see it. */
export function alertText(alert: AlertRecord): string {
  const run = alert.job ? `${alert.job} ${alert.date}${alert.attempt ? ` (attempt ${alert.attempt})` : ''}` : alert.date;
  return [`[${alert.kind}] ${run}`, alert.message, alert.next ? `Next: ${alert.next}` : ''].filter(Boolean).join('\n');
}

export function alertSubject(alert: AlertRecord): string {
  // SNS subjects: at most 100 printable ASCII characters, no newlines.
  return `rsched ${alert.kind} ${alert.job ?? alert.subject ?? ''} ${alert.date}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}
