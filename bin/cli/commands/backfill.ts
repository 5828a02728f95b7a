import type { Command } from 'commander';
import type { Backfill, BackfillReprocess } from '../../../lambdas/ports/backfill-store';
import { confirm, positiveInt, printJson, requireConsent, requireRunPeriod, withTargetOptions } from '../options';
import { bold, dim, green, red, yellow } from '../output/format';
import { UsageError } from '../run';
import { openTarget, operator, type Target, type TargetOptions } from '../target';

type BackfillOptions = TargetOptions & {
  from?: string;
  to?: string;
  downstream?: boolean;
  parallel: string;
  reprocess: string;
  list?: boolean;
  status?: string;
  cancel?: string;
  detach?: boolean;
  force?: boolean;
  includeExcluded?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
};

function counts(b: Backfill): Record<string, number> {
  const c: Record<string, number> = {};
  for (const d of Object.values(b.dates)) c[d.status] = (c[d.status] ?? 0) + 1;
  return c;
}

function summary(b: Backfill): string {
  const c = counts(b);
  const total = Object.keys(b.dates).length;
  const finished = (c.succeeded ?? 0) + (c.failed ?? 0) + (c.skipped ?? 0) + (c.blocked ?? 0) + (c.cancelled ?? 0);
  const colour = b.state === 'DONE' ? green : b.state === 'CANCELLED' ? red : yellow;
  return `${b.id} ${colour(b.state)} ${b.job}${b.downstream ? ' --downstream' : ''} ${b.from}…${b.to}: ${finished}/${total} done (${Object.entries(
    c,
  )
    .map(([k, v]) => `${v} ${k}`)
    .join(', ')})`;
}

function statusColour(status: string): string {
  if (status === 'succeeded') return green(status);
  if (status === 'failed' || status === 'blocked') return red(status);
  if (status === 'running' || status === 'starting') return yellow(status);
  return status;
}

async function follow(target: Target, id: string): Promise<void> {
  // Progress from the stored record, which the sweeper advances; Ctrl-C leaves the backfill running.
  for (;;) {
    const b = await target.ops.backfills.getBackfill(id);
    if (!b) throw new UsageError(`backfill ${id} disappeared`);
    process.stdout.write(`\r${summary(b)}   `);
    if (b.state !== 'RUNNING') return void process.stdout.write('\n');
    await new Promise((r) => setTimeout(r, 2000));
  }
}

