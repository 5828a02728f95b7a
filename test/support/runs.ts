import type { RunDate } from '../../lambdas/domain/run-date';
import type { Run } from '../../lambdas/domain/runs/run';
import { isTerminal, RunState } from '../../lambdas/domain/runs/states';
import { isAutomaticEdge } from '../../lambdas/domain/runs/transitions';

/**
 * The transitions a run may make without an operator (no replay, run or mark):
 * the engine's own table (lambdas/domain/runs/transitions.ts) less the reopen
 * edges. Terminal states have only same-state notes, which is what "no
 * duplicate terminal transition" means.
 */
export function automatic(from: RunState, to: RunState): boolean {
  return isAutomaticEdge(from, to);
}

/**
 * What is wrong with a run's history: transitions outside the diagram (a second
 * terminal transition among them), an attempt recorded SUBMITTED (or decided in shadow) twice, or a
 * last entry that disagrees with the stored state. Empty when all is well.
 */
export function historyProblems(run: Run | undefined): string[] {
  if (!run) return ['no run'];
  const problems: string[] = [];
  const submittedAttempts = new Set<number>();
  run.history.forEach((entry, i) => {
    if (!automatic(entry.from, entry.to)) problems.push(`#${i} ${entry.from} -> ${entry.to} (${entry.why})`);
    // A shadow decision stands for a submission (docs/shadow.md): one of either per attempt.
    if (entry.to === RunState.SUBMITTED || entry.to === RunState.SHADOW_SUBMITTED) {
      if (submittedAttempts.has(entry.attempt)) problems.push(`#${i} attempt ${entry.attempt} ${entry.to} twice`);
      submittedAttempts.add(entry.attempt);
    }
  });
  const last = run.history[run.history.length - 1];
  if (last?.to !== run.state) problems.push(`state ${run.state} but last history entry ${last?.to}`);
  const terminal = run.history.filter((e) => isTerminal(e.to) && e.from !== e.to);
  if (terminal.length > 1) problems.push('more than one terminal transition');
  return problems;
}

/** A first-attempt WAITING run with this done set, for readiness tests (a day, or an hour of an hourly job). */
export function waitingRun(job: string, doneUpstreams: string[], date = '2026-11-22'): Run {
  return {
    job,
    date: date as RunDate,
    state: RunState.WAITING,
    attempt: 1,
    attemptStartedAt: '2026-11-22T00:00:00.000Z',
    doneUpstreams,
    upstreamFloors: {},
    retriesUsed: 0,
    history: [],
  };
}
