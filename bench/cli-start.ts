import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readConfigDir } from '../lambdas/domain/config/read-dir';
import { loadDag } from '../lambdas/domain/config/validate';
import { startDev } from '../lambdas/local/dev';
import { silentLog } from '../lambdas/ports/log';

const ROOT = join(__dirname, '..');
const RSCHED = join(ROOT, 'bin', 'rsched.js');

export interface CliStart {
  readonly command: string;
  /** Wall-clock time of `node bin/rsched.js …` to exit, process start included; median of the samples. */
  readonly medianMs: number;
}

/** Asynchronously: `rsched dev` runs in this process, and a blocked event loop would leave `status --local` unanswered. */
async function timeOnce(args: readonly string[], cwd: string): Promise<number> {
  const started = process.hrtime.bigint();
  await promisify(execFile)(process.execPath, [RSCHED, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/**
 * How fast `rsched` answers, as a user starts it: `--help`, `validate` of the
 * example config, and `status --local` against a running `rsched dev` of the
 * example (started here, in this process, in a scratch directory). The
 * compiled CLI is built first (bin/build-cli.js) and each command run once
 * untimed, as a user's first run writes V8's code cache (bin/compile-cache.js).
 */
export async function measureCliStart(samples = 5): Promise<CliStart[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rsched-cli-start-'));
  cpSync(join(ROOT, 'dag-config'), join(dir, 'dag-config'), { recursive: true });
  const dev = await startDev({
    dag: loadDag(readConfigDir(join(dir, 'dag-config'))),
    configDir: join(dir, 'dag-config'),
    speed: 1,
    from: new Date('2026-11-22T00:00:00Z'),
    externals: false,
    stateDir: join(dir, '.rsched'),
    log: silentLog,
  });
  try {
    const commands: [string, string[]][] = [
      ['rsched --help', ['--help']],
      ['rsched validate', ['validate', 'dag-config']],
      ['rsched status --local', ['status', '--local', '--date', '2026-11-22']],
    ];
    // Builds dist/cli if a source changed and writes each command's code cache: not part of any figure.
    for (const [, args] of commands) await timeOnce(args, dir);
    const out: CliStart[] = [];
    for (const [command, args] of commands) {
      const times: number[] = [];
      for (let i = 0; i < samples; i++) times.push(await timeOnce(args, dir));
      times.sort((a, b) => a - b);
      out.push({ command, medianMs: Math.round(times[Math.floor(times.length / 2)] as number) });
    }
    return out;
  } finally {
    await dev.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
