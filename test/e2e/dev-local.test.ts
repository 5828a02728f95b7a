import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfigDir } from '../../lambdas/domain/config/read-dir';
import { loadDag } from '../../lambdas/domain/config/validate';
import { type DevSession, startDev } from '../../lambdas/local/dev';
import { silentLog } from '../../lambdas/ports/log';
import { startUiServer } from '../../ui/server';
import { RSCHED, rsched } from '../support/cli';

const DATE = '2026-11-22';
const config = {
  jobs: [
    { name: 'landing', target: { type: 'external' } },
    {
      name: 'extract',
      schedule: '0 0 * * *',
      target: { type: 'datapipeline', pipeline: 'extract-pipeline' },
      simulation: { durationMinutes: 1 },
    },
    {
      name: 'report',
      dependsOn: ['landing', 'extract'],
      target: { type: 'datapipeline', pipeline: 'report-pipeline' },
      simulation: { durationMinutes: 1 },
    },
  ],
};

let dir: string;
let dev: DevSession;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function statusJson(): Promise<
  { jobs: Record<string, { state: string; attempts: number; waitingOn: string[] }> } & Record<string, unknown>
> {
  const { code, stdout, stderr } = await rsched(['status', '--local', '--date', DATE, '--json'], { cwd: dir });
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rsched-dev-'));
  mkdirSync(join(dir, 'dag-config'));
  writeFileSync(join(dir, 'dag-config', 'jobs.json'), JSON.stringify(config));
  const dag = loadDag(readConfigDir(join(dir, 'dag-config')));
  dev = await startDev({
    dag,
    configDir: join(dir, 'dag-config'),
    speed: 60,
    from: new Date(`${DATE}T00:00:00Z`),
    externals: false,
    stateDir: join(dir, '.rsched'),
    log: silentLog,
    startUi: (runtime) => startUiServer({ ops: runtime.ops(), port: 0, description: 'test dev' }),
  });
});

afterAll(async () => {
  await dev?.stop();
});

describe('rsched dev and --local commands', () => {
  it('writes the endpoints file that --local commands and any S3 client use', () => {
    expect(existsSync(join(dir, '.rsched', 'endpoints.json'))).toBe(true);
    expect(dev.endpoints).toMatchObject({ region: 'us-east-1', bucket: 'rsched-markers' });
    for (const url of [dev.endpoints.s3, dev.endpoints.dynamodb, dev.endpoints.ui]) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    // `ui` stays a plain address; the token the UI's changes need is a field of its own, in a file only its owner reads.
    expect(dev.endpoints.ui).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(dev.endpoints.uiToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(join(dir, '.rsched', 'endpoints.json')).mode & 0o077).toBe(0);
  });

  it('reacts to a marker dropped by a standard S3 client, as in AWS', async () => {
    const waiting = await until('report to wait for landing', async () => {
      const status = await statusJson();
      return status.jobs.report?.state === 'WAITING' ? status : undefined;
    });
    expect(waiting.jobs.report?.waitingOn).toEqual(['landing']);
    expect(Object.keys(waiting).sort()).toEqual(['alerts', 'clusters', 'date', 'jobs']);
    // What a job's own script (or `aws s3 cp --endpoint-url`) does; any credentials work locally.
    const s3 = new S3Client({
      endpoint: dev.endpoints.s3,
      region: dev.endpoints.region,
      forcePathStyle: true,
      credentials: { accessKeyId: 'any', secretAccessKey: 'any' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    await s3.send(
      new PutObjectCommand({ Bucket: dev.endpoints.bucket, Key: `landing__${DATE.replaceAll('-', '')}.done`, Body: Buffer.alloc(0) }),
    );
    const done = await until('report to succeed', async () => {
      const status = await statusJson();
      return status.jobs.report?.state === 'SUCCEEDED' ? status : undefined;
    });
    expect(done.jobs.landing?.state).toBe('SUCCEEDED');
  });

  it('runs a job on demand from another process, as a new attempt', async () => {
    const { code, stdout } = await rsched(['run', 'extract', '--date', DATE, '--local', '--yes'], { cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toContain('extract 2026-11-22: attempt 2 submitted');
    const history = await rsched(['history', 'extract', '--local', '--days', '2', '--json'], { cwd: dir });
    expect(JSON.parse(history.stdout).runs[0]).toMatchObject({ date: DATE, attempts: 2, manual: true });
  });

  it('rsched log lists every transition of both attempts, with who caused it', async () => {
    const { code, stdout } = await rsched(['log', 'extract', '--date', DATE, '--local', '--json'], { cwd: dir });
    expect(code).toBe(0);
    const log = JSON.parse(stdout) as { attempt: number; transitions: { attempt: number; to: string; by: string }[] };
    expect(log.attempt).toBe(2);
    expect(log.transitions.filter((t) => t.attempt === 1).map((t) => t.to)).toContain('SUCCEEDED');
    expect(log.transitions.find((t) => t.attempt === 2)?.by).toMatch(/^operator:/);
    const text = await rsched(['log', 'extract', '--date', DATE, '--local'], { cwd: dir });
    expect(text.stdout).toMatch(/→ SUBMITTED/);
  });

  it('rsched ui --local prints the address with its token, which its changes need', async () => {
    const child = spawn(process.execPath, [RSCHED, 'ui', '--local', '--port', '0'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const [, url, token] = await until(
        'rsched ui to print its address',
        async () => /(http:\/\/127\.0\.0\.1:\d+\/)#token=([A-Za-z0-9_-]{43})\b/.exec(out) ?? undefined,
      );
      const plan = (headers: Record<string, string>) =>
        fetch(new URL('/api/replay-plan', url), { method: 'POST', headers, body: JSON.stringify({ job: 'extract', date: DATE }) });
      expect((await fetch(new URL('/api/meta', url))).status).toBe(200);
      // The page itself, from ui/public: found from the compiled CLI's build directory (dist/cli/<build>/) too.
      const page = await fetch(url as string);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
      expect((await plan({})).status).toBe(403);
      expect((await plan({ 'x-rsched-token': token as string })).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('explains unknown jobs and missing dev sessions clearly', async () => {
    const unknown = await rsched(['replay', 'nosuch', '--date', DATE, '--local', '--yes'], { cwd: dir });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('unknown job "nosuch"');
    const elsewhere = mkdtempSync(join(tmpdir(), 'rsched-none-'));
    mkdirSync(join(elsewhere, 'dag-config'));
    writeFileSync(join(elsewhere, 'dag-config', 'jobs.json'), JSON.stringify(config));
    const none = await rsched(['status', '--local', '--date', DATE], { cwd: elsewhere });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no rsched dev is running here');
    // A dev killed without Ctrl-C leaves its endpoints file behind, naming a process that is gone.
    const gone = spawnSync('true').pid;
    mkdirSync(join(elsewhere, '.rsched'));
    writeFileSync(
      join(elsewhere, '.rsched', 'endpoints.json'),
      readFileSync(join(dir, '.rsched', 'endpoints.json'), 'utf8').replace(/"pid": \d+/, `"pid": ${gone}`),
    );
    const stale = await rsched(['status', '--local', '--date', DATE], { cwd: elsewhere });
    expect(stale.code).toBe(2);
    expect(stale.stderr).toContain(`(pid ${gone}) is not running any more`);
  });

  it('refuses a second rsched dev in the same directory, naming the one that runs', async () => {
    const second = await rsched(['dev', '--no-ui'], { cwd: dir });
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/an rsched dev is already running here \(pid \d+, started /);
  });
});
