/** Alert kinds (SPEC §6). */
export const AlertKind = {
  TIMED_OUT: 'TIMED_OUT',
  FAILED: 'FAILED',
  SUBMIT_FAILED: 'SUBMIT_FAILED',
  MARKER_REJECTED: 'MARKER_REJECTED',
  CLUSTER_FAILED: 'CLUSTER_FAILED',
  LATE: 'LATE',
  DEAD_LETTER: 'DEAD_LETTER',
} as const;

export type AlertKind = (typeof AlertKind)[keyof typeof AlertKind];

/** What an operator types to run the job and its chain again. */
export function replayCommand(job: string, date: string): string {
  return `rsched replay ${job} --date ${date} --downstream`;
}

/** The parts every alert message has: what, which run, why, what to do next. */
export interface AlertText {
  readonly message: string;
  readonly next: string;
}

export function timedOutText(job: string, date: string, why: string): AlertText {
  return {
    message: `${job} ${date} TIMED_OUT: ${why}. Every run downstream of it is UPSTREAM_FAILED.`,
    next: `Find out why the upstreams are late, then: ${replayCommand(job, date)}`,
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

export function lateText(job: string, date: string, expectedBy: string, timezone: string, state: string): AlertText {
  return {
    message: `${job} ${date} is LATE: expected by ${expectedBy} ${timezone}, it is ${state}.`,
    next: `See what it waits for: rsched status --date ${date}`,
  };
}
