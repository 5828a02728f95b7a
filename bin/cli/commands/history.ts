import type { Command } from 'commander';
import { CAUSE_LABELS } from '../../../lambdas/domain/runs/attempts';
import type { HistoryRow } from '../../../lambdas/engine/operations/history';
import { positiveInt, printJson, todayUtc, withTargetOptions } from '../options';
import { bold, dim, formatMinutes, stateColour, table } from '../output/format';
import { openTarget, type TargetOptions } from '../target';

const BAR_WIDTH = 30;

/** A horizontal bar in eighths of a character. */
function bar(value: number, max: number): string {
  if (max <= 0) return '';
  const eighths = Math.round((value / max) * BAR_WIDTH * 8);
  return '█'.repeat(Math.floor(eighths / 8)) + (eighths % 8 ? (['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'][eighths % 8] as string) : '');
}

/** "1 scheduled; 2 manual run (run now) by operator:alice": how each attempt started. */
function attemptsText(row: HistoryRow): string {
  return row.attemptLog
    .map((a) => `${a.attempt} ${CAUSE_LABELS[a.cause]}${a.by.startsWith('operator:') ? ` by ${a.by.slice('operator:'.length)}` : ''}`)
    .join('; ');
}

export function registerHistory(program: Command): void {
  withTargetOptions(program.command('history').description("a job's runs over time: durations, attempts, outcomes, p50/p95, success rate"))
    .argument('<job>', 'job name')
    .option('--days <n>', 'how many days back, today included', '14')
    .action(async (jobName: string, opts: TargetOptions & { days: string; json?: boolean }) => {
      const days = positiveInt(opts.days, '--days', 400);
      const target = await openTarget(opts, jobName);
      const { jobHistory } = await import('../../../lambdas/engine/operations/history.js');
      const history = await jobHistory(target.ops.deps.store, jobName, todayUtc(target.ops.deps.clock.now()), days);
      if (opts.json) return printJson(history);
      const out = process.stdout;
      const s = history.stats;
      out.write(`${bold(`history ${jobName}`)} ${history.from} … ${history.to} ${dim(`— ${target.description}`)}\n\n`);
      const max = Math.max(0, ...history.runs.map((r) => r.durationMinutes ?? 0));
      out.write(
        table(
          history.runs.map((r) => [
            r.date,
            stateColour(r.state)(r.state),
            String(r.attempts),
            r.durationMinutes === null ? '' : formatMinutes(r.durationMinutes),
            bar(r.durationMinutes ?? 0, max),
            attemptsText(r),
            dim(r.reason ?? ''),
          ]),
          ['date', 'state', 'try', 'took', 'duration', 'attempts (why started)', 'note'],
        ),
      );
      const pct = s.successRate === null ? 'n/a' : `${Math.round(s.successRate * 100)}%`;
      const m = (v: number | null) => (v === null ? 'n/a' : formatMinutes(Math.round(v)));
      out.write(
        `\n${s.runs} runs, ${s.succeeded} succeeded, ${s.failed} failed${s.skipped > 0 ? `, ${s.skipped} skipped` : ''} (success rate ${pct}); p50 ${m(s.p50Minutes)}, p95 ${m(s.p95Minutes)}, max ${m(s.maxMinutes)}\n`,
      );
    });
}
