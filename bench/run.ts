import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDag } from '../lambdas/domain/config/validate';
import type { RunDate } from '../lambdas/domain/run-date';
import { startDynamoEmulator } from '../lambdas/local/dynamodb-emulator';
import { simulate } from '../lambdas/local/simulate';
import { measureBundles } from './bundles';
import { monthlyCost } from './cost-model';
import { measureEventCost } from './event-cost';
import { generateDagConfig } from './generate-dag';

/**
 * `npm run bench`: the speed and cost targets (SPEC §9), measured, written to
 * bench/results/latest.md. Flags: --quick skips the 2,000-job simulation.
 */
async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const lines: string[] = [
    `# rsched benchmarks — ${new Date().toISOString()}`,
    '',
    `Node ${process.version}, ${process.platform}/${process.arch}`,
    '',
  ];
  const log = (line = '') => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };

  log('## Per-event cost against DAG size (dynalite, real DynamoDB API over HTTP)');
  log('');
  log('| DAG size | fan-out | DynamoDB requests | by operation | median ms |');
  log('|---:|---:|---:|---|---:|');
  const emulator = await startDynamoEmulator('dynalite');
  const costs = [];
  for (const [size, fanOut] of [
    [10, 3],
    [10_000, 3],
    [10, 8],
    [10_000, 8],
  ] as const) {
    const c = await measureEventCost(emulator, size, fanOut);
    costs.push(c);
    log(
      `| ${size} | ${fanOut} | ${c.requests} | ${Object.entries(c.byOperation)
        .map(([k, v]) => `${k.replace('Command', '')} ${v}`)
        .join(', ')} | ${c.medianMs} |`,
    );
  }
  await emulator.stop();
  log('');
  log('Requests per completion = 1 (the run itself) + 1 per downstream run touched + 1 (propagation bookkeeping), whatever the DAG size.');
  log('');

  log('## Lambda bundles (esbuild, minified, node24) and cold init');
  log('');
  log('| function | bundle KiB | cold init ms (10-job config) | cold init ms (10,000-job config) |');
  log('|---|---:|---:|---:|');
  for (const b of await measureBundles([10, 10_000])) {
    log(`| ${b.entry} | ${Math.round(b.bytes / 1024)} | ${b.coldInitMs[10]} | ${b.coldInitMs[10_000]} |`);
  }
  log('');

  log('## rsched simulate: one day, generated DAGs (virtual clock, in-process emulators)');
  log('');
  log('| jobs | seconds | ms per job | DynamoDB requests | all succeeded |');
  log('|---:|---:|---:|---:|---|');
  for (const size of quick ? [100, 500] : [100, 1000, 2000]) {
    const dag = loadDag([{ path: 'gen.json', text: JSON.stringify(generateDagConfig(size)) }]);
    const result = await simulate({ dag, date: '2026-11-22' as RunDate });
    const requests = Object.values(result.requests).reduce((a, b) => a + b, 0);
    const ok = Object.values(result.report.jobs).every((j) => j.state === 'SUCCEEDED');
    log(
      `| ${size} | ${(result.elapsedMs / 1000).toFixed(1)} | ${Math.round(result.elapsedMs / size)} | ${requests} | ${ok ? 'yes' : 'NO'} |`,
    );
  }
  log('');

  log('## Monthly cost model (us-east-1 list prices) vs an always-on MWAA mw1.small');
  log('');
  const perCompletion = (costs.find((c) => c.size === 10 && c.fanOut === 3)?.requests ?? 5) - 0;
  log('| jobs/day | Lambda $ | DynamoDB $ | SNS $ | S3 $ | total $/month | MWAA $/month |');
  log('|---:|---:|---:|---:|---:|---:|---:|');
  for (const jobsPerDay of [50, 500, 5000]) {
    const m = monthlyCost({
      jobsPerDay,
      fanOut: 3,
      writesPerCompletion: perCompletion,
      writesPerSubmission: 3,
      lambdaMemoryGb: 0.5,
      lambdaMsPerEvent: 60,
      sweeperMsPerRun: 80,
    });
    log(`| ${jobsPerDay} | ${m.lambda} | ${m.dynamodb} | ${m.sns} | ${m.s3} | ${m.total} | ${m.mwaa} |`);
  }
  log('');
  log("Fixed costs on top: the topics' KMS key $1/month, the Slack webhook secret $0.40/month if used.");
  log('The sweeper (every minute, all month) dominates small platforms; it is about 43,200 invocations a month.');
  log('A cluster fleet adds its reconcile (another 43,200 invocations, ≈ $0.10) and 7 alarms ($0.70); the EMR clusters are its real bill.');

  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.md'), `${lines.join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
