import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { startDynamoEmulator } from '../../lambdas/local/dynamodb-emulator';
import { runTrial, type TrialResult } from './trial';

/**
 * `npm run soak -- --trials N [--seed S] [--workers W]`: N randomized trials
 * (bench/soak/trial.ts), spread over W worker processes (default: one per
 * core), each with its own in-process dynalite. Ends with exactly one line:
 *
 *   soak: N trials, D double submissions, L lost completions, S stuck runs
 *
 * and exits 1 unless all three are 0. Trial seeds are S, S+1, … so a failing
 * trial replays with `--trials 1 --seed <its seed>`.
 */

interface Totals {
  trials: number;
  jobs: number;
  double: number;
  lost: number;
  stuck: number;
  uncertain: number;
}

async function worker(seeds: number[]): Promise<void> {
  const emulator = await startDynamoEmulator('dynalite');
  const listener = emulator.listener;
  if (!listener) throw new Error('dynalite has no in-process listener');
  for (const seed of seeds) {
    const result = await runTrial(seed, listener);
    process.send?.(result);
  }
  await emulator.stop();
}

function report(totals: Totals, failed: TrialResult[], seconds: number): void {
  for (const t of failed.slice(0, 10)) {
    console.error(
      `seed ${t.seed} (${t.jobs} jobs): ${t.doubleSubmissions} double, ${t.lostCompletions} lost, ${t.stuckRuns} stuck${t.problems.length ? `; ${t.problems.join('; ')}` : ''}`,
    );
  }
  console.error(
    `${totals.trials} trials of ${totals.jobs} jobs in all, ${seconds.toFixed(1)} s; ${totals.uncertain} runs parked SUBMIT_UNCERTAIN (opaque targets, by design: at most once, alerted)`,
  );
  console.log(
    `soak: ${totals.trials} trials, ${totals.double} double submissions, ${totals.lost} lost completions, ${totals.stuck} stuck runs`,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      trials: { type: 'string', default: '100' },
      seed: { type: 'string', default: '1' },
      workers: { type: 'string', default: String(availableParallelism()) },
      worker: { type: 'string' },
    },
  });
  if (values.worker !== undefined) {
    await worker(values.worker.split(',').map(Number));
    return;
  }
  const trials = Number(values.trials);
  const first = Number(values.seed);
  const workers = Math.max(1, Math.min(Number(values.workers), trials));
  if (!Number.isInteger(trials) || trials < 1 || !Number.isInteger(first)) {
    console.error('usage: npm run soak -- --trials N [--seed S] [--workers W]');
    process.exit(2);
  }
  const started = performance.now();
  const totals: Totals = { trials: 0, jobs: 0, double: 0, lost: 0, stuck: 0, uncertain: 0 };
  const failed: TrialResult[] = [];
  const slices = Array.from({ length: workers }, (_, w) =>
    Array.from({ length: trials }, (_, i) => first + i).filter((_, i) => i % workers === w),
  );
  await Promise.all(
    slices.map(
      (seeds) =>
        new Promise<void>((resolve, reject) => {
          const child = fork(__filename, ['--worker', seeds.join(',')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
          child.on('message', (message) => {
            const t = message as TrialResult;
            totals.trials++;
            totals.jobs += t.jobs;
            totals.double += t.doubleSubmissions;
            totals.lost += t.lostCompletions;
            totals.stuck += t.stuckRuns;
            totals.uncertain += t.uncertainParks;
            if (t.doubleSubmissions + t.lostCompletions + t.stuckRuns > 0 || t.problems.length > 0) failed.push(t);
          });
          child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`soak worker exited ${code}`))));
        }),
    ),
  );
  report(totals, failed, (performance.now() - started) / 1000);
  process.exit(totals.double + totals.lost + totals.stuck === 0 && totals.trials === trials ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
