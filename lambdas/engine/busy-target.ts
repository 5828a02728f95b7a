import type { Job } from '../domain/config/dag';
import { releaseWhileBusy } from '../domain/runs/busy';
import type { Actor, Run } from '../domain/runs/run';
import { addMinutes } from '../ports/clock';
import { SubmitError } from '../ports/submitter';
import type { EngineDeps } from './deps';

/** How long a run waits before trying a busy target again (Glue's MaxConcurrentRuns reached). */
export const BUSY_RECHECK_MINUTES = 2;

/** True when the submission was refused because the target is busy: not applied, worth waiting for. */
export function isBusy(error: unknown): boolean {
  return error instanceof SubmitError && error.busy && !error.maybeApplied;
}

/**
 * Puts a claimed run whose target is busy back to WAITING, due again in
 * BUSY_RECHECK_MINUTES. The wait is bounded by the job's timeoutMinutes from
 * the attempt's start (a claim clears the run's own deadline, so it is
 * derived again from what the run keeps). Returns false once that has passed:
 * the caller ends the run as a failed submission.
 *
 *   claim ── StartJobRun ── busy ──> WAITING (due +2 min) ── sweeper ──> dispatch again
 *                                     … until the deadline: then SUBMIT_FAILED
 */
export async function waitWhileBusy(deps: EngineDeps, job: Job, run: Run, by: Actor, reason: string): Promise<boolean> {
  const now = deps.clock.now();
  const deadline = addMinutes(new Date(run.attemptStartedAt), job.timeoutMinutes).toISOString();
  if (deadline <= now.toISOString()) return false;
  const recheck = addMinutes(now, BUSY_RECHECK_MINUTES).toISOString();
  await deps.store.transition(
    releaseWhileBusy(run, {
      at: now.toISOString(),
      by,
      deadlineAt: deadline,
      dueAt: recheck < deadline ? recheck : deadline,
      why: `target busy, trying again in ${BUSY_RECHECK_MINUTES} min: ${reason}`,
    }),
  );
  deps.log.info('target busy; the run waits', { job: run.job, date: run.date, attempt: run.attempt, reason });
  return true;
}
