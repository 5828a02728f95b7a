import type { Command } from 'commander';
import { dateRange } from '../../../lambdas/domain/run-date';
import type { ShadowComparison } from '../../../lambdas/domain/shadow-report';
import { printJson, requireDate, withTargetOptions } from '../options';
import { bold, clockTime, dim, green, red, table, yellow } from '../output/format';
import { ExitCode, UsageError } from '../run';
import { openTarget, type TargetOptions } from '../target';

/** How far apart two starts may be and still agree (EventBridge fires within a minute; S3 events take seconds to a minute). */
const DEFAULT_TOLERANCE_MINUTES = 5;

function tolerance(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || n > 1440)
    throw new UsageError(`--tolerance must be a number of minutes from 0 to 1440, got "${text}"`);
  return n;
}

function verdictColour(run: ShadowComparison): (s: string) => string {
  if (run.verdict === 'agree') return green;
  if (run.verdict === 'not-comparable') return yellow;
  return red;
}

export function registerShadowReport(program: Command): void {
  withTargetOptions(
    program
      .command('shadow-report')
      .description(
        'compare shadow jobs with the scheduler they shadow: started earlier, later, only by us, only by the old one (docs/shadow.md); exit 1 on any disagreement',
      ),
  )
    .requiredOption('--from <YYYY-MM-DD>', 'first run date')
    .option('--to <YYYY-MM-DD>', 'last run date (default: --from)')
    .option('--tolerance <minutes>', 'starts this close agree', String(DEFAULT_TOLERANCE_MINUTES))
    .action(async (opts: TargetOptions & { from?: string; to?: string; tolerance: string; json?: boolean }) => {
      const from = requireDate(opts.from, '--from');
      const to = requireDate(opts.to ?? opts.from, '--to');
      if (to < from) throw new UsageError(`--to (${to}) is before --from (${from})`);
      const { MAX_SHADOW_REPORT_DAYS, shadowReport } = await import('../../../lambdas/engine/operations/shadow-report.js');
      if (dateRange(from, to).length > MAX_SHADOW_REPORT_DAYS) throw new UsageError(`at most ${MAX_SHADOW_REPORT_DAYS} days per report`);
      const toleranceMinutes = tolerance(opts.tolerance);
      const target = await openTarget(opts);
      const report = await shadowReport({
        dag: target.dag,
        store: target.ops.deps.store,
        bucket: target.ops.bucket,
        from,
        to,
        toleranceMinutes,
      });
      process.exitCode = report.summary.disagreements === 0 ? ExitCode.OK : ExitCode.PROBLEM;
      if (opts.json) return printJson(report);
      const out = process.stdout;
      out.write(
        `${bold(`shadow report ${from}${to === from ? '' : ` … ${to}`}`)} ${dim(`— ${target.description}, tolerance ${toleranceMinutes} min`)}\n\n`,
      );
      if (report.jobs.length === 0) {
        out.write('no job is in shadow mode in this config ("mode": "shadow"; see docs/shadow.md)\n');
        return;
      }
      const time = (iso: string | null, date: string) => (iso ? clockTime(iso, date) : '');
      out.write(
        table(
          report.runs.map((r) => [
            r.date,
            r.job,
            verdictColour(r)(r.verdict),
            time(r.decidedAt, r.date),
            time(r.oldStartedAt, r.date),
            time(r.markerAt, r.date),
            dim(r.detail),
          ]),
          ['date', 'job', 'verdict', 'we decided', 'old started', 'old marker', 'detail'],
        ),
      );
      const s = report.summary;
      out.write(
        `\n${s.compared} runs compared: ${s.agree} agree, ${s.earlier} earlier, ${s.later} later, ${s.onlyShadow} only we would have started, ${s.onlyOld} only the old scheduler ran, ${s.notComparable} not comparable — ${s.disagreements === 0 ? green('no disagreement') : red(`${s.disagreements} disagreement(s)`)}\n`,
      );
    });
}
