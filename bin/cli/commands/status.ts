import type { Command } from 'commander';
import { dayStatus, type JobStatus } from '../../../lambdas/engine/operations/status';
import { printJson, requireDate, todayUtc, withTargetOptions } from '../options';
import { bold, clockTime, dim, formatMinutes, red, stateColour, table } from '../output/format';
import { openTarget, type TargetOptions } from '../target';

function describeJob(job: JobStatus): string {
  if (job.waitingOn.length > 0) return `waiting on ${job.waitingOn.join(', ')}`;
  return job.reason ?? '';
}

export function registerStatus(program: Command): void {
  withTargetOptions(program.command('status').description('every job of a run date: state, attempt, times, cluster, what it waits on'))
    .option('--date <YYYY-MM-DD>', 'run date (default: today, UTC)')
    .action(async (opts: TargetOptions & { date?: string; json?: boolean }) => {
      const date = requireDate(opts.date ?? todayUtc());
      const target = await openTarget(opts);
      const status = await dayStatus({ dag: target.dag, store: target.ops.deps.store, registry: target.ops.registry, date });
      if (opts.json) return printJson(status);
      const out = process.stdout;
      out.write(`${bold(`status ${date}`)} ${dim(`— ${target.description}`)}\n\n`);
      const rows = Object.entries(status.jobs).map(([name, job]) => [
        name,
        stateColour(job.state)(job.state),
        job.attempts ? String(job.attempts) : '',
        job.submittedAt ? clockTime(job.submittedAt, date) : '',
        job.finishedAt ? clockTime(job.finishedAt, date) : '',
        job.durationMinutes !== null && job.durationMinutes !== undefined ? formatMinutes(job.durationMinutes) : '',
        job.cluster ?? '',
        dim(describeJob(job)),
      ]);
      out.write(table(rows, ['job', 'state', 'try', 'submitted', 'finished', 'took', 'cluster', 'waiting on / reason']));
      const shadows = Object.entries(status.jobs).filter(([, job]) => job.mode === 'shadow');
      if (shadows.length > 0) {
        // Shadow jobs (docs/shadow.md): when we would have submitted, next to the old scheduler's real marker.
        const at = (iso: string | null | undefined) => (iso ? clockTime(iso, date) : '');
        out.write(`\n${bold('Shadow jobs')} ${dim('— decisions recorded, nothing submitted; markers written by the old scheduler')}\n`);
        out.write(
          table(
            shadows.map(([name, job]) => [
              name,
              at(job.shadow?.decidedAt),
              at(job.shadow?.startedAt),
              at(job.shadow?.markerAt),
              job.shadow?.markerKey ?? '',
              dim(job.shadow?.request ? JSON.stringify(job.shadow.request.target) : ''),
            ]),
            ['job', 'would submit', 'old started', 'marker', 'marker key', 'request'],
          ),
        );
      }
      if (status.clusters.length > 0) {
        out.write(`\n${bold('Clusters')}\n`);
        out.write(
          table(
            status.clusters.map((c) => [
              c.name,
              c.state,
              c.clusterId ?? '',
              c.masterIp ?? '',
              `${clockTime(c.windowStart, date)}–${clockTime(c.windowEnd, date)}`,
            ]),
            ['cluster', 'state', 'id', 'master ip', 'window'],
          ),
        );
      }
      out.write(`\n${bold('Alerts')}: ${status.alerts.length === 0 ? 'none' : ''}\n`);
      for (const alert of status.alerts) {
        const shadow = alert.shadow ? dim(' (shadow: recorded, not sent)') : '';
        out.write(`  ${red(alert.kind)}${shadow} ${dim(clockTime(alert.at, date))} ${alert.message}\n`);
      }
    });
}
