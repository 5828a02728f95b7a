import { AlertKind, lateText } from '../domain/alerts';
import type { Job } from '../domain/config/dag';
import { lateDeadlinesBetween } from '../domain/late';
import type { Run } from '../domain/runs/run';
import { RunState } from '../domain/runs/states';
import { addMinutes, MINUTE_MS } from '../ports/clock';
import { raiseAlert } from './alerting';
import type { EngineDeps } from './deps';
import { dispatch, isReady } from './dispatch';
import { endInFailure, finishFailure, markPropagated, propagateSuccess } from './outcomes';

export interface SweepReport {
  timedOut: number;
  dispatched: number;
  resumed: number;
  recovered: number;
  late: number;
}

export const LATE_CURSOR = 'late-check';

/**
 * The periodic sweep (every minute in AWS; whenever something is due in
 * simulation). It acts on runs whose `dueAt` has passed — timeouts, retries,
 * cluster rechecks, maximum run times, expired claims and interrupted
 * propagation — and raises LATE alerts. Each action is a guarded transition,
 * so overlapping sweeps and racing handlers are harmless.
 */
export async function sweep(deps: EngineDeps): Promise<SweepReport> {
  const report: SweepReport = { timedOut: 0, dispatched: 0, resumed: 0, recovered: 0, late: 0 };
  const now = deps.clock.now();
  const seen = new Set<string>();
  for (;;) {
    const due = await deps.store.listDue(now.toISOString(), deps.tuning.sweepPageSize);
    const fresh = due.filter((r) => !seen.has(`${r.job}@${r.date}`));
    for (const run of fresh) {
      seen.add(`${run.job}@${run.date}`);
      await handleDue(deps, run, now, report);
    }
    // Runs we could not move (lost races) come back in the next page: stop when nothing is new.
    if (due.length < deps.tuning.sweepPageSize || fresh.length === 0) break;
  }
  await checkLate(deps, now, report);
  return report;
}

async function handleDue(deps: EngineDeps, run: Run, now: Date, report: SweepReport): Promise<void> {
  const job = deps.dag.jobs.get(run.job);
  const nowIso = now.toISOString();
  if (!job) {
    // The job was removed from the config: nothing will ever act on this run again.
    await deps.store.transition({
      key: run,
      guard: { states: [run.state], attempt: run.attempt },
      to: run.state,
      remove: ['dueAt'],
      by: 'sweeper',
      why: 'job no longer in config',
      at: nowIso,
      quiet: true,
    });
    return;
  }
  const deadlinePassed = run.deadlineAt !== undefined && run.deadlineAt <= nowIso;
  switch (run.state) {
    case RunState.SUCCEEDED:
      report.resumed++;
      await propagateSuccess(deps, run, 'sweeper');
      return;
    case RunState.FAILED:
    case RunState.TIMED_OUT:
      report.resumed++;
      await finishFailure(deps, run, 'sweeper');
      return;
    case RunState.UPSTREAM_FAILED:
      await markPropagated(deps, run);
      return;
    case RunState.WAITING:
      if (run.manual || isReady(job, run)) {
        report.dispatched++;
        await dispatch(deps, run, 'sweeper');
      } else if (deadlinePassed) {
        report.timedOut++;
        await timeOut(deps, job, run, waitingReason(job, run));
      }
      return;
    case RunState.WAITING_FOR_CLUSTER:
      if (deadlinePassed) {
        report.timedOut++;
        await timeOut(deps, job, run, `no live cluster served pool ${job.pool} within ${job.timeoutMinutes} min`);
      } else {
        report.dispatched++;
        await dispatch(deps, run, 'sweeper');
      }
      return;
    case RunState.RETRYING:
      report.dispatched++;
      await dispatch(deps, run, 'sweeper');
      return;
    case RunState.SUBMITTING:
      report.recovered++;
      await recoverClaim(deps, job, run);
      return;
    case RunState.SUBMITTED:
      report.timedOut++;
      await endInFailure(deps, {
        key: run,
        guard: { states: [RunState.SUBMITTED], attempt: run.attempt, dueAt: run.dueAt },
        to: RunState.TIMED_OUT,
        kind: 'TIMED_OUT',
        reason: `submitted at ${run.submittedAt} but no marker within maxRuntimeMinutes=${job.maxRuntimeMinutes}`,
        by: 'sweeper',
        why: 'maximum run time exceeded',
      });
      return;
    case RunState.PENDING:
      return;
  }
}

