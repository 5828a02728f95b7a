import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type AppInputs, ContextInvalidError, readAppInputs } from '../../../lib/context';
import { DEFAULT_CONFIG_DIR } from '../defaults';
import type { CheckResult, CheckStatus, DoctorClients } from '../doctor/checks';
import { printJson } from '../options';
import { bold, dim } from '../output/format';
import { ExitCode, UsageError } from '../run';

/** cdk.json context of the current directory, checked as `cdk deploy` checks it. */
function appInputs(): AppInputs {
  const context = existsSync('cdk.json')
    ? ((JSON.parse(readFileSync('cdk.json', 'utf8')) as { context?: Record<string, unknown> }).context ?? {})
    : {};
  try {
    return readAppInputs((key) => context[key]);
  } catch (err) {
    if (err instanceof ContextInvalidError) throw new UsageError(err.message);
    throw err;
  }
}

const LABEL: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

/**
 * The doctor's fourteen AWS SDK clients take a second or two to load: only
 * `rsched doctor` pays for them, not every other command.
 */
const loadChecks = () => import('../doctor/checks.js');

export function printChecks(results: readonly CheckResult[], write: (s: string) => void): void {
  for (const r of results) {
    write(`${r.status === 'fail' ? bold(LABEL[r.status]) : LABEL[r.status]} ${r.id}: ${r.message}\n`);
    if (r.fix) write(`     ${dim(`fix: ${r.fix}`)}\n`);
  }
  const count = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  write(`${count('ok')} ok, ${count('warn')} warn, ${count('fail')} fail\n`);
}

export function registerDoctor(program: Command, clients?: (region?: string) => DoctorClients): void {
  program
    .command('doctor')
    .description(
      'check an AWS account before and after `cdk deploy`: credentials, EMR subnet/security-group tags and roles, Data Pipeline, Lambda concurrency, Slack secret, bucket notifications, schedules, the sweeper (exit 1 on any fail)',
    )
    .option('--stack <name>', 'stack name (default: cdk.json context rsched:stackName)')
    .option('--region <region>', "AWS region (default: the SDK's, e.g. AWS_REGION)")
    .option('--config <dir>', 'config directory (default: cdk.json context rsched:configDir)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { stack?: string; region?: string; config?: string; json?: boolean }) => {
      const app = appInputs();
      const { loadDagFromDir } = await import('../config.js');
      const dag = loadDagFromDir(opts.config ?? app.configDir ?? DEFAULT_CONFIG_DIR);
      const stackName = opts.stack ?? app.stackName;
      const { runDoctor, doctorClients } = await loadChecks();
      const results = await runDoctor({ stackName, app, dag, now: new Date() }, (clients ?? doctorClients)(opts.region));
      const failed = results.some((r) => r.status === 'fail');
      if (opts.json) printJson({ stack: stackName, ok: !failed, checks: results });
      else printChecks(results, (s) => process.stdout.write(s));
      process.exitCode = failed ? ExitCode.PROBLEM : ExitCode.OK;
    });
}
