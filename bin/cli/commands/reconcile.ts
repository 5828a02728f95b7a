import type { Command } from 'commander';
import { confirm, printJson, requireConsent, requireDate, withTargetOptions } from '../options';
import { bold, dim } from '../output/format';
import { openTarget, operator, type TargetOptions } from '../target';

export function registerReconcile(program: Command): void {
  withTargetOptions(
    program
      .command('reconcile')
      .description('compare the markers in S3 with the run states and re-drive completions whose events were lost'),
  )
    .requiredOption('--date <YYYY-MM-DD>', 'run date')
    .option('--prefix <prefix>', 'only markers under this key prefix')
    .option('--dry-run', 'print what would be fixed and change nothing')
    .option('--yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .action(async (opts: TargetOptions & { date?: string; prefix?: string; dryRun?: boolean; yes?: boolean; json?: boolean }) => {
      const date = requireDate(opts.date);
      if (!opts.dryRun) requireConsent('reconcile', opts.yes);
      const target = await openTarget(opts);
      const { reconcile } = await import('../../../lambdas/engine/operations/reconcile.js');
      const by = operator();
      const plan = await reconcile(target.ops.deps, target.ops.bucket, date, { prefix: opts.prefix, by, dryRun: true });
      const show = (title: string, result: typeof plan) => {
        process.stdout.write(`${bold(title)} ${dim(`— ${target.description}, ${result.markersSeen} markers for ${date}`)}\n`);
        for (const fix of result.fixed) process.stdout.write(`  ${fix.action.padEnd(24)} ${fix.job.padEnd(24)} ${dim(fix.detail)}\n`);
        for (const conflict of result.conflicts) process.stdout.write(`  conflict ${conflict}\n`);
        if (result.fixed.length === 0) process.stdout.write('  nothing to fix: the runs agree with the markers\n');
      };
      if (opts.dryRun || plan.fixed.length === 0) {
        if (opts.json) printJson(plan);
        else show(`reconcile ${date} (dry run)`, plan);
        return;
      }
      if (!opts.json) show(`reconcile ${date}: plan`, plan);
      if (!(await confirm('reconcile', `Apply ${plan.fixed.length} fix(es)?`, opts.yes)))
        return void process.stdout.write('nothing changed\n');
      const result = await reconcile(target.ops.deps, target.ops.bucket, date, { prefix: opts.prefix, by });
      if (opts.json) printJson(result);
      else show(`reconcile ${date}: fixed`, result);
    });
}
