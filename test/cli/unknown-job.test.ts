import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { rsched } from '../support/cli';

// No rsched dev and no credentials here: a misspelt job must still be reported as what it is.
const cwd = mkdtempSync(join(tmpdir(), 'rsched-unknown-job-'));
const config = join(__dirname, '..', '..', 'dag-config');
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

it.each([
  ['run', ['--date', '2026-11-22', '--local', '--yes']],
  ['replay', ['--date', '2026-11-22', '--downstream', '--stack', 'Nope', '--yes']],
  ['mark', ['--date', '2026-11-22', '--local', '--yes']],
  ['history', ['--local']],
  ['backfill', ['--from', '2026-11-01', '--to', '2026-11-07', '--yes']],
  ['log', ['--date', '2026-11-22', '--local']],
])('rsched %s names an unknown job before it looks for a target', async (command, args) => {
  const result = await rsched([command, 'sesions', ...args, '--config', config], { cwd, env: { AWS_REGION: '' } });
  expect(result.stderr).toBe('rsched: unknown job "sesions" (did you mean "sessions"?); `rsched graph` lists the jobs\n');
  expect(result.code).toBe(2);
});

it('prints its version', async () => {
  const result = await rsched(['--version'], { cwd });
  expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  expect(result.code).toBe(0);
});