function waitingReason(job: Job, run: Run): string {
  const done = new Set(run.doneUpstreams);
  const missing = job.dependsOn.filter((u) => !done.has(u));
  const since = run.waitStartedAt ? ` since ${run.waitStartedAt}` : '';
  return `waited ${job.timeoutMinutes} min${since} for ${missing.join(', ')}`;
}

async function timeOut(deps: EngineDeps, job: Job, run: Run, reason: string): Promise<void> {
  await endInFailure(deps, {
    key: run,
    guard: { states: [run.state], attempt: run.attempt, dueAt: run.dueAt },
    to: RunState.TIMED_OUT,
    kind: 'TIMED_OUT',
    reason,
    by: 'sweeper',
    why: `timeout after ${job.timeoutMinutes} min`,
  });
}

/**
 * A claim whose handler died. If the control plane shows the submission, record
 * it; if it shows none, dispatch again; if it cannot tell, stop and alert rather
 * than risk a second submission.
 */
async function recoverClaim(deps: EngineDeps, job: Job, run: Run): Promise<void> {
  const now = deps.clock.now().toISOString();
  const found =
    job.target.type === 'external'
      ? undefined
      : await deps.submitter.findSubmission({
          job: run.job,
          date: run.date,
          attempt: run.attempt,
          type: job.target.type,
          clusterId: run.clusterId,
        });
  const guard = { states: [RunState.SUBMITTING], attempt: run.attempt, claimToken: run.claimToken };
  if (found === 'unknown') {
    await endInFailure(deps, {
      key: run,
      guard,
      to: RunState.FAILED,
      kind: 'SUBMIT_FAILED',
      reason:
        'the handler that claimed this run stopped before recording the submission, and the control plane cannot tell whether it was made; check the target before replaying',
      by: 'sweeper',
      why: 'claim expired',
    });
    return;
  }
  if (found) {
    await deps.store.transition({
      key: run,
      guard,
      to: RunState.SUBMITTED,
      set: {
        submittedAt: run.claimedAt ?? now,
        submissionId: found.submissionId,
        clusterId: found.clusterId ?? run.clusterId,
        ...(job.maxRuntimeMinutes ? { dueAt: addMinutes(run.claimedAt ?? now, job.maxRuntimeMinutes).toISOString() } : {}),
      },
      remove: job.maxRuntimeMinutes ? ['claimToken'] : ['claimToken', 'dueAt'],
      by: 'sweeper',
      why: `claim expired; found submission ${found.submissionId}`,
      at: now,
    });
    return;
  }
  const reopened = await deps.store.transition({
    key: run,
    guard,
    to: RunState.WAITING,
    set: { dueAt: new Date(Date.parse(now) + MINUTE_MS).toISOString() },
    remove: ['claimToken', 'claimedAt', 'clusterId', 'clusterName'],
    by: 'sweeper',
    why: 'claim expired and nothing was submitted; dispatching again',
    at: now,
  });
  if (reopened) await dispatch(deps, reopened, 'sweeper');
}

/** LATE alerts for every expectedBy deadline passed since the last sweep. */
async function checkLate(deps: EngineDeps, now: Date, report: SweepReport): Promise<void> {
  const cursor = await deps.store.getCursor(LATE_CURSOR);
  const from = cursor ? new Date(cursor) : new Date(now.getTime() - MINUTE_MS);
  for (const deadline of lateDeadlinesBetween(deps.dag, from, now)) {
    const run = await deps.store.get({ job: deadline.job.name, date: deadline.date });
    const state = run?.state ?? RunState.PENDING;
    if (state === RunState.SUCCEEDED) continue;
    const raised = await raiseAlert(deps, {
      kind: AlertKind.LATE,
      job: deadline.job.name,
      date: deadline.date,
      ...lateText(deadline.job.name, deadline.date, deadline.job.expectedBy as string, deadline.job.timezone, state),
    });
    if (raised) report.late++;
  }
  await deps.store.moveCursor(LATE_CURSOR, cursor, now.toISOString());
}
