import type { Run } from '../../lambdas/domain/runs/run';
import { isTerminal, RunState } from '../../lambdas/domain/runs/states';

const S = RunState;

/**
 * The transitions a run may make without an operator (no replay, run or mark):
 * the state diagram of lambdas/domain/runs/states.ts, written out as edges.
 * Terminal states have none, which is what "no duplicate terminal transition" means.
 */
export const AUTOMATIC_TRANSITIONS: Readonly<Record<RunState, readonly RunState[]>> = {
  [S.PENDING]: [S.WAITING, S.SUCCEEDED, S.FAILED, S.UPSTREAM_FAILED],
  [S.WAITING]: [S.WAITING, S.WAITING_FOR_CLUSTER, S.SUBMITTING, S.SUCCEEDED, S.FAILED, S.TIMED_OUT, S.UPSTREAM_FAILED],
  [S.WAITING_FOR_CLUSTER]: [S.SUBMITTING, S.SUCCEEDED, S.FAILED, S.TIMED_OUT, S.UPSTREAM_FAILED],
  [S.SUBMITTING]: [S.SUBMITTED, S.WAITING, S.SUCCEEDED, S.FAILED, S.RETRYING],
  [S.SUBMITTED]: [S.SUCCEEDED, S.FAILED, S.RETRYING, S.TIMED_OUT],
  [S.RETRYING]: [S.SUBMITTING, S.WAITING_FOR_CLUSTER, S.SUCCEEDED],
  [S.SUCCEEDED]: [],
  [S.FAILED]: [],
  [S.TIMED_OUT]: [],
  [S.UPSTREAM_FAILED]: [],
};

/**
 * What is wrong with a run's history: transitions outside the diagram (a second
 * terminal transition among them), an attempt recorded SUBMITTED twice, or a
 * last entry that disagrees with the stored state. Empty when all is well.
 */
export function historyProblems(run: Run | undefined): string[] {
  if (!run) return ['no run'];
  const problems: string[] = [];
  const submittedAttempts = new Set<number>();
  run.history.forEach((entry, i) => {
    if (!AUTOMATIC_TRANSITIONS[entry.from].includes(entry.to)) problems.push(`#${i} ${entry.from} -> ${entry.to} (${entry.why})`);
    if (entry.to === S.SUBMITTED) {
      if (submittedAttempts.has(entry.attempt)) problems.push(`#${i} attempt ${entry.attempt} SUBMITTED twice`);
      submittedAttempts.add(entry.attempt);
    }
  });
  const last = run.history[run.history.length - 1];
  if (last?.to !== run.state) problems.push(`state ${run.state} but last history entry ${last?.to}`);
  if (run.history.filter((e) => isTerminal(e.to)).length > 1) problems.push('more than one terminal transition');
  return problems;
}
