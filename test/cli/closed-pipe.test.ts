import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { RSCHED } from '../support/cli';

// `rsched graph | head -1`: the reader closes the pipe; rsched ends as usual, without a stack trace.
it('ends normally when the reader of its output has gone away', async () => {
  const child = spawn(process.execPath, [RSCHED, 'graph', 'dag-config', '--format', 'dot'], {
    cwd: join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Closed before rsched writes a byte: its first write fails with EPIPE.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(stderr).toBe('');
  expect(code).toBe(0);
});
