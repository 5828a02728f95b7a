import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDag } from '../../lambdas/domain/config/validate';
import { SimulationSession } from '../../lambdas/local/simulate';
import { startUiServer, type UiServer } from '../../ui/server';
import { haveBrowser, launchBrowser } from '../support/browser';
import { dp, SIM_DATE } from '../support/simulation';

/** The web UI shows a shadow run's decision next to the old scheduler's marker (docs/shadow.md, docs/ui.md). */
describe.skipIf(!haveBrowser())('web UI with a shadow job, in a real browser', () => {
  let session: SimulationSession;
  let ui: UiServer;
  let browser: Browser;

  beforeAll(async () => {
    const jobs = [dp('extract', [], { mode: 'shadow' }), dp('load', ['extract'])];
    session = await SimulationSession.start({
      dag: loadDag([{ path: 'ui.json', text: JSON.stringify({ jobs }) }]),
      start: new Date(`${SIM_DATE}T00:00:00Z`),
    });
    session.scheduleDay(SIM_DATE);
    await session.run();
    ui = await startUiServer({ ops: session.runtime.ops(), port: 0, description: 'ui shadow test' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await ui?.stop();
    await session?.stop();
  });

  it('marks the shadow job and shows when we would have submitted next to when the old scheduler’s marker arrived', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${ui.url}?date=${SIM_DATE}`);
    await page.waitForSelector('#jobs tbody tr');
    expect(await page.locator('#graph svg .node[data-job="extract"] text.name').textContent()).toBe('extract · shadow');
    expect(await page.locator('#graph svg .node[data-job="load"] text.name').textContent()).toBe('load');
    expect(await page.locator('tr[data-job="extract"] td.shadow').textContent()).toBe('shadow 00:00');
    expect(await page.locator('tr[data-job="extract"] .state').textContent()).toBe('SUCCEEDED');
    await page.click('tr[data-job="extract"]');
    await page.waitForSelector('#detail:not([hidden])');
    await page.locator('#detail-body dl').waitFor();
    const facts = await page.locator('#detail-body dl').innerText();
    expect(facts).toContain(`would have submitted\n${SIM_DATE}T00:00:00.000Z (attempt 1)`);
    expect(facts).toContain(`old scheduler marker\n${SIM_DATE}T00:10:00.000Z (extract__20261122.done)`);
    expect(facts).toContain(`old scheduler started\n${SIM_DATE}T00:00:00.000Z`);
    expect(facts).toContain('"pipeline":"extract-pipeline"');
    expect(errors).toEqual([]);
  });
});
