import { Command } from 'commander';
import { registerGraph } from './commands/graph';
import { registerSimulate } from './commands/simulate';
import { registerValidate } from './commands/validate';

/** The `rsched` command line. Each command lives in ./commands and registers itself here. */
export function buildProgram(): Command {
  const program = new Command('rsched')
    .description('reactive-scheduler: a serverless, marker-driven job scheduler for AWS data platforms')
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerValidate(program);
  registerGraph(program);
  registerSimulate(program);
  return program;
}
