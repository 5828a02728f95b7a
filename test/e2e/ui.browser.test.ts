import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDag } from '../../lambdas/domain/config/validate';
import { SimulationSession } from '../../lambdas/local/simulate';
import { startUiServer, type UiServer } from '../../ui/server';
import { dp, SIM_DATE } from '../support/simulation';

const CHROMIUM = '/usr/bin/chromium';
// CI installs Chromium (.ci/run); elsewhere the test says plainly that it could not run.
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs it with apt-get`);

describe.skipIf(!haveBrowser)('web UI in a real browser', () => {
  let session: SimulationSession;
  let ui: UiServer;
  let browser: Browser;

  beforeAll(async () => {
    const dag = loadDag([{ path: 'ui.json', text: JSON.stringify({ jobs: [dp('a'), dp('b', ['a']), dp('c', ['b'])] }) }]);
    session = await SimulationSession.start({
      dag,
      start: new Date(`${SIM_DATE}T00:00:00Z`),
      overrides: { fail: new Set(['b']), hang: new Set(), durations: new Map() },
    });
    session.scheduleDay(SIM_DATE);
    await session.run();
    ui = await startUiServer({ ops: session.runtime.ops(), port: 0, description: 'ui test' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await ui?.stop();
    await session?.stop();
  });

  it('shows the DAG and the runs of a date, and replays a failed job with its downstream', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('dialog', (d) => void d.accept());
    // The address rsched prints: the token rides in the fragment, which the page reads and sends with changes.
    await page.goto(`${ui.url}?date=${SIM_DATE}#token=${ui.token}`);
    await page.waitForSelector('#jobs tbody tr');
    expect(await page.locator('#jobs tbody tr').count()).toBe(3);
    expect(await page.locator('tr[data-job="b"] .state').textContent()).toBe('FAILED');
    expect(await page.locator('tr[data-job="c"] .state').textContent()).toBe('UPSTREAM_FAILED');
    expect(await page.locator('#graph svg .node').count()).toBe(3);
    expect(await page.locator('#alerts li').first().textContent()).toContain('FAILED');

    await page.click('tr[data-job="b"]');
    await page.waitForSelector('#detail:not([hidden])');
    expect(await page.locator('#detail-title').textContent()).toBe(`b — ${SIM_DATE}`);
    await page.click('#replay-downstream');
    await page.locator('#action-result', { hasText: /^done/ }).waitFor();
    expect(await page.locator('#action-result').textContent()).toContain('"started":["b","c"]');
    expect(errors).toEqual([]);
  });

  it('refuses changes that do not come from the UI itself', async () => {
    const response = await fetch(new URL('/api/run', ui.url), { method: 'POST', body: JSON.stringify({ job: 'a', date: SIM_DATE }) });
    expect(response.status).toBe(403);
    const forged = await fetch(new URL('/api/run', ui.url), {
      method: 'POST',
      headers: { 'x-rsched-ui': '1', origin: 'http://evil.example' },
      body: JSON.stringify({ job: 'a', date: SIM_DATE }),
    });
    expect(forged.status).toBe(403);
    const untokened = await fetch(new URL('/api/run', ui.url), {
      method: 'POST',
      headers: { 'x-rsched-ui': '1', 'content-type': 'application/json' },
      body: JSON.stringify({ job: 'a', date: SIM_DATE }),
    });
    expect(untokened.status).toBe(403);
    const unknown = await fetch(new URL('/api/history?job=nosuch', ui.url));
    expect(unknown.status).toBe(404);
  });
});
