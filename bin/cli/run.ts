import { type Command, CommanderError } from 'commander';
import { ConfigInvalidError, formatIssue } from '../../lambdas/domain/config/issues';
import { OperationRefusedError } from '../../lambdas/engine/operations/errors';

/** Exit codes shared by every command. */
export const ExitCode = {
  OK: 0,
  /** The command ran and found a problem (e.g. a simulated run failed). */
  PROBLEM: 1,
  /** The input was invalid (config, arguments). */
  INVALID: 2,
} as const;

/** An error whose message is for the user as it stands (no stack trace), printed after `<who>: `. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.INVALID,
    readonly who: string = 'rsched',
  ) {
    super(message);
  }
}

/** Runs the program and turns known errors into a message on stderr and an exit code. */
export async function runCli(program: Command, argv: readonly string[]): Promise<void> {
  exitQuietlyOnClosedPipe();
  // Subcommands copy the setting only when created after it: set it on every one, so a
  // missing option anywhere exits 2 (invalid input) instead of Commander's own exit 1.
  const override = (command: Command): void => {
    command.exitOverride();
    for (const sub of command.commands) override(sub);
  };
  override(program);
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    process.exitCode = exitCodeFor(err);
  }
}

/**
 * `rsched status | head` closes the pipe before the output ends; the reader
 * has what it wanted, so that is a normal end, not a crash with a stack trace.
 */
function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      process.exit(process.exitCode ?? ExitCode.OK);
    });
  }
}

/** The address of a refused connection anywhere in an error's cause chain. */
function connectionRefused(err: unknown): string | undefined {
  for (let e = err as { code?: string; address?: string; port?: number; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === 'ECONNREFUSED') return e.address ? `${e.address}:${e.port}` : 'the endpoint';
  }
  return undefined;
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander has printed its own message (or help) already.
    return err.exitCode === 0 ? ExitCode.OK : ExitCode.INVALID;
  }
  if (err instanceof ConfigInvalidError) {
    for (const issue of err.issues) process.stderr.write(`${formatIssue(issue)}\n`);
    return ExitCode.INVALID;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`${err.who}: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof OperationRefusedError) {
    process.stderr.write(`rsched: refused: ${err.message}\n`);
    return ExitCode.INVALID;
  }
  const refused = connectionRefused(err);
  if (refused) {
    process.stderr.write(`rsched: nothing answers at ${refused}; if this is \`rsched dev\` (--local), is it still running?\n`);
    return ExitCode.PROBLEM;
  }
  process.stderr.write(`rsched: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return ExitCode.PROBLEM;
}
