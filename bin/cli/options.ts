import type { Command } from 'commander';
import { parseRunDate, type RunDate, runDateIn } from '../../lambdas/domain/run-date';
import { parseRunPeriod } from '../../lambdas/domain/run-hour';
import { DEFAULT_CONFIG_DIR } from './defaults';
import { ExitCode, UsageError } from './run';

/** The options of every command that acts on a running system (deployed stack or `rsched dev`). */
export function withTargetOptions(command: Command): Command {
  return command
    .option('--local', 'act on the local `rsched dev` (endpoints from .rsched/endpoints.json)')
    .option('--stack <name>', 'act on this deployed stack (default: cdk.json context rsched:stackName)')
    .option('--region <region>', "AWS region of the stack (default: the SDK's, e.g. AWS_REGION)")
    .option('--config <dir>', 'config directory (must match what is deployed)', DEFAULT_CONFIG_DIR)
    .option('--json', 'machine-readable output');
}

export function requireDate(text: string | undefined, flag = '--date'): RunDate {
  if (text === undefined) throw new UsageError(`${flag} is required (YYYY-MM-DD)`);
  const date = parseRunDate(text);
  if (!date) throw new UsageError(`${flag} must be a real day written YYYY-MM-DD, got "${text}"`);
  return date;
}

/**
 * A run's period: a day `YYYY-MM-DD`, or a UTC hour `YYYY-MM-DDTHH` for an
 * hourly job (docs/hourly.md). Whether it fits the job is the operation's check.
 */
export function requireRunPeriod(text: string | undefined, flag = '--date'): RunDate {
  if (text === undefined) throw new UsageError(`${flag} is required (YYYY-MM-DD, or YYYY-MM-DDTHH for an hourly job)`);
  const period = parseRunPeriod(text);
  if (!period) {
    throw new UsageError(`${flag} must be a real day written YYYY-MM-DD, or a UTC hour YYYY-MM-DDTHH for an hourly job, got "${text}"`);
  }
  return period;
}

export function todayUtc(now: Date = new Date()): RunDate {
  return runDateIn(now, 'UTC');
}

export function positiveInt(text: string, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} must be a whole number from 1 to ${max}, got "${text}"`);
  return n;
}

/**
 * Destructive commands (`replay`, `backfill`, `reconcile`, `run`, `mark`; SPEC §7)
 * change runs only with consent: `--yes`, or a person at a terminal to ask.
 * Without either (a script, CI, a pipe into stdin) they refuse with exit 2 before
 * they touch anything, rather than take silence for a yes. Called first thing in
 * the command, so a script learns it at once, not only on the day there is
 * something to change. `--dry-run` and read-only flags do not call it.
 */
export function requireConsent(command: string, yes: boolean | undefined): void {
  if (yes || process.stdin.isTTY) return;
  throw new UsageError('refusing to change runs without a terminal to confirm on; pass --yes', ExitCode.INVALID, `rsched ${command}`);
}

/**
 * Asks before a change on a terminal; `--yes` proceeds without asking; no
 * terminal and no `--yes` refuses (see {@link requireConsent}). The question goes
 * to stderr, so stdout stays the command's output (`--json`, a pipe).
 */
export async function confirm(command: string, question: string, yes: boolean | undefined): Promise<boolean> {
  requireConsent(command, yes);
  if (yes) return true;
  // Only a question at a terminal needs readline: not loaded at every start.
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
    return answer === 'y' || answer === 'yes';
  } finally {
    rl.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
