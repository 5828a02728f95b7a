import { percentile } from '../../domain/percentile';
import { addDays, type RunDate } from '../../domain/run-date';
import { atHour } from '../../domain/run-hour';
import { type AttemptSummary, attemptsOf } from '../../domain/runs/attempts';
import type { AttemptCause } from '../../domain/runs/run';
import { RunState, TERMINAL_STATES } from '../../domain/runs/states';
import type { RunStore } from '../../ports/run-store';
import { submissionsOf } from './status';

export interface HistoryRow {
  readonly date: RunDate;
  readonly state: string;
  readonly attempts: number;
  readonly submissions: number;
  readonly submittedAt: string | null;
  readonly finishedAt: string | null;
  /** From the last submission to the marker, for runs that finished. */
  readonly durationMinutes: number | null;
  readonly reason: string | null;
  readonly manual: boolean;
  /** Why the current attempt started: schedule, upstream, marker, retry, manual (run now), replay, backfill, mark. */
  readonly cause: AttemptCause | null;
  /** Every attempt, oldest first, with its cause, who started it and when (docs/runs.md#attempts). */
  readonly attemptLog: readonly AttemptSummary[];
  readonly meta: Readonly<Record<string, unknown>> | null;
}

export interface HistoryStats {
  readonly runs: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Runs on dates the job's calendar excludes (docs/calendars.md): not in the success rate. */
  readonly skipped: number;
  /** Share of ended runs that SUCCEEDED (0..1), null when none ended; SKIPPED runs are not counted. */
  readonly successRate: number | null;
  readonly p50Minutes: number | null;
  readonly p95Minutes: number | null;
  readonly meanMinutes: number | null;
  readonly maxMinutes: number | null;
}

export interface JobHistory {
  readonly job: string;
  readonly from: RunDate;
  readonly to: RunDate;
  readonly runs: readonly HistoryRow[];
  readonly stats: HistoryStats;
}

export { percentile };

export async function jobHistory(store: RunStore, job: string, to: RunDate, days: number): Promise<JobHistory> {
  const from = addDays(to, -(days - 1));
  // Up to hour 23 of `to`: an hourly job's runs are YYYY-MM-DDTHH (docs/hourly.md); a daily run sorts before them.
  const runs = (await store.listByJob(job, from, atHour(to, '23'))).map((run): HistoryRow => {
    const submittedAt =
      run.submittedAt ?? [...run.history].reverse().find((e) => e.to === RunState.SUBMITTED && e.attempt === run.attempt)?.at ?? null;
    const finished = run.state === RunState.SUCCEEDED || run.state === RunState.FAILED;
    const attemptLog = attemptsOf(run);
    return {
      date: run.date,
      state: run.state,
      attempts: run.attempt,
      submissions: submissionsOf(run),
      submittedAt,
      finishedAt: run.finishedAt ?? null,
      durationMinutes:
        finished && submittedAt && run.finishedAt ? Math.round((Date.parse(run.finishedAt) - Date.parse(submittedAt)) / 60_000) : null,
      reason: run.reason ?? null,
      manual: run.manual ?? false,
      cause: attemptLog.at(-1)?.cause ?? null,
      attemptLog,
      meta: run.meta ?? null,
    };
  });
  const durations = runs
    .filter((r) => r.state === RunState.SUCCEEDED && r.durationMinutes !== null)
    .map((r) => r.durationMinutes as number)
    .sort((a, b) => a - b);
  // SKIPPED runs (docs/calendars.md) did not run: neither a success nor a failure, counted apart.
  const skipped = runs.filter((r) => r.state === RunState.SKIPPED).length;
  const ended = runs.filter((r) => TERMINAL_STATES.includes(r.state as RunState) && r.state !== RunState.SKIPPED);
  const succeeded = ended.filter((r) => r.state === RunState.SUCCEEDED).length;
  return {
    job,
    from,
    to,
    runs,
    stats: {
      runs: runs.length,
      succeeded,
      failed: ended.length - succeeded,
      skipped,
      successRate: ended.length === 0 ? null : succeeded / ended.length,
      p50Minutes: percentile(durations, 50),
      p95Minutes: percentile(durations, 95),
      meanMinutes: durations.length === 0 ? null : Math.round((durations.reduce((a, b) => a + b, 0) / durations.length) * 10) / 10,
      maxMinutes: durations.length === 0 ? null : (durations[durations.length - 1] as number),
    },
  };
}
