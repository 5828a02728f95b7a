import type { Command } from 'commander';
import { printJson, requireConsent, requireRunPeriod, withTargetOptions } from '../options';
import { dim } from '../output/format';
import { UsageError } from '../run';
import { openTarget, operator, type TargetOptions } from '../target';

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerMark(program: Command): void {
  withTargetOptions(
    program.command('mark').description("write a job's marker by hand (manual fixes, tests); the scheduler reacts as to any marker"),
  )
    .argument('<job>', 'job name')
    .requiredOption('--date <YYYY-MM-DD>', 'run date; for an hourly job the UTC hour YYYY-MM-DDTHH')
    .option('--failed', 'write a .failed marker instead of .done')
    .option('--param <key=value>', 'a param for downstream templates ({{params.key}}); repeatable', collect, [])
    .option('--prefix <prefix>', 'key prefix in the bucket', '')
    .option('--force', 'reopen a run that is in flight')
    .option('--yes', 'required when stdin is not a terminal (scripts, CI); on a terminal mark does not ask')
    .action(
      async (
        job: string,
        opts: TargetOptions & {
          date?: string;
          failed?: boolean;
          param: string[];
          prefix: string;
          force?: boolean;
          yes?: boolean;
          json?: boolean;
        },
      ) => {
        const date = requireRunPeriod(opts.date);
        const params: Record<string, string> = {};
        for (const p of opts.param) {
          const m = /^([A-Za-z0-9_.-]+)=(.*)$/s.exec(p);
          if (!m) throw new UsageError(`--param must be key=value with a key of [A-Za-z0-9_.-], got "${p}"`);
          params[m[1] as string] = m[2] as string;
        }
        requireConsent('mark', opts.yes);
        const target = await openTarget(opts, job);
        const { mark } = await import('../../../lambdas/engine/operations/mark.js');
        const result = await mark(target.ops.deps, target.ops.bucket, {
          job,
          date,
          failed: opts.failed ?? false,
          params,
          prefix: opts.prefix,
          force: opts.force,
          by: operator(),
        });
        if (opts.json) return printJson({ bucket: target.ops.bucket.bucket, ...result });
        process.stdout.write(`wrote s3://${target.ops.bucket.bucket}/${result.key} ${dim(`— ${target.description}`)}\n`);
        if (result.reopened.length > 0) process.stdout.write(`reopened (new attempts): ${result.reopened.join(', ')}\n`);
      },
    );
}
