import type { Command } from 'commander';
import { isRunning, readEndpoints, uiLink } from '../../../lambdas/local/endpoints-file';
import { silentLog } from '../../../lambdas/ports/log';
import { DEFAULT_CONFIG_DIR } from '../defaults';
import { bold, dim, green, yellow } from '../output/format';
import { UsageError } from '../run';

interface DevOptions {
  config: string;
  speed: string;
  from?: string;
  externals: boolean;
  ui: boolean;
  uiPort: string;
  s3Port?: string;
  dynamodbPort?: string;
  reset?: boolean;
}

function port(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${flag} must be a port number, got "${text}"`);
  return n;
}

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('run the whole system locally: emulators, real handlers, simulated EMR/Data Pipeline, the web UI; Ctrl-C stops it')
    .option('--config <dir>', 'config directory', DEFAULT_CONFIG_DIR)
    .option('--speed <n>', 'clock speed: simulated seconds per real second (60 = an hour a minute)', '1')
    .option('--from <ISO time>', 'start the clock at this instant, e.g. 2026-11-22T00:00Z (default: now)')
    .option('--no-externals', "do not simulate external jobs' markers; drop them yourself")
    .option('--no-ui', 'do not start the web UI')
    .option('--ui-port <port>', 'web UI port (0: any free port)', '8765')
    .option('--s3-port <port>', 'S3 emulator port (default: any free port)')
    .option('--dynamodb-port <port>', 'DynamoDB emulator port (default: any free port)')
    .option('--reset', 'start from an empty state: delete the runs, markers and simulated clusters kept in .rsched/')
    .action(async (opts: DevOptions) => {
      const speed = Number(opts.speed);
      // Above a few hundred the handlers cannot keep up with a sweep every simulated minute; simulate is for that.
      if (!Number.isFinite(speed) || speed <= 0 || speed > 300)
        throw new UsageError(`--speed must be above 0 and at most 300 (rsched simulate runs a whole day in seconds), got "${opts.speed}"`);
      const from = opts.from ? new Date(opts.from) : undefined;
      if (from && Number.isNaN(from.getTime()))
        throw new UsageError(`--from must be an ISO time such as 2026-11-22T00:00Z, got "${opts.from}"`);
      const [{ loadDagFromDir }, { startDev }, { startUiServer }, { timelineLine }] = await Promise.all([
        import('../config.js'),
        import('../../../lambdas/local/dev.js'),
        import('../../../ui/server.js'),
        import('../output/timeline.js'),
      ]);
      const dag = loadDagFromDir(opts.config);
      // Its state under .rsched/ is one LevelDB that only one process may open.
      const running = readEndpoints();
      if (running && running.pid !== process.pid && isRunning(running)) {
        throw new UsageError(
          `an rsched dev is already running here (pid ${running.pid}, started ${running.startedAt}); use it with --local, or stop it with Ctrl-C first`,
        );
      }
      const uiPort = port(opts.uiPort, '--ui-port') as number;
      const session = await startDev({
        dag,
        configDir: opts.config,
        speed,
        from,
        externals: opts.externals,
        reset: opts.reset,
        ports: { s3: port(opts.s3Port, '--s3-port'), dynamodb: port(opts.dynamodbPort, '--dynamodb-port') },
        log: silentLog,
        // The readable timeline, as rsched simulate prints it: submissions, state changes, clusters, alerts.
        onTimeline: (event) => process.stdout.write(`${timelineLine(event)}\n`),
        startUi: opts.ui ? (runtime) => startUiServer({ ops: runtime.ops(), port: uiPort, description: 'local rsched dev' }) : undefined,
      });
      const e = session.endpoints;
      process.stdout.write(
        `\n${bold('rsched dev')} — ${dag.jobs.size} jobs, ${dag.clusters.size} clusters, clock ×${speed}${from ? ` from ${from.toISOString()}` : ''}\n`,
      );
      process.stdout.write(
        `  S3        ${e.s3}  bucket ${green(e.bucket)}\n  DynamoDB  ${e.dynamodb}  tables ${e.tables.runs}, ${e.tables.clusters}\n`,
      );
      process.stdout.write(`  EMR/Data Pipeline (simulated)  ${e.controlPlane}\n`);
      if (e.ui) process.stdout.write(`  Web UI    ${green(uiLink(e))}  ${dim('(the #token is what lets the page change runs)')}\n`);
      process.stdout.write(`  Endpoints written to ${session.endpointsPath}; other commands use them with --local\n`);
      process.stdout.write(
        dim(`  Drop a marker: aws s3 cp empty.json s3://${e.bucket}/<job>__<YYYYMMDD>.done --endpoint-url ${e.s3} (any credentials)\n`),
      );
      const origin =
        session.runtime.stateOrigin === 'resumed' ? 'resumed from .rsched/ (runs, markers, simulated clusters)' : 'new, in .rsched/';
      process.stdout.write(`  State     ${origin}; \`rsched dev --reset\` starts from an empty state\n`);
      process.stdout.write(`${yellow('Ctrl-C stops everything; state stays in .rsched/ and the next rsched dev carries on from it.')}\n\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.stdout.write('\nstopping…\n');
          void session.stop().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