export function registerBackfill(program: Command): void {
  withTargetOptions(
    program
      .command('backfill')
      .description(
        're-run a job (and its downstream) over a date range; a stored record the system advances with a cap on dates in flight',
      ),
  )
    .argument('[job]', 'job name (to start a backfill)')
    .option('--from <YYYY-MM-DD>', 'first run date (an hourly job: first UTC hour, YYYY-MM-DDTHH)')
    .option('--to <YYYY-MM-DD>', 'last run date, inclusive (an hourly job: last UTC hour)')
    .option('--downstream', 'also re-run the transitive downstream runs of each date')
    .option('--parallel <n>', 'dates in flight at most', '2')
    .option('--reprocess <which>', 'missing (dates with no SUCCEEDED run), failed, or all', 'missing')
    .option('--list', 'list backfills')
    .option('--status <id>', 'show one backfill')
    .option('--cancel <id>', 'cancel a backfill (runs in flight finish)')
    .option('--detach', 'start it and return without following progress')
    .option('--force', 'start over runs that are in flight (otherwise such dates wait until they end)')
    .option('--include-excluded', 'also run dates the calendar excludes (otherwise they are skipped; docs/calendars.md)')
    .option('--dry-run', 'print the plan (dates, runs, order) and change nothing')
    .option('--yes', 'do not ask for confirmation (required to start or --cancel when stdin is not a terminal)')
    .action(async (job: string | undefined, opts: BackfillOptions) => {
      // --list and --status only read and --dry-run changes nothing; --cancel (even with --status or
      // --dry-run beside it, which do not stop it) and a start change runs. --list wins over everything.
      const changes = !opts.list && (opts.cancel !== undefined || (!opts.status && !opts.dryRun));
      if (changes) requireConsent('backfill', opts.yes);
      const target = await openTarget(opts, job);
      const { backfillStatus, cancelBackfill, createBackfill, planBackfill } = await import(
        '../../../lambdas/engine/operations/backfill.js'
      );
      const { backfills, deps } = target.ops;
      if (opts.list) {
        const all = (await backfills.listBackfills()).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
        if (opts.json) return printJson(all);
        if (all.length === 0) return void process.stdout.write('no backfills\n');
        for (const b of all) process.stdout.write(`${summary(b)}\n`);
        return;
      }
      if (opts.status || opts.cancel) {
        const id = (opts.status ?? opts.cancel) as string;
        const b = opts.cancel ? await cancelBackfill(deps, backfills, id) : await backfills.getBackfill(id);
        if (!b) throw new UsageError(`no backfill ${id}; \`rsched backfill --list\` shows them`);
        // Each date with its runs (state, attempt, reason): what a date waits for or why it failed.
        const dates = await backfillStatus(deps, b);
        if (opts.json) return printJson({ ...b, status: dates });
        process.stdout.write(`${summary(b)}\n`);
        for (const d of dates) {
          process.stdout.write(`  ${d.date} ${statusColour(d.status)}${d.note ? dim(` — ${d.note}`) : ''}\n`);
          for (const r of d.runs) {
            process.stdout.write(
              `      ${r.job.padEnd(24)} ${r.state.padEnd(16)} attempt ${r.attempt}${r.reason ? dim(` — ${r.reason}`) : ''}\n`,
            );
          }
        }
        return;
      }
      if (!job) throw new UsageError('give a job to backfill, or --list / --status ID / --cancel ID');
      const reprocess = opts.reprocess as BackfillReprocess;
      if (!['missing', 'failed', 'all'].includes(reprocess))
        throw new UsageError(`--reprocess must be missing, failed or all, got "${opts.reprocess}"`);
      const request = {
        job,
        from: requireRunPeriod(opts.from, '--from'),
        to: requireRunPeriod(opts.to, '--to'),
        downstream: opts.downstream ?? false,
        reprocess,
        parallel: positiveInt(opts.parallel, '--parallel', 31),
        force: opts.force,
        includeExcluded: opts.includeExcluded === true,
        by: operator(),
      };
      const plan = await planBackfill(deps, request);
      if (opts.json && opts.dryRun) return printJson(plan);
      if (!opts.json) {
        process.stdout.write(
          `${bold(`backfill ${job}`)} ${request.from}…${request.to}${request.downstream ? ' with its downstream chain' : ''}, reprocess ${reprocess}, ${request.parallel} date(s) in flight ${dim(`— ${target.description}`)}\n`,
        );
      }
      if (!opts.json) {
        for (const d of plan) {
          const what =
            d.action === 'run'
              ? `run ${d.jobs.join(' → ')}`
              : d.action === 'blocked'
                ? red('blocked: nothing started')
                : d.action === 'wait'
                  ? yellow('waits')
                  : 'skip';
          process.stdout.write(`  ${d.date} ${dim(d.currentState.padEnd(16))} ${what}${d.reason ? dim(` — ${d.reason}`) : ''}\n`);
          for (const b of d.cannotComplete) process.stdout.write(`      ${red('cannot complete')} ${b.job}: ${b.why}\n`);
        }
      }
      if (opts.dryRun) return;
      if (!(await confirm('backfill', 'Start it?', opts.yes))) return void process.stdout.write('nothing changed\n');
      const created = await createBackfill(deps, backfills, request);
      if (opts.json) return printJson(created);
      process.stdout.write(`started ${created.id}; the scheduler's sweeper advances it (\`rsched backfill --status ${created.id}\`)\n`);
      if (!opts.detach && process.stdout.isTTY) await follow(target, created.id);
    });
}
