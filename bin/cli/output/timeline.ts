import type { Dag } from '../../../lambdas/domain/config/dag';
import type { RunDate } from '../../../lambdas/domain/run-date';
import { dayOf } from '../../../lambdas/domain/run-hour';
import type { TimelineEvent } from '../../../lambdas/local/run-events';
import type { SimulationResult } from '../../../lambdas/local/simulate';
import { type ExactlyOnceEvidence, isSuccessful } from '../../../lambdas/local/simulation-report';
import { bold, clockTime, dim, formatMinutes, green, red, stateColour, table } from './format';
import { describeHours } from './hours';
import { describeWait } from './waits';

/** "54 deliveries of 18 markers, 18 runs submitted: 18 once each, 0 twice or more" (runs: per attempt). */
export function exactlyOnceLine(e: ExactlyOnceEvidence): string {
  const twice = e.submittedMoreThanOnce;
  const counted = `${e.deliveries} deliveries of ${e.markerEvents} markers, ${e.runsSubmitted} runs submitted: ${e.submittedOnce} once each, ${twice.length} twice or more`;
  const offenders = twice.map((t) => `${t.job} attempt ${t.attempt}: ${t.submissions} submissions`).join('; ');
  return twice.length === 0 ? green(counted) : red(`${counted} (${offenders})`);
}

/**
 * One timeline line as `rsched dev` prints it while it happens: the columns of
 * `rsched simulate`'s table (time, what, event, detail) at fixed widths, the
 * time with its day (a dev session spans days), and the run date after the
 * job when it is not that day.
 */
export function timelineLine(e: TimelineEvent): string {
  const day = e.at.slice(0, 10);
  // An hourly run's subject already names its hour; only a run of another day needs its date.
  const runDay = e.date === undefined ? undefined : dayOf(e.date as RunDate);
  const subject = runDay && runDay !== day ? `${e.subject} (run ${e.date})` : e.subject;
  return `${dim(`${day} ${e.at.slice(11, 16)}`)}  ${subject.padEnd(24)} ${stateColour(e.what)(e.what.padEnd(20))} ${dim(e.detail)}`;
}

/** The human view of a simulation: what started when, where, what waited for what, and the alerts. */
export function printTimeline(result: SimulationResult, dag: Dag): void {
  const { report } = result;
  const out = process.stdout;
  out.write(
    `${bold(`rsched simulate ${report.date}`)} — ${dag.jobs.size} jobs, ${dag.clusters.size} clusters ${dim(`(virtual clock, ${(result.elapsedMs / 1000).toFixed(1)} s)`)}\n\n`,
  );
  out.write(
    table(
      result.events.map((e) => [dim(clockTime(e.at, report.date)), e.subject, stateColour(e.what)(e.what), dim(e.detail)]),
      ['time', 'what', 'event', 'detail'],
    ),
  );
  const counts = new Map<string, number>();
  for (const job of Object.values(report.jobs)) counts.set(job.state, (counts.get(job.state) ?? 0) + 1);
  out.write(`\n${bold('Runs')}: ${[...counts].map(([state, n]) => stateColour(state)(`${n} ${state}`)).join(', ')}\n`);
  // Left unfinished (or never started although due): what each waits on, since when, due when (e.g. under --hang).
  const unfinished = Object.entries(report.jobs).filter(([, j]) => j.state !== 'SUCCEEDED' && (j.state !== 'PENDING' || j.due));
  for (const [name, job] of unfinished) {
    const why = job.waitingFor ? describeWait(job.waitingFor, report.date) : job.reason;
    out.write(`  ${stateColour(job.state)(job.state.padEnd(16))} ${name}${why ? dim(` — ${why}`) : ''}\n`);
  }
  for (const [name, job] of Object.entries(report.jobs).filter(([, j]) => j.hours !== undefined)) {
    out.write(`  ${name} ${dim(`(hourly): ${job.hoursSucceeded ?? 0}/24 hours SUCCEEDED —`)} ${describeHours(job.hours ?? {})}\n`);
  }
  const duplicated = Object.entries(report.jobs).filter(([, j]) => j.submissions > 1 && j.hours === undefined);
  for (const [name, job] of duplicated)
    out.write(`  ${dim(`${name} was submitted ${job.submissions} times (${job.attempts} attempts)`)}\n`);
  out.write(
    `${bold('Makespan')}: ${formatMinutes(report.makespanMinutes)}   ${bold('Critical path')}: ${formatMinutes(report.criticalPathMinutes)}\n`,
  );
  out.write(
    `${bold('Clusters')}: ${report.clusters.map((c) => `${c.name} ${c.clusterId ?? '-'} ${c.masterIp ?? ''}`.trim()).join('; ') || 'none'}\n`,
  );
  out.write(`${bold('Alerts')}: ${report.alerts.length === 0 ? 'none' : ''}\n`);
  for (const alert of report.alerts)
    out.write(
      `  ${red(alert.kind)}${alert.shadow ? dim(' (shadow: recorded, not sent)') : ''} ${alert.message}\n${alert.next ? dim(`    next: ${alert.next}\n`) : ''}`,
    );
  out.write(
    `\n${isSuccessful(report) ? green('OK: every run succeeded or never had to start.') : red('NOT OK: some runs failed or did not finish (exit 1).')}\n`,
  );
  // The exactly-once evidence (docs/exactly-once.md) under --duplicates / --shuffle: how often events came, how often runs were sent.
  out.write(`${bold('exactly-once')}: ${exactlyOnceLine(report.exactlyOnce)}\n`);
}
