import { AlertKind, lateText } from '../domain/alerts';
import { isShadow, type Job } from '../domain/config/dag';
import { lateDeadlinesBetween } from '../domain/late';
import type { Run } from '../domain/runs/run';
import { RunState } from '../domain/runs/states';
import { isReady, missingUpstreams, moveDue, recordFoundSubmission, recordSubmission, releaseClaim } from '../domain/runs/transitions';
import { addMinutes, MINUTE_MS } from '../ports/clock';
import type { SubmissionRef, SubmitResult } from '../ports/submitter';
import { raiseAlert } from './alerting';
import { pollSubmitted } from './completion';
import type { EngineDeps } from './deps';
import { dispatch, lookUpSubmission, parkAsUncertain, renderRequest, submitClaimed } from './dispatch';
import { resumeLateData } from './late-data';
import { endInFailure, finishFailure, markPropagated, propagateSuccess, repairDoneSet } from './outcomes';
import { checkPredictedLate, DurationEstimates } from './predicted-late';
import { claimedCluster } from './shadow';
import { propagateSkip } from './skips';

export interface SweepReport {
  timedOut: number;
  dispatched: number;
  resumed: number;
  recovered: number;
  late: number;
  /** PREDICTED_LATE alerts raised: runs whose p95 path misses a deadline still ahead. */
  predictedLate: number;
  /** SUBMITTED runs past maxRuntimeMinutes whose service said they ended: the sweeper wrote their marker (docs/completion.md). */
  polled: number;
  /** Runs whose handling threw: each was alerted and moved back, the others went on. */
  failed: number;
  /** True when the pass stopped early (time budget) and left due runs for the next one. */
  truncated: boolean;
}

export interface SweepOptions {
  /** Asked before each due run: true stops the pass (e.g. the Lambda's remaining time is short). */
  readonly shouldStop?: () => boolean;
  /** p95 durations kept across sweeps (one per sweeper container); a fresh one reads them again. */
  readonly estimates?: DurationEstimates;
}

export const LATE_CURSOR = 'late-check';

/**
 * The periodic sweep (every minute in AWS; whenever something is due in
 * simulation). It acts on runs whose `dueAt` has passed — timeouts, retries,
 * cluster rechecks, maximum run times, expired claims, interrupted
 * propagation and late-data actions — and raises LATE alerts. Each action is a guarded transition,
 * so overlapping sweeps and racing handlers are harmless.
 *
 * Nothing one run does can stop the pass: the due index is read page by page
 * (never the same first page again), a run whose handling throws is alerted
 * and pushed back with a backoff, and the pass ends early, leaving the rest
 * due, when `shouldStop` says the time is up.
 */
export async function sweep(deps: EngineDeps, opts: SweepOptions = {}): Promise<SweepReport> {
  const report: SweepReport = {
    timedOut: 0,
    dispatched: 0,
    resumed: 0,
    recovered: 0,
    late: 0,
    predictedLate: 0,
    polled: 0,
    failed: 0,
    truncated: false,
  };
  const now = deps.clock.now();
  // LATE first: it is cheap, and a long pass over due runs must not starve it.
  await checkLate(deps, now, report);
  report.predictedLate = await checkPredictedLate(deps, opts.estimates ?? new DurationEstimates(deps.store), now);
  let after: string | undefined;
  do {
    const page = await deps.store.listDue(now.toISOString(), deps.tuning.sweepPageSize, after);
    for (const run of page.runs) {
      if (opts.shouldStop?.()) {
        report.truncated = true;
        return report;
      }
      await handleIsolated(deps, run, now, report);
    }
    after = page.next;
  } while (after);
  return report;
}

