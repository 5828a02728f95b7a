import type { AlertRecord } from '../../lambdas/domain/alerts';
import type { Dag } from '../../lambdas/domain/config/dag';
import type { MarkerStatus } from '../../lambdas/domain/markers';
import type { Run } from '../../lambdas/domain/runs/run';
import { RunState, TERMINAL_STATES } from '../../lambdas/domain/runs/states';
import type { Submission } from '../../lambdas/local/control-plane/submission-log';
import type { HttpFault } from '../../test/support/http-faults';
import { checkLateData, type LateDataInput, type LateDataVerdict } from './late-data-check';
import type { SdkJob } from './sdk-jobs';
import { type SdkTarget, TELLING_TARGETS } from './service-plane';

/** What one trial found, once nothing more could happen (bench/soak/trial.ts). */
export interface Verdicts {
  readonly doubleSubmissions: number;
  readonly lostCompletions: number;
  readonly stuckRuns: number;
  /** Runs parked SUBMIT_UNCERTAIN at some point (at most once, with an alert: by design for opaque targets). */
  readonly uncertainParks: number;
  /** Runs of EMR Serverless, Glue or Step Functions parked SUBMIT_UNCERTAIN: their lookups can always tell. */
  readonly needlessParks: number;
  /** Runs of jobs whose calendar excludes the day (docs/calendars.md) that were submitted or ended other than SKIPPED. */
  readonly calendarViolations: number;
  /** Runs that ended SKIPPED (how much the calendar checks exercised). */
  readonly skippedRuns: number;
  /** The same counts per target sent through the real submitters. */
  readonly byTarget: Readonly<Partial<Record<SdkTarget, TargetTally>>>;
  /** Late re-deliveries written (0 or 1 a trial), and how their downstream actions came out (bench/soak/late-data-check.ts). */
  readonly lateRedeliveries: number;
  readonly lateData: LateDataVerdict;
}

export interface TargetTally {
  readonly jobs: number;
  /** Submissions that took effect in the simulated service. */
  readonly submissions: number;
  readonly doubleSubmissions: number;
  readonly lostCompletions: number;
  readonly stuckRuns: number;
  readonly uncertainParks: number;
  /** Faults injected into its submit calls (StartJobRun, StartExecution, Invoke, ActivatePipeline), by kind. */
  readonly submitFaults: Readonly<Partial<Record<HttpFault, number>>>;
}

export interface JudgeInput {
  readonly runs: readonly Run[];
  /** Markers written per runAttemptId: what that attempt's run must end as. */
  readonly written: ReadonlyMap<string, MarkerStatus>;
  /** The fake control plane's applied submissions per runAttemptId. */
  readonly fakeApplied: ReadonlyMap<string, number>;
  /** The jobs sent through real submitters, and what their simulated services took in. */
  readonly sdk: ReadonlyMap<string, SdkJob>;
  readonly submissions: readonly Submission[];
  readonly submitFaults: ReadonlyMap<SdkTarget, ReadonlyMap<HttpFault, number>>;
  readonly dag: Dag;
  readonly alerts: readonly AlertRecord[];
  /** The late re-delivery of this trial, if it had one. */
  readonly late?: LateDataInput;
  /** Jobs on a calendar that excludes the trial's date: never submitted, every run SKIPPED. */
  readonly onCalendar?: ReadonlySet<string>;
}

type MutableTally = { -readonly [K in keyof TargetTally]: TargetTally[K] };

/** One attempt of one run: `job@date#attempt` (the date is an hour, YYYY-MM-DDTHH, for an hourly job: docs/hourly.md). */
export function runAttemptId(job: string, date: string, attempt: number): string {
  return `${job}@${date}#${attempt}`;
}

export function judge(input: JudgeInput): Verdicts {
  const tallies = new Map<SdkTarget, MutableTally>();
  const tally = (kind: SdkTarget): MutableTally => {
    let t = tallies.get(kind);
    if (!t) {
      t = {
        jobs: 0,
        submissions: 0,
        doubleSubmissions: 0,
        lostCompletions: 0,
        stuckRuns: 0,
        uncertainParks: 0,
        submitFaults: Object.fromEntries(input.submitFaults.get(kind) ?? []) as Partial<Record<HttpFault, number>>,
      };
      tallies.set(kind, t);
    }
    return t;
  };
  for (const job of input.sdk.values()) tally(job.kind).jobs++;

  let doubleSubmissions = 0;
  for (const times of input.fakeApplied.values()) if (times > 1) doubleSubmissions++;
  const applied = new Map<string, Submission[]>();
  for (const s of input.submissions) {
    const id = runAttemptId(s.job, s.date, s.attempt);
    applied.set(id, [...(applied.get(id) ?? []), s]);
  }
  for (const copies of applied.values()) {
    const kind = input.sdk.get((copies[0] as Submission).job)?.kind;
    if (kind) tally(kind).submissions++;
    if (copies.length < 2) continue;
    doubleSubmissions++;
    if (kind) tally(kind).doubleSubmissions++;
    if (process.env.SOAK_DEBUG) console.error('double submission', JSON.stringify(copies));
  }

  let lostCompletions = 0;
  let stuckRuns = 0;
  let uncertainParks = 0;
  let needlessParks = 0;
  for (const run of input.runs) {
    const kind = input.sdk.get(run.job)?.kind;
    const t = kind ? tally(kind) : undefined;
    const parked = run.history.some((e) => e.to === RunState.SUBMIT_UNCERTAIN);
    const stuck = !TERMINAL_STATES.includes(run.state);
    const lost = input.written.get(runAttemptId(run.job, run.date, run.attempt)) === 'done' && run.state !== RunState.SUCCEEDED;
    if (parked) uncertainParks++;
    if (stuck) stuckRuns++;
    if (lost) lostCompletions++;
    if (t) {
      if (parked) t.uncertainParks++;
      if (stuck) t.stuckRuns++;
      if (lost) t.lostCompletions++;
    }
    const needless = parked && kind !== undefined && TELLING_TARGETS.has(kind);
    if (needless) needlessParks++;
    if ((stuck || lost || needless) && process.env.SOAK_DEBUG) console.error(JSON.stringify(run, null, 1));
  }
  const onCalendar = input.onCalendar ?? new Set<string>();
  let calendarViolations = 0;
  const submittedJobs = [...input.fakeApplied.keys()].map((k) => k.split('#')[0]).concat(input.submissions.map((s) => s.job));
  for (const job of submittedJobs) {
    if (!onCalendar.has(job as string)) continue;
    calendarViolations++;
    if (process.env.SOAK_DEBUG) console.error('a job on an excluded date was submitted', job);
  }
  for (const run of input.runs) {
    if (onCalendar.has(run.job) !== (run.state === RunState.SKIPPED)) {
      calendarViolations++;
      if (process.env.SOAK_DEBUG) console.error('calendar violation', JSON.stringify(run, null, 1));
    }
  }
  return {
    calendarViolations,
    skippedRuns: input.runs.filter((r) => r.state === RunState.SKIPPED).length,
    doubleSubmissions,
    lostCompletions,
    stuckRuns,
    uncertainParks,
    needlessParks,
    byTarget: Object.fromEntries(tallies) as Partial<Record<SdkTarget, TargetTally>>,
    lateRedeliveries: input.late ? 1 : 0,
    lateData: input.late ? checkLateData(input.dag, input.late, input.runs, input.alerts) : { checked: 0, wrong: 0 },
  };
}
