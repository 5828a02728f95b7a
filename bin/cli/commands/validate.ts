import type { Command } from 'commander';
import { formatIssue } from '../../../lambdas/domain/config/issues';
import type { readConfigDir } from '../../../lambdas/domain/config/read-dir';
import { DEFAULT_CONFIG_DIR } from '../defaults';
import { ExitCode, UsageError } from '../run';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check every *.json under the config directory; report all problems at once (exit 2 when invalid)')
    .argument('[dir]', 'config directory', DEFAULT_CONFIG_DIR)
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, opts: { json?: boolean }) => {
      const [{ dataPipelineAdvisory }, { readConfigDir }, { validateConfig }] = await Promise.all([
        import('../../../lambdas/domain/config/checks/data-pipeline.js'),
        import('../../../lambdas/domain/config/read-dir.js'),
        import('../../../lambdas/domain/config/validate.js'),
      ]);
      let files: ReturnType<typeof readConfigDir>;
      try {
        files = readConfigDir(dir);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const validated = validateConfig(files);
      // Advisories about the account (warning: lines, exit 0), e.g. Data Pipeline being closed to new customers.
      const result = validated.dag ? { ...validated, issues: [...validated.issues, ...dataPipelineAdvisory(validated.dag)] } : validated;
      const errors = result.issues.filter((i) => i.severity === 'error');
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify(
            {
              valid: errors.length === 0,
              dir,
              files: files.map((f) => f.path),
              jobs: result.dag?.jobs.size ?? null,
              clusters: result.dag?.clusters.size ?? null,
              issues: result.issues,
            },
            null,
            2,
          )}\n`,
        );
      } else {
        for (const issue of result.issues) process.stderr.write(`${formatIssue(issue)}\n`);
        if (result.dag) {
          const roots = [...result.dag.jobs.values()].filter((j) => j.dependsOn.length === 0).length;
          process.stdout.write(
            `${dir}: valid — ${result.dag.jobs.size} jobs (${roots} roots), ${result.dag.clusters.size} clusters, ${files.length} files\n`,
          );
        } else {
          process.stderr.write(`${dir}: invalid — ${errors.length} problem${errors.length === 1 ? '' : 's'}\n`);
        }
      }
      process.exitCode = errors.length === 0 ? ExitCode.OK : ExitCode.INVALID;
    });
}
