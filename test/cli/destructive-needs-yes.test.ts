import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfigDir } from '../../lambdas/domain/config/read-dir';
import { loadDag } from '../../lambdas/domain/config/validate';
import { type DevSession, startDev } from '../../lambdas/local/dev';
import { silentLog } from '../../lambdas/ports/log';
import { rsched } from '../support/cli';

// SPEC §7: destructive commands refuse without --yes when stdin is not a terminal (exit 2).
// `rsched()` runs the CLI with stdin from /dev/null, as a script or CI job does.
const DATE = '2026-11-22';
const config = {
  jobs: [
    { name: 'landing', target: { type: 'external' } },
    { name: 'extract', target: { type: 'datapipeline', pipeline: 'extract-pipeline' }, simulation: { durationMinutes: 1 } },
    {
      name: 'report',
      dependsOn: ['landing', 'extract'],
      target: { type: 'datapipeline', pipeline: 'report-pipeline' },
      simulation: { durationMinutes: 1 },
    },
  ],
};
const refusal = (command: string) => `rsched ${command}: refusing to change runs without a terminal to confirm on; pass --yes\n`;

const DESTRUCTIVE: readonly (readonly [string, readonly string[]])[] = [
  ['replay', ['replay', 'extract', '--date', DATE, '--local', '--force']],
  ['backfill', ['backfill', 'extract', '--from', '2026-11-20', '--to', '2026-11-21', '--local', '--detach']],
  ['reconcile', ['reconcile', '--date', DATE, '--local']],
  ['run', ['run', 'extract', '--date', DATE, '--local', '--force']],
  ['mark', ['mark', 'landing', '--date', DATE, '--local']],
];

let dir: string;
let dev: DevSession;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rsched-yes-'));
  mkdirSync(join(dir, 'dag-config'));
  writeFileSync(join(dir, 'dag-config', 'jobs.json'), JSON.stringify(config));
  dev = await startDev({
    dag: loadDag(readConfigDir(join(dir, 'dag-config'))),
    configDir: join(dir, 'dag-config'),
    speed: 60,
    from: new Date(`${DATE}T06:00:00Z`),
    externals: false,
    stateDir: join(dir, '.rsched'),
    log: silentLog,
  });
});

afterAll(async () => {
  await dev?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function attempts(job: string): Promise<number> {
  const { stdout } = await rsched(['status', '--local', '--date', DATE, '--json'], { cwd: dir });
  return (JSON.parse(stdout) as { jobs: Record<string, { attempts: number }> }).jobs[job]?.attempts ?? 0;
}

describe('destructive commands without a terminal', () => {
  it.each(DESTRUCTIVE)('rsched %s without --yes refuses with exit 2 and one line, changing nothing', async (command, args) => {
    const before = await attempts('extract');
    const result = await rsched(args, { cwd: dir });
    expect(result.stderr).toBe(refusal(command));
    expect(result.stdout).toBe('');
    expect(result.code).toBe(2);
    expect(await attempts('extract')).toBe(before);
  });

  it('backfill --cancel is a change too, even beside --status or --dry-run', async () => {
    for (const extra of [[], ['--status', 'bf-x'], ['--dry-run']]) {
      const result = await rsched(['backfill', '--cancel', 'bf-x', ...extra, '--local'], { cwd: dir });
      expect(result.stderr).toBe(refusal('backfill'));
      expect(result.code).toBe(2);
    }
  });

  it('--dry-run and the read-only backfill flags still work without --yes', async () => {
    for (const args of [
      ['replay', 'extract', '--date', DATE, '--local', '--dry-run'],
      ['reconcile', '--date', DATE, '--local', '--dry-run'],
      ['backfill', 'extract', '--from', '2026-11-20', '--to', '2026-11-21', '--local', '--dry-run'],
      ['backfill', '--list', '--local'],
    ]) {
      const result = await rsched(args, { cwd: dir });
      expect(result.stderr, args.join(' ')).toBe('');
      expect(result.code, args.join(' ')).toBe(0);
    }
  });

  it.each(DESTRUCTIVE)('rsched %s --yes proceeds', async (command, args) => {
    const result = await rsched([...args, '--yes'], { cwd: dir });
    expect(result.stderr, command).toBe('');
    expect(result.code, command).toBe(0);
    expect(result.stdout).toMatch(
      {
        replay: /^started: extract /m,
        backfill: /^started bf-/m,
        reconcile: /^reconcile /m,
        run: /^extract 2026-11-22: attempt \d+ /m,
        mark: /^wrote s3:\/\//,
      }[command] as RegExp,
    );
  });
});
