import { buildProgram } from './cli/program';
import { runCli } from './cli/run';

void runCli(buildProgram(), process.argv);
