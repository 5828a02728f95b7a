import type { Command } from 'commander';
import { dateRange, type RunDate } from '../../../lambdas/domain/run-date';
import { dayOf } from '../../../lambdas/domain/run-hour';
import type { DayStatus, JobStatus } from '../../../lambdas/engine/operations/status';
import { printJson, requireDate, requireRunPeriod, todayUtc, withTargetOptions } from '../options';
import { bold, clockTime, dim, formatMinutes, red, stateColour, table } from '../output/format';
import { legend, renderGrid, STATE_CODES } from '../output/grid';
import { describeHours } from '../output/hours';
import { describeWait } from '../output/waits';
import { UsageError } from '../run';
import { openTarget, type Target, type TargetOptions } from '../target';

/** The grid covers at most this many dates: one query per date. */
const MAX_GRID_DAYS = 62;

function describeJob(job: JobStatus, date: string): string {
  if (job.waitingFor) return describeWait(job.waitingFor, date);
  return job.reason ?? '';
}

interface StatusOptions extends TargetOptions {
  date?: string;
  from?: string;
  to?: string;
  json?: boolean;
}

export function registerStatus(program: Command): void {
  withTargetOptions(
    program
      .command('status')
      .description(
        'every job of a run date: state, attempt, times, cluster, what it waits on, the next step of its alert; --from/--to: a grid of jobs × dates',
      ),
  )
    .option(
      '--date <YYYY-MM-DD>',
      "run date (default: today, UTC; with --local, the rsched dev clock's today); an hour YYYY-MM-DDTHH shows its day",
    )
    .option('--from <YYYY-MM-DD>', 'first date of the grid (with --to)')
    .option('--to <YYYY-MM-DD>', 'last date of the grid (default: today)')
    .action(async (opts: StatusOptions) => {
      if (opts.from !== undefined || opts.to !== undefined) return grid(opts);
      // An hour (YYYY-MM-DDTHH) shows its day: the day lists the hours of hourly jobs (docs/hourly.md#status).
      const given = opts.date === undefined ? undefined : dayOf(requireRunPeriod(opts.date));
      const target = await openTarget(opts);
      const { dayStatus } = await import('../../../lambdas/engine/operations/status.js');
      // The deployed system's today is the wall clock's; a local rsched dev's is its own (accelerated) clock's.
      const now = target.ops.deps.clock.now();
      const date = given ?? todayUtc(now);
      const status = await dayStatus({ dag: target.dag, store: target.ops.deps.store, registry: target.ops.registry, date, now });
      if (opts.json) return printJson(status);
      printDay(status, target, date);
    });
}

/** `status --from D --to D`: jobs × dates, one state code a cell (`--json`: the same as a structured object). */
async function grid(opts: StatusOptions): Promise<void> {
  if (opts.date !== undefined) throw new UsageError('--date and --from/--to do not go together: --date is one day, --from/--to the grid');
  if (opts.from === undefined) throw new UsageError('--to needs --from (the first date of the grid)');
  const from = requireDate(opts.from, '--from');
  const givenTo = opts.to === undefined ? undefined : requireDate(opts.to, '--to');
  const target = await openTarget(opts);
  const { dayStatus } = await import('../../../lambdas/engine/operations/status.js');
  const now = target.ops.deps.clock.now();
  const to = givenTo ?? todayUtc(now);
  if (to < from) throw new UsageError(`--to ${to} is before --from ${from}`);
  const dates = dateRange(from, to);
  if (dates.length > MAX_GRID_DAYS)
    throw new UsageError(`the grid covers at most ${MAX_GRID_DAYS} dates, got ${dates.length} (${from} … ${to})`);
  const days: DayStatus[] = [];
  for (const date of dates) days.push(await dayStatus({ dag: target.dag, store: target.ops.deps.store, date, now }));
  const jobs: Record<string, Record<string, { state: string; attempts: number; next: string | null }>> = {};
  for (const name of target.dag.topologicalOrder) {
    jobs[name] = Object.fromEntries(
      days.map((day) => {
        const job = day.jobs[name] as JobStatus;
        return [
          day.date,
          {
            state: job.state,
            attempts: job.attempts,
            next: job.alert?.next ?? null,
            ...(job.hoursSucceeded !== undefined ? { hoursSucceeded: job.hoursSucceeded } : {}),
          },
        ];
      }),
    );
  }
  if (opts.json) return printJson({ from, to, dates, jobs, legend: STATE_CODES });
  const out = process.stdout;
  out.write(`${bold(`status ${from} … ${to}`)} ${dim(`— ${target.description}`)}\n\n`);
  const latest = days.at(-1) as DayStatus;
  out.write(
    renderGrid(
      dates,
      target.dag.topologicalOrder.map((name) => {
        const job = latest.jobs[name] as JobStatus;
        return {
          job: name,
          states: days.map((day) => (day.jobs[name] as JobStatus).state),
          // An hourly job's day is its count of hours done (docs/hourly.md#status).
          counts: days.map((day) => (day.jobs[name] as JobStatus).hoursSucceeded),
          note: job.alert?.next ? `next: ${job.alert.next}` : describeJob(job, latest.date),
        };
      }),
    ),
  );
  out.write(`\n${legend(days.flatMap((day) => Object.values(day.jobs).map((j) => j.state)))}\n`);
}

function printDay(status: DayStatus, target: Target, date: RunDate): void {
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
    [dim(describeJob(job, date)), job.alert?.next ? `${red(job.alert.kind)} next: ${job.alert.next}` : ''].filter(Boolean).join(' — '),
  ]);
  out.write(table(rows, ['job', 'state', 'try', 'submitted', 'finished', 'took', 'cluster', 'waiting on / reason / next step']));
  const hourly = Object.entries(status.jobs).filter(([, job]) => job.hours !== undefined);
  if (hourly.length > 0) {
    out.write(`\n${bold('Hourly jobs')} ${dim('— UTC hours of the day')}\n`);
    out.write(
      table(
        hourly.map(([name, job]) => [name, `${job.hoursSucceeded ?? 0}/24`, describeHours(job.hours ?? {})]),
        ['job', 'done', 'hours'],
      ),
    );
  }
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
}
