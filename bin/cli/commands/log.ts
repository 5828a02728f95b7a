import type { Command } from 'commander';
import { printJson, requireRunPeriod, withTargetOptions } from '../options';
import { bold, clockTime, dim, stateColour, table } from '../output/format';
import { UsageError } from '../run';
import { openTarget, type TargetOptions } from '../target';

/**
 * `rsched log JOB --date D`: every transition of every attempt of one run, in
 * order, with who or what caused it — the audit trail the store keeps
 * (docs/runs.md, "History").
 */
export function registerLog(program: Command): void {
  withTargetOptions(program.command('log').description('every transition of every attempt of a run: when, from, to, by whom, why'))
    .argument('<job>', 'job name')
    .requiredOption('--date <YYYY-MM-DD>', 'run date; for an hourly job the UTC hour YYYY-MM-DDTHH')
    .action(async (job: string, opts: TargetOptions & { date?: string; json?: boolean }) => {
      const date = requireRunPeriod(opts.date);
      const target = await openTarget(opts, job);
      const run = await target.ops.deps.store.get({ job, date });
      if (!run) throw new UsageError(`${job} has no run for ${date} yet (it is PENDING); rsched status --date ${date} shows the day`, 1);
      if (opts.json) return printJson({ job, date, state: run.state, attempt: run.attempt, transitions: run.history });
      const out = process.stdout;
      out.write(
        `${bold(`log ${job} ${date}`)} ${stateColour(run.state)(run.state)}, attempt ${run.attempt} ${dim(`— ${target.description}`)}\n\n`,
      );
      out.write(
        table(
          run.history.map((e) => [clockTime(e.at, date), String(e.attempt), `${e.from} → ${stateColour(e.to)(e.to)}`, e.by, dim(e.why)]),
          ['at', 'try', 'transition', 'by', 'why'],
        ),
      );
    });
}
