import { Command } from 'commander';
import { registerBackfill } from './commands/backfill';
import { registerCost } from './commands/cost';
import { registerDev } from './commands/dev';
import { registerDoctor } from './commands/doctor';
import { registerGraph } from './commands/graph';
import { registerHistory } from './commands/history';
import { registerMark } from './commands/mark';
import { registerReconcile } from './commands/reconcile';
import { registerReplay } from './commands/replay';
import { registerShadowReport } from './commands/shadow-report';
import { registerSimulate } from './commands/simulate';
import { registerStatus } from './commands/status';
import { registerUi } from './commands/ui';
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
  registerStatus(program);
  registerHistory(program);
  registerReplay(program);
  registerBackfill(program);
  registerMark(program);
  registerReconcile(program);
  registerShadowReport(program);
  registerDev(program);
  registerUi(program);
  registerDoctor(program);
  registerCost(program);
  return program;
}
