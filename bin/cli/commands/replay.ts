import type { Command } from 'commander';
import type { ReplayPlan } from '../../../lambdas/engine/operations/replay';
import { confirm, printJson, requireConsent, requireRunPeriod, withTargetOptions } from '../options';
import { bold, dim } from '../output/format';
import { ExitCode } from '../run';
import { openTarget, operator, type TargetOptions } from '../target';

type ReplayOptions = TargetOptions & {
  date?: string;
  downstream?: boolean;
  force?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
};

function printPlan(plan: ReplayPlan): void {
  for (const run of plan.runs) {
    const when = run.start === 'now' ? 'submit now' : `wait for ${run.waitsFor.join(', ')}`;
    process.stdout.write(
      `  ${run.job.padEnd(28)} ${dim(`${run.currentState} (attempt ${run.currentAttempt})`)} → attempt ${run.currentAttempt + 1}: ${when}\n`,
    );
  }
  for (const left of plan.excluded ?? [])
    process.stdout.write(`  ${left.job.padEnd(28)} ${dim(`left SKIPPED: ${left.why} (--force runs it)`)}\n`);
  for (const refusal of plan.refusals) process.stdout.write(`  refused: ${refusal}\n`);
}

export function registerReplay(program: Command): void {
  withTargetOptions(
    program.command('replay').description('run a job again as a new attempt; --downstream re-runs its whole downstream chain after it'),
  )
    .argument('<job>', 'job name')
    .requiredOption('--date <YYYY-MM-DD>', 'run date; for an hourly job the UTC hour YYYY-MM-DDTHH')
    .option('--downstream', 'also re-run every transitive downstream run once its upstreams succeed again')
    .option('--force', 'start over runs that are in flight (SUBMITTED); run a date the calendar excludes (docs/calendars.md)')
    .option('--dry-run', 'print the plan (runs, order) and change nothing')
    .option('--yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .action(async (job: string, opts: ReplayOptions) => {
      const date = requireRunPeriod(opts.date);
      if (!opts.dryRun) requireConsent('replay', opts.yes);
      const target = await openTarget(opts, job);
      const { planReplay, replay } = await import('../../../lambdas/engine/operations/replay.js');
      const request = { job, date, downstream: opts.downstream ?? false, force: opts.force, by: operator() };
      const plan = await planReplay(target.ops.deps, request);
      if (opts.dryRun || plan.refusals.length > 0) {
        if (opts.json) printJson(plan);
        else {
          process.stdout.write(`${bold(`replay plan ${job} ${date}`)} ${dim(`— ${target.description}`)}\n`);
          printPlan(plan);
        }
        if (plan.refusals.length > 0) process.exitCode = ExitCode.INVALID;
        return;
      }
      if (!opts.json) {
        process.stdout.write(`${bold(`replay ${job} ${date}`)} ${dim(`— ${target.description}`)}\n`);
        printPlan(plan);
      }
      if (!(await confirm('replay', `Start ${plan.runs.length} new attempt(s)?`, opts.yes)))
        return void process.stdout.write('nothing changed\n');
      const result = await replay(target.ops.deps, request);
      if (opts.json)
        return printJson({
          plan: result.plan,
          dispatch: result.dispatch,
          started: result.started.map((r) => ({ job: r.job, date: r.date, attempt: r.attempt, state: r.state })),
        });
      process.stdout.write(`started: ${job} ${result.dispatch}; ${result.started.length - 1} downstream run(s) wait for it\n`);
    });

  withTargetOptions(program.command('run').description('submit a job now, regardless of its upstreams (recorded as manual in history)'))
    .argument('<job>', 'job name')
    .requiredOption('--date <YYYY-MM-DD>', 'run date; for an hourly job the UTC hour YYYY-MM-DDTHH')
    .option('--force', 'start over a run that is in flight (SUBMITTED); run a date the calendar excludes (docs/calendars.md)')
    .option('--yes', 'required when stdin is not a terminal (scripts, CI); on a terminal run does not ask')
    .action(async (job: string, opts: ReplayOptions) => {
      const date = requireRunPeriod(opts.date);
      requireConsent('run', opts.yes);
      const target = await openTarget(opts, job);
      const { runNow } = await import('../../../lambdas/engine/operations/replay.js');
      const result = await runNow(target.ops.deps, { job, date, force: opts.force, by: operator() });
      const run = result.started[0];
      if (opts.json) return printJson({ job, date, attempt: run?.attempt, dispatch: result.dispatch });
      // lost-race: the scheduler picked the new attempt up first and is submitting it.
      const outcome = result.dispatch === 'lost-race' ? 'picked up by the scheduler (see rsched status)' : result.dispatch;
      process.stdout.write(`${job} ${date}: attempt ${run?.attempt} ${outcome} ${dim(`— ${target.description}`)}\n`);
    });
}