/** One due run, isolated: its failure is reported and backed off, never thrown to the pass. */
async function handleIsolated(deps: EngineDeps, run: Run, now: Date, report: SweepReport): Promise<void> {
  try {
    await handleDue(deps, run, now, report);
  } catch (err) {
    report.failed++;
    const failures = (run.sweepFailures ?? 0) + 1;
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    deps.log.error('sweep of a run failed', { job: run.job, date: run.date, state: run.state, failures, error: message });
    // Back off 2, 4, 8 … 60 minutes so one broken run costs the pass almost nothing.
    const backoff = Math.min(60, 2 ** failures);
    const nowIso = now.toISOString();
    try {
      await deps.store.transition(
        moveDue(run, {
          at: nowIso,
          by: 'sweeper',
          dueAt: addMinutes(now, backoff).toISOString(),
          why: 'sweep failed',
          sweepFailures: failures,
        }),
      );
      await raiseAlert(deps, {
        kind: AlertKind.DEAD_LETTER,
        job: run.job,
        date: run.date,
        attempt: run.attempt,
        subject: 'sweep',
        message: `the sweeper could not handle ${run.job} ${run.date} (${run.state}, attempt ${run.attempt}): ${message}. It tries again with a backoff; other runs are not held up.`,
        next: `rsched log ${run.job} --date ${run.date} shows the run; rsched reconcile --date ${run.date} repairs lost events`,
      });
    } catch (inner) {
      deps.log.error('could not back off a failing run', { job: run.job, date: run.date, error: String(inner) });
    }
  }
}

