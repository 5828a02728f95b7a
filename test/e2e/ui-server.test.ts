import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDag } from '../../lambdas/domain/config/validate';
import { SimulationSession } from '../../lambdas/local/simulate';
import { startUiServer, type UiServer } from '../../ui/server';
import { dp, SIM_DATE } from '../support/simulation';
import { call } from '../support/ui-http';

describe('web UI server: only its own page on loopback can use it', () => {
  let session: SimulationSession;
  let ui: UiServer;
  let port: string;
  const run = { job: 'a', date: SIM_DATE };

  beforeAll(async () => {
    const dag = loadDag([{ path: 'ui.json', text: JSON.stringify({ jobs: [dp('a'), dp('b', ['a'])] }) }]);
    session = await SimulationSession.start({
      dag,
      start: new Date(`${SIM_DATE}T00:00:00Z`),
      overrides: { fail: new Set(), hang: new Set(), durations: new Map() },
    });
    session.scheduleDay(SIM_DATE);
    await session.run();
    ui = await startUiServer({ ops: session.runtime.ops(), port: 0, description: 'ui server test' });
    port = new URL(ui.url).port;
  });

  afterAll(async () => {
    await ui?.stop();
    await session?.stop();
  });

  it('reports an address that carries a 128-bit-or-more token in its fragment', () => {
    expect(ui.url).toBe(`http://127.0.0.1:${port}/`);
    expect(ui.link).toBe(`${ui.url}#token=${ui.token}`);
    expect(Buffer.from(ui.token, 'base64url').length).toBeGreaterThanOrEqual(16);
  });

  it('answers reads for 127.0.0.1, localhost and [::1] on its port without a token', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      const meta = await call(ui, 'GET', '/api/meta', { host });
      expect(meta.status, host).toBe(200);
      expect(JSON.parse(meta.body).description).toBe('ui server test');
    }
    expect((await call(ui, 'GET', '/')).status).toBe(200);
  });

  it('refuses any request for another host name (DNS rebinding), with a plain-text reason', async () => {
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      '127.0.0.1',
      `127.0.0.1:${Number(port) + 1}`,
      `localhost.evil.example:${port}`,
    ]) {
      const read = await call(ui, 'GET', '/api/status', { host });
      expect(read.status, host).toBe(403);
      expect(read.type).toContain('text/plain');
      expect(read.body).toContain(`refused a request for host "${host}"`);
      const page = await call(ui, 'GET', '/', { host });
      expect(page.status, host).toBe(403);
      const change = await call(ui, 'POST', '/api/run', { host, 'x-rsched-token': ui.token, 'content-type': 'application/json' }, run);
      expect(change.status, host).toBe(403);
      expect(change.body).toContain('refused a request for host');
    }
  });

  it('refuses changes without the token or with a wrong one', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { 'x-rsched-ui': '1' },
      { 'x-rsched-token': '' },
      { 'x-rsched-token': 'wrong' },
      { 'x-rsched-token': `${ui.token}x` },
    ]) {
      const change = await call(ui, 'POST', '/api/run', { 'content-type': 'application/json', ...headers }, run);
      expect(change.status, JSON.stringify(headers)).toBe(403);
      expect(JSON.parse(change.body).error).toContain('changes need the UI token');
    }
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const reply = await call(ui, method, '/api/run', {}, run);
      expect(reply.status, `${method} ${reply.body}`).toBe(403);
    }
  });

  it("refuses changes from another site's page even with the token", async () => {
    for (const origin of [
      'http://evil.example',
      `http://evil.example:${port}`,
      'null',
      `http://127.0.0.1:${Number(port) + 1}`,
      `https://127.0.0.1:${port}`,
    ]) {
      const change = await call(ui, 'POST', '/api/run', { origin, 'x-rsched-token': ui.token, 'content-type': 'application/json' }, run);
      expect(change.status, origin).toBe(403);
      expect(JSON.parse(change.body).error).toContain('only accepted from the rsched UI itself');
    }
  });

  it('makes the change with the right token, from its own page or without an Origin (curl)', async () => {
    const own = await call(
      ui,
      'POST',
      '/api/run',
      { origin: `http://127.0.0.1:${port}`, 'x-rsched-token': ui.token, 'content-type': 'application/json' },
      run,
    );
    expect(own.status, own.body).toBe(200);
    expect(JSON.parse(own.body)).toHaveProperty('dispatch');
    const viaLocalhost = await call(
      ui,
      'POST',
      '/api/replay-plan',
      { host: `localhost:${port}`, origin: `http://localhost:${port}`, 'x-rsched-token': ui.token },
      { ...run, downstream: true },
    );
    expect(viaLocalhost.status, viaLocalhost.body).toBe(200);
    const bare = await call(ui, 'POST', '/api/replay-plan', { 'x-rsched-token': ui.token }, run);
    expect(bare.status, bare.body).toBe(200);
  });
});
