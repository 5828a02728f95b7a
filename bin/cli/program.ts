import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { registerBackfill } from './commands/backfill';
import { registerCost } from './commands/cost';
import { registerDev } from './commands/dev';
import { registerDoctor } from './commands/doctor';
import { registerGraph } from './commands/graph';
import { registerHistory } from './commands/history';
import { registerLog } from './commands/log';
import { registerMark } from './commands/mark';
import { registerReconcile } from './commands/reconcile';
import { registerReplay } from './commands/replay';
import { registerShadowReport } from './commands/shadow-report';
import { registerSimulate } from './commands/simulate';
import { registerStatus } from './commands/status';
import { registerUi } from './commands/ui';
import { registerValidate } from './commands/validate';

/** package.json's version: read at run time, so the bundle (bin/build-cli.js) and tsx agree. */
function cliVersion(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

/** The `rsched` command line. Each command lives in ./commands and registers itself here. */
export function buildProgram(): Command {
  const program = new Command('rsched')
    .description('reactive-scheduler: a serverless, marker-driven job scheduler for AWS data platforms')
    .version(cliVersion(), '-V, --version', 'print the version of rsched')
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerValidate(program);
  registerGraph(program);
  registerSimulate(program);
  registerStatus(program);
  registerHistory(program);
  registerLog(program);
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