async function handleDue(deps: EngineDeps, run: Run, now: Date, report: SweepReport): Promise<void> {
  const job = deps.dag.jobs.get(run.job);
  const nowIso = now.toISOString();
  if (!job) {
    // The job was removed from the config: nothing will ever act on this run again.
    await deps.store.transition(moveDue(run, { at: nowIso, by: 'sweeper', why: 'job no longer in config' }));
    return;
  }
  const deadlinePassed = run.deadlineAt !== undefined && run.deadlineAt <= nowIso;
  switch (run.state) {
    case RunState.SUCCEEDED:
      report.resumed++;
      // Late data a handler recorded but did not finish acting on (docs/markers.md#late-data-onlateupstream).
      if (run.lateSeq !== undefined) await resumeLateData(deps, run, 'sweeper');
      if (run.propagatedAt === undefined) await propagateSuccess(deps, run, 'sweeper');
      else if (run.lateSeq === undefined)
        await deps.store.transition(moveDue(run, { at: nowIso, by: 'sweeper', why: 'nothing left to do' }));
      return;
    case RunState.FAILED:
    case RunState.TIMED_OUT:
      report.resumed++;
      await finishFailure(deps, run, 'sweeper');
      return;
    case RunState.UPSTREAM_FAILED:
      await markPropagated(deps, run);
      return;
    case RunState.SKIPPED:
      // A skip not yet passed down (its handler died midway): pass it on; it never times out or alerts.
      report.resumed++;
      await propagateSkip(deps, run, 'sweeper');
      return;
    case RunState.WAITING:
      return handleWaiting(deps, job, run, now, deadlinePassed, report);
    case RunState.WAITING_FOR_CLUSTER:
      if (deadlinePassed) {
        report.timedOut++;
        await timeOut(deps, job, run, `no live cluster served pool ${job.pool} within ${job.timeoutMinutes} min`, {
          kind: 'cluster',
          pool: job.pool ?? '?',
        });
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
    case RunState.SUBMIT_UNCERTAIN: {
      const current = run.state === RunState.SUBMIT_UNCERTAIN ? await findUncertainSubmission(deps, job, run, now) : run;
      if (await endedByStatusPoll(deps, job, current, now)) {
        report.polled++;
        return;
      }
      report.timedOut++;
      const limit = job.maxRuntimeMinutes ?? job.timeoutMinutes;
      await endInFailure(deps, {
        key: current,
        guard: { states: [current.state], attempt: current.attempt, dueAt: current.dueAt },
        to: RunState.TIMED_OUT,
        kind: 'TIMED_OUT',
        reason:
          current.state === RunState.SUBMITTED
            ? `submitted at ${current.submittedAt} but no marker within maxRuntimeMinutes=${limit}`
            : `submit outcome unknown since ${current.submittedAt} and no marker within ${limit} min`,
        by: 'sweeper',
        why: 'maximum run time exceeded',
        cause: { kind: 'runtime' },
      });
      return;
    }
    case RunState.SHADOW_SUBMITTED:
      // Nothing was sent, so nothing of ours can time it out: only its marker ends it (docs/shadow.md).
      await deps.store.transition(moveDue(run, { at: nowIso, by: 'sweeper', why: 'shadow decisions have no timer' }));
      return;
    case RunState.PENDING:
      return;
  }
}

/**
 * Events are best effort (docs/completion.md, "Guarantees"): a SUBMITTED run
 * of a job with completion "events" is past maxRuntimeMinutes, so the
 * service is asked. When it says the run ended, the sweeper writes the marker
 * and looks again after a claim lease (if that marker's own S3 event is lost,
 * the next look writes it again; a duplicate changes nothing). When it says
 * "running" or cannot tell, the run times out as before.
 */
async function endedByStatusPoll(deps: EngineDeps, job: Job, run: Run, now: Date): Promise<boolean> {
  if (!deps.completion) return false;
  const polled = await pollSubmitted({ ...deps, completion: deps.completion }, job, run);
  if (polled !== 'written') return false;
  await deps.store.transition(
    moveDue(run, {
      at: now.toISOString(),
      by: 'sweeper',
      dueAt: addMinutes(now, deps.tuning.claimLeaseMinutes).toISOString(),
      why: 'marker written from a status poll',
    }),
  );
  return true;
}

/**
 * A run parked SUBMIT_UNCERTAIN recorded no submission id, so no event and no
 * poll could end it (docs/completion.md, "Runs parked SUBMIT_UNCERTAIN"). At
 * its due time, for a job the sweeper can poll, the target is asked once more
 * for the attempt's submission — the same lookup as a lost claim's (Glue:
 * GetJobRuns by `--rsched-run`; Step Functions: the execution name; EMR
 * Serverless: the job run name; EMR steps: the step name). Found, it is
 * recorded (SUBMITTED) and polled; otherwise the run stays as it was.
 */
async function findUncertainSubmission(deps: EngineDeps, job: Job, run: Run, now: Date): Promise<Run> {
  if (!deps.completion || job.completion !== 'events' || !deps.completion.status.for(job.target.type)) return run;
  const found = await lookUpClaimed(deps, job, run);
  if (!found || found === 'unknown') {
    deps.log.warn('the uncertain submission was not found', { job: run.job, date: run.date, attempt: run.attempt, found: found ?? 'none' });
    return run;
  }
  const recorded = await deps.store.transition(
    recordFoundSubmission(run, {
      submissionId: found.submissionId,
      clusterId: found.clusterId ?? run.clusterId,
      at: now.toISOString(),
      by: 'sweeper',
    }),
  );
  return recorded.ok ? recorded.run : run;
}

async function handleWaiting(deps: EngineDeps, job: Job, run: Run, now: Date, deadlinePassed: boolean, report: SweepReport): Promise<void> {
  if (job.target.type === 'external') {
    // An external job with upstreams waits for its own marker (docs/runs.md, "Nothing stalls"); it times out like any wait.
    if (deadlinePassed) {
      report.timedOut++;
      await timeOut(deps, job, run, `waited ${job.timeoutMinutes} min for its marker (an external job is never submitted)`, {
        kind: 'marker',
      });
    } else if (run.deadlineAt) {
      await deps.store.transition(
        moveDue(run, { at: now.toISOString(), by: 'sweeper', dueAt: run.deadlineAt, why: 'waits for its marker' }),
      );
    }
    return;
  }
  if (isReady(job, run, deps.dag)) {
    report.dispatched++;
    await dispatch(deps, run, 'sweeper');
    return;
  }
  if (!deadlinePassed) {
    // Due early (an older timer): the deadline is the next thing that can happen here.
    await deps.store.transition(moveDue(run, { at: now.toISOString(), by: 'sweeper', dueAt: run.deadlineAt, why: 'wait' }));
    return;
  }
  // Before timing out, ask the upstream runs themselves: a success may have been lost on its way here.
  const repaired = await repairDoneSet(deps, run, 'sweeper');
  if (repaired.state === RunState.WAITING && isReady(job, repaired, deps.dag)) {
    report.dispatched++;
    await dispatch(deps, repaired, 'sweeper');
    return;
  }
  if (repaired.state !== RunState.WAITING || repaired.attempt !== run.attempt) return;
  const missing = missingUpstreams(job, repaired, deps.dag);
  report.timedOut++;
  const since = run.waitStartedAt ? ` since ${run.waitStartedAt}` : '';
  await timeOut(deps, job, repaired, `waited ${job.timeoutMinutes} min${since} for ${missing.join(', ')}`, { kind: 'upstreams', missing });
}

async function timeOut(
  deps: EngineDeps,
  job: Job,
  run: Run,
  reason: string,
  cause: Parameters<typeof endInFailure>[1]['cause'],
): Promise<void> {
  await endInFailure(deps, {
    key: run,
    guard: { states: [run.state], attempt: run.attempt, dueAt: run.dueAt },
    to: RunState.TIMED_OUT,
    kind: 'TIMED_OUT',
    reason,
    by: 'sweeper',
    why: `timeout after ${job.timeoutMinutes} min`,
    cause,
  });
}

/**
 * A claim whose handler died. If the control plane shows the submission, record
 * it; if it shows none, dispatch again; if it cannot tell, park the run
 * (SUBMIT_UNCERTAIN) rather than risk a second submission.
 */
async function recoverClaim(deps: EngineDeps, job: Job, run: Run): Promise<void> {
  const now = deps.clock.now().toISOString();
  // A shadow claim sent nothing: record its decision now, and never ask the target (docs/shadow.md).
  if (isShadow(job)) {
    await submitClaimed(deps, job, run, 'sweeper', await claimedCluster(deps, job, run));
    return;
  }
  const found = job.target.type === 'external' ? undefined : await lookUpClaimed(deps, job, run);
  if (found === 'unknown') {
    await parkAsUncertain(
      deps,
      job,
      run,
      'sweeper',
      'the handler that claimed this run stopped before recording the submission',
      job.target.type === 'datapipeline' ? `Data Pipeline ${job.target.pipeline}` : `the ${job.target.type} target`,
    );
    return;
  }
  if (found) {
    const submittedAt = run.claimedAt ?? now;
    await deps.store.transition(
      recordSubmission(run, {
        submissionId: found.submissionId,
        clusterId: found.clusterId ?? run.clusterId,
        submittedAt,
        maxRuntimeDueAt: job.maxRuntimeMinutes ? addMinutes(submittedAt, job.maxRuntimeMinutes).toISOString() : undefined,
        at: now,
        by: 'sweeper',
        why: `claim expired; found submission ${found.submissionId}`,
      }),
    );
    return;
  }
  const reopened = await deps.store.transition(
    releaseClaim(run, { at: now, by: 'sweeper', dueAt: new Date(Date.parse(now) + MINUTE_MS).toISOString() }),
  );
  if (reopened.ok) await dispatch(deps, reopened.run, 'sweeper');
}

/** Asks the target for the claimed attempt's submission; the rendered target lets Data Pipeline look it up. */
async function lookUpClaimed(deps: EngineDeps, job: Job, run: Run): Promise<SubmitResult | undefined | 'unknown'> {
  const target = await renderRequest(deps, job, run, undefined).then(
    (r) => r.target,
    () => undefined, // a target that needs the cluster's IP: EMR finds the step by name and cluster id alone
  );
  return lookUpSubmission(deps, {
    job: run.job,
    date: run.date,
    attempt: run.attempt,
    type: job.target.type as SubmissionRef['type'],
    clusterId: run.clusterId,
    since: run.claimedAt,
    target,
  });
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
