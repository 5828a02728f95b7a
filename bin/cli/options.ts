import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { parseRunDate, type RunDate, runDateIn } from '../../lambdas/domain/run-date';
import { DEFAULT_CONFIG_DIR } from './config';
import { UsageError } from './run';

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

export function todayUtc(now: Date = new Date()): RunDate {
  return runDateIn(now, 'UTC');
}

export function positiveInt(text: string, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} must be a whole number from 1 to ${max}, got "${text}"`);
  return n;
}

/**
 * Asks before a change on a terminal; `--yes`, or no terminal (scripts, CI),
 * proceeds without asking.
 */
export async function confirm(question: string, yes: boolean | undefined): Promise<boolean> {
  if (yes || !process.stdin.isTTY || !process.stdout.isTTY) return true;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
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
