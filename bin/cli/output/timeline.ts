import type { Dag } from '../../../lambdas/domain/config/dag';
import type { SimulationResult } from '../../../lambdas/local/simulate';
import { isSuccessful } from '../../../lambdas/local/simulation-report';
import { bold, clockTime, dim, formatMinutes, green, red, stateColour, table } from './format';

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
  const unfinished = Object.entries(report.jobs).filter(([, j]) => j.state !== 'SUCCEEDED' && j.state !== 'PENDING');
  for (const [name, job] of unfinished)
    out.write(`  ${stateColour(job.state)(job.state.padEnd(16))} ${name}${job.reason ? dim(` — ${job.reason}`) : ''}\n`);
  const duplicated = Object.entries(report.jobs).filter(([, j]) => j.submissions > 1);
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
}
