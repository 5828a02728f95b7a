/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The page.evaluate callbacks below run in the browser: they use its DOM types.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDag } from '../../lambdas/domain/config/validate';
import { addDays } from '../../lambdas/domain/run-date';
import { SimulationSession } from '../../lambdas/local/simulate';
import { startUiServer, type UiServer } from '../../ui/server';
import { haveBrowser, launchBrowser, openPage } from '../support/browser';
import { dp, SIM_DATE } from '../support/simulation';

const YESTERDAY = addDays(SIM_DATE, -1);

/** The day view, the run panel and its actions, freshness and layout, in a real browser (docs/ui.md). */
describe.skipIf(!haveBrowser())('web UI in a real browser', () => {
  let session: SimulationSession;
  let ui: UiServer;
  let browser: Browser;
  const runOf = (job: string, date: string) => session.runtime.deps.store.get({ job, date: date as typeof SIM_DATE });

  /** A page on `date` with the token (the address rsched prints: the page reads it from the fragment and sends it with changes). */
  async function open(date = SIM_DATE, extra = '') {
    const opened = await openPage(browser, `${ui.url}?date=${date}${extra}#token=${ui.token}`);
    await opened.page.waitForSelector('#jobs tbody tr');
    return opened;
  }

  beforeAll(async () => {
    // c depends on a over b's column: the edge a→c must go around b, not under it.
    const dag = loadDag([{ path: 'ui.json', text: JSON.stringify({ jobs: [dp('a'), dp('b', ['a']), dp('c', ['b', 'a'])] }) }]);
    session = await SimulationSession.start({
      dag,
      start: new Date(`${YESTERDAY}T00:00:00Z`),
      overrides: { fail: new Set(['b']), hang: new Set(), durations: new Map() },
    });
    session.scheduleDay(YESTERDAY);
    session.scheduleDay(SIM_DATE);
    await session.run(new Date(`${SIM_DATE}T06:00:00Z`));
    ui = await startUiServer({ ops: session.runtime.ops(), port: 0, description: 'ui test' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await ui?.stop();
    await session?.stop();
  });

  it('shows the DAG with each state in words, the runs, a legend and the scheduler’s clock', async () => {
    const { page, errors } = await open();
    expect(await page.locator('#jobs tbody tr').count()).toBe(3);
    expect(await page.locator('tr[data-job="b"] .state').textContent()).toBe('FAILED');
    expect(await page.locator('tr[data-job="c"] .state').textContent()).toBe('UPSTREAM_FAILED');
    expect(await page.locator('#graph svg .node').count()).toBe(3);
    expect(await page.locator('#graph .node[data-job="b"] text.state-label').textContent()).toBe('FAILED');
    expect(await page.locator('#graph .node[data-job="a"] text.state-label').textContent()).toBe('SUCCEEDED');
    expect(await page.locator('#legend .chip').allTextContents()).toContain('TIMED_OUT');
    // FAILED, TIMED_OUT and UPSTREAM_FAILED differ in colour, not only in words.
    const colours = await page.evaluate(() =>
      ['FAILED', 'TIMED_OUT', 'UPSTREAM_FAILED'].map((s) => {
        const chip = [...document.querySelectorAll('#legend .chip')].find((c) => c.textContent === s) as Element;
        return getComputedStyle(chip).backgroundColor;
      }),
    );
    expect(new Set(colours).size).toBe(3);
    const clock = session.timeline.now().toISOString();
    await page.locator('#clock', { hasText: `${clock.slice(0, 10)} ${clock.slice(11, 19)} UTC` }).waitFor();
    await page.locator('#freshness', { hasText: /^updated \d+ s ago$/ }).waitFor();
    expect(await page.locator('#alerts .alert-group[data-kind="FAILED"]').count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws every edge around the nodes, never under one', async () => {
    const { page } = await open();
    const crossings = await page.evaluate(() => {
      // Each node's box in the svg's user space: its group is translated, the edges are not.
      const boxes = [...document.querySelectorAll('#graph .node')].map((n) => {
        const [x, y] = (/translate\(([-\d.]+),([-\d.]+)\)/.exec(n.getAttribute('transform') ?? '') ?? []).slice(1).map(Number);
        const rect = n.querySelector('rect') as SVGRectElement;
        return {
          job: n.getAttribute('data-job'),
          x: x as number,
          y: y as number,
          w: rect.width.baseVal.value,
          h: rect.height.baseVal.value,
        };
      });
      const found: string[] = [];
      for (const edge of document.querySelectorAll<SVGPathElement>('#graph .edge')) {
        const length = edge.getTotalLength();
        for (let at = 2; at < length - 2; at += 2) {
          const p = edge.getPointAtLength(at);
          for (const b of boxes) {
            if (p.x > b.x + 1 && p.x < b.x + b.w - 1 && p.y > b.y + 1 && p.y < b.y + b.h - 1)
              found.push(`${edge.dataset.from}→${edge.dataset.to} under ${b.job}`);
          }
        }
      }
      return [...new Set(found)];
    });
    expect(await page.locator('#graph .edge').count()).toBe(3);
    expect(crossings).toEqual([]);
    await page.close();
  });

  it('replays a failed job with its downstream; the question names job and date, and the panel re-reads the run', async () => {
    const { page, dialogs, errors } = await open();
    await page.click('tr[data-job="b"]');
    await page.waitForSelector('#detail:not([hidden])');
    expect(await page.locator('#detail-title').textContent()).toBe(`b — ${SIM_DATE}`);
    await page.locator('#attempts tr[data-attempt="1"]').waitFor();
    expect(await page.locator('#transitions tbody tr').count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('#run-alerts li .next').first().textContent()).toContain(`rsched replay b --date ${SIM_DATE} --downstream`);
    expect(await page.locator('#submission').textContent()).toContain('"pipeline": "b-pipeline"');
    await page.click('#replay-downstream');
    await page.locator('#action-result', { hasText: /^done/ }).waitFor();
    expect(dialogs).toEqual([`Replay b for ${SIM_DATE} with its downstream: start new attempts of b, c?`]);
    expect(await page.locator('#action-result').textContent()).toContain('"started":["b","c"]');
    // Re-read: the new attempt is in the panel without a reload.
    await page.locator('#attempts tr[data-attempt="2"]').waitFor();
    expect((await runOf('b', SIM_DATE))?.attempt).toBe(2);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('changing the date re-targets the open panel, and Run now acts on the date shown', async () => {
    const { page, dialogs } = await open();
    const todays = (await runOf('c', SIM_DATE))?.attempt;
    const yesterdays = (await runOf('c', YESTERDAY))?.attempt;
    await page.click('tr[data-job="c"]');
    await page.locator('#detail-title', { hasText: `c — ${SIM_DATE}` }).waitFor();
    await page.fill('#date', YESTERDAY);
    await page.dispatchEvent('#date', 'change');
    await page.locator('#detail-title', { hasText: `c — ${YESTERDAY}` }).waitFor();
    await page.locator('#detail dd', { hasText: 'UPSTREAM_FAILED' }).waitFor();
    await page.locator('#run:not([disabled])').waitFor();
    await page.click('#run');
    await page.locator('#action-result', { hasText: /^done/ }).waitFor();
    expect(dialogs).toEqual([`Run c for ${YESTERDAY} now, regardless of its upstreams?`]);
    expect((await runOf('c', YESTERDAY))?.attempt).toBe((yesterdays ?? 0) + 1);
    expect((await runOf('c', SIM_DATE))?.attempt).toBe(todays);
    await page.close();
  });

  it('marks a run failed through the panel and shows the outcome once the scheduler has handled the marker', async () => {
    const { page, dialogs } = await open(YESTERDAY, '&poll=500');
    await page.click('tr[data-job="a"]');
    await page.locator('#detail-title', { hasText: `a — ${YESTERDAY}` }).waitFor();
    await page.locator('#mark-failed:not([disabled])').waitFor();
    await page.click('#mark-failed');
    await page.locator('#action-result', { hasText: /^done/ }).waitFor();
    expect(dialogs).toEqual([`Mark a for ${YESTERDAY} failed: write its .failed marker?`]);
    await session.run(new Date(`${SIM_DATE}T07:00:00Z`));
    // Polling picks the outcome up: no reload.
    await page.locator('tr[data-job="a"] .state', { hasText: /^FAILED$/ }).waitFor();
    await page.locator('#attempts tr[data-attempt="2"] .chip', { hasText: 'FAILED' }).waitFor();
    await page.close();
  });

  it('says plainly when it can no longer refresh (server stopped)', async () => {
    const own = await startUiServer({ ops: session.runtime.ops(), port: 0, description: 'to be stopped' });
    const page = await browser.newPage();
    await page.goto(`${own.url}?date=${SIM_DATE}&poll=500`);
    await page.locator('#freshness', { hasText: /^updated/ }).waitFor();
    expect(await page.locator('#stale-banner').isHidden()).toBe(true);
    await own.stop();
    await page.locator('#stale-banner', { hasText: 'This page can no longer refresh' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#stale-banner').textContent()).toMatch(/What it shows is from .* \(\d+ s ago\)/);
    expect(await page.evaluate(() => document.body.classList.contains('stale'))).toBe(true);
    await page.close();
  });

  it('fits 1024 to 1920 px wide in every view without clipping, and brings the run panel into view', async () => {
    const { page } = await open();
    for (const width of [1024, 1920]) {
      await page.setViewportSize({ width, height: 700 });
      for (const view of ['day', 'grid', 'gantt', 'backfills']) {
        await page.click(`#views button[data-view="${view}"]`);
        await page.waitForSelector(`#view-${view}:not([hidden])`);
        await page.waitForTimeout(100);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${view} at ${width}px`).toBeLessThanOrEqual(0);
      }
      await page.click('#views button[data-view="day"]');
      const labelsFit = await page.evaluate(() =>
        [...document.querySelectorAll('#graph .node')].every((n) => {
          const box = (n.querySelector('rect') as SVGRectElement).width.baseVal.value;
          return [...n.querySelectorAll('text')].every((t) => (t as SVGTextElement).getComputedTextLength() + 8 <= box);
        }),
      );
      expect(labelsFit, `labels at ${width}px`).toBe(true);
    }
    await page.setViewportSize({ width: 1024, height: 600 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.click('tr[data-job="a"]');
    await page.waitForSelector('#detail:not([hidden])');
    await page.waitForTimeout(200);
    const top = await page.evaluate(() => (document.querySelector('#detail') as HTMLElement).getBoundingClientRect().top);
    expect(top).toBeGreaterThanOrEqual(0);
    expect(top).toBeLessThan(600);
    await page.close();
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
    const unknown = await fetch(new URL('/api/history?job=nosuch', ui.url));
    expect(unknown.status).toBe(400);
  });
});
