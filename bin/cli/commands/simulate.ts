import type { Command } from 'commander';
import { parseRunDate, type RunDate } from '../../../lambdas/domain/run-date';
import type { JobOverrides } from '../../../lambdas/local/job-behaviour';
import { DEFAULT_CONFIG_DIR } from '../defaults';
import { ExitCode, UsageError } from '../run';

interface SimulateOptions {
  date: string;
  config: string;
  fail: string[];
  hang: string[];
  duration: string[];
  loseEvent: string[];
  duplicates: string;
  shuffle?: boolean;
  seed: string;
  json?: boolean;
  dynamodb: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function wholeNumber(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number ≥ ${min}, got "${text}"`);
  return n;
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('run one day of the DAG on embedded emulators under a virtual clock; exit 1 if any run failed or was left unfinished')
    .requiredOption('--date <YYYY-MM-DD>', 'the run date to simulate (the virtual day starts at 00:00 UTC)')
    .option('--config <dir>', 'config directory', DEFAULT_CONFIG_DIR)
    .option('--fail <job>', 'the job writes a .failed marker (repeatable)', collect, [])
    .option('--hang <job>', "the job never finishes; an external job's marker never arrives (repeatable)", collect, [])
    .option('--duration <job=minutes>', "override a job's simulated duration (repeatable)", collect, [])
    .option(
      '--lose-event <job>',
      'EventBridge loses the state-change events of the job (completion "events"): the sweeper\'s status poll ends it at maxRuntimeMinutes (repeatable)',
      collect,
      [],
    )
    .option('--duplicates <n>', 'deliver every S3 event n times', '1')
    .option('--shuffle', 'reorder deliveries (random delays up to 90 s, shuffled simultaneous events)')
    .option('--seed <n>', 'seed for --shuffle', '1')
    .option('--dynamodb <kind>', "dynalite (fast) or dynamodb-local (AWS's DynamoDB Local, needs Java)", 'dynalite')
    .option('--json', 'print the outcome as one JSON object (SPEC §7)')
    .action(async (opts: SimulateOptions) => {
      const [{ simulate }, { isSuccessful }, { loadDagFromDir }, { printTimeline }] = await Promise.all([
        import('../../../lambdas/local/simulate.js'),
        import('../../../lambdas/local/simulation-report.js'),
        import('../config.js'),
        import('../output/timeline.js'),
      ]);
      const date = parseRunDate(opts.date);
      if (!date) throw new UsageError(`--date must be a real day written YYYY-MM-DD, got "${opts.date}"`);
      const dag = loadDagFromDir(opts.config);
      const overrides = parseOverrides(opts, (name) => dag.jobs.has(name));
      for (const job of overrides.loseEvents ?? []) {
        if (dag.jobs.get(job)?.completion !== 'events')
          throw new UsageError(`--lose-event ${job}: the job has completion "marker", so no state-change event of it ends its run`);
      }
      if (opts.dynamodb !== 'dynalite' && opts.dynamodb !== 'dynamodb-local') {
        throw new UsageError(`--dynamodb must be "dynalite" or "dynamodb-local", got "${opts.dynamodb}"`);
      }
      const result = await simulate({
        dag,
        date: date as RunDate,
        overrides,
        duplicates: wholeNumber(opts.duplicates, '--duplicates', 1),
        shuffle: opts.shuffle ?? false,
        seed: wholeNumber(opts.seed, '--seed', 0),
        dynamo: opts.dynamodb,
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(result.report, null, 2)}\n`);
      else printTimeline(result, dag);
      process.exitCode = isSuccessful(result.report) ? ExitCode.OK : ExitCode.PROBLEM;
    });
}

function parseOverrides(opts: SimulateOptions, isJob: (name: string) => boolean): JobOverrides {
  const known = (name: string, flag: string) => {
    if (!isJob(name)) throw new UsageError(`${flag} ${name}: no job of that name in the config`);
    return name;
  };
  const durations = new Map<string, number>();
  for (const spec of opts.duration) {
    const m = /^([^=]+)=(\d+)$/.exec(spec);
    if (!m) throw new UsageError(`--duration must be JOB=MINUTES, got "${spec}"`);
    durations.set(known(m[1] as string, '--duration'), Number(m[2]));
  }
  return {
    fail: new Set(opts.fail.map((j) => known(j, '--fail'))),
    hang: new Set(opts.hang.map((j) => known(j, '--hang'))),
    durations,
    loseEvents: new Set(opts.loseEvent.map((j) => known(j, '--lose-event'))),
  };
}
