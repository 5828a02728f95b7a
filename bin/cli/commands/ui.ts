import type { Command } from 'commander';
import { withTargetOptions } from '../options';
import { green } from '../output/format';
import { UsageError } from '../run';
import { openTarget, operator, type TargetOptions } from '../target';

export function registerUi(program: Command): void {
  withTargetOptions(program.command('ui').description('serve the web UI (DAG, runs, history, replay) for a deployed stack or --local'))
    .option('--port <port>', 'port on 127.0.0.1 (0: any free port)', '8765')
    .action(async (opts: TargetOptions & { port: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, got "${opts.port}"`);
      const target = await openTarget(opts);
      const { startUiServer } = await import('../../../ui/server.js');
      const ui = await startUiServer({
        ops: target.ops,
        port,
        description: target.description,
        operator: operator().slice('operator:'.length),
      });
      // The token in the fragment is what lets the page change runs; open this address, not the bare one.
      process.stdout.write(`rsched UI for ${target.description}: ${green(ui.link)} (Ctrl-C stops it)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void ui.stop().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
