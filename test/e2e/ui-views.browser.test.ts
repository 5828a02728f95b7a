/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The page.evaluate callbacks below run in the browser: they use its DOM types.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDag } from '../../lambdas/domain/config/validate';
import { addDays } from '../../lambdas/domain/run-date';
import { SimulationSession } from '../../lambdas/local/simulate';
import { startUiServer, type UiServer } from '../../ui/server';
import { startBackfill } from '../support/backfills';
import { haveBrowser, launchBrowser, openPage } from '../support/browser';
import { cluster, dp, emr, SIM_DATE } from '../support/simulation';

const YESTERDAY = addDays(SIM_DATE, -1);

/** The grid, Gantt, alerts and backfills views on the states of a running local runtime (docs/ui.md). */
describe.skipIf(!haveBrowser())('web UI views in a real browser', () => {
  let session: SimulationSession;
  let ui: UiServer;
  let browser: Browser;

  async function open(view: string, date = SIM_DATE) {
    const opened = await openPage(browser, `${ui.url}?date=${date}&view=${view}#token=${ui.token}`);
    await opened.page.waitForSelector(`#view-${view}:not([hidden])`);
    return opened;
  }

  beforeAll(async () => {
    const dag = loadDag([
      {
        path: 'ui.json',
        text: JSON.stringify({
          clusters: [cluster('night', ['etl'], '0 0 * * *', '0 4 * * *')],
          jobs: [
            dp('a'),
            dp('b', ['a']),
            dp('c', ['b']),
            emr('e', 'etl', ['a']),
            // Its marker never comes: TIMED_OUT after maxRuntimeMinutes.
            dp('h', [], { maxRuntimeMinutes: 30 }),
          ],
        }),
      },
    ]);
    session = await SimulationSession.start({
      dag,
      start: new Date(`${YESTERDAY}T00:00:00Z`),
      overrides: { fail: new Set(['b']), hang: new Set(['h']), durations: new Map() },
    });
    session.scheduleDay(YESTERDAY);
    session.scheduleDay(SIM_DATE);
    await session.run(new Date(`${SIM_DATE}T08:00:00Z`));
    // A flood: 60 rejected markers must not push the runs off the screen.
    for (let i = 0; i < 60; i++) {
      await session.runtime.deps.store.putAlert({
        kind: 'MARKER_REJECTED',
        date: SIM_DATE,
        at: `${SIM_DATE}T05:${String(i % 60).padStart(2, '0')}:00.000Z`,
        message: `marker "junk${i}__20261122.done" was rejected: not JSON. No run changed.`,
        next: 'Write a correct marker (see `rsched mark --help`)',
        subject: `junk${i}`,
      });
    }
    ui = await startUiServer({ ops: session.runtime.ops(), port: 0, description: 'ui views test' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await ui?.stop();
    await session?.stop();
  });

  it('grid: jobs × the last 14 dates, each cell its state; a click opens that job on that date', async () => {
    const { page, errors } = await open('grid');
    await page.waitForSelector('#grid table.grid');
    expect(await page.locator('#grid thead th.date-col').count()).toBe(14);
    expect(await page.locator('#grid tbody tr').count()).toBe(5);
    const cell = (job: string, date: string) => page.locator(`#grid tr[data-job="${job}"] button[data-date="${date}"]`);
    expect(await cell('b', YESTERDAY).getAttribute('data-state')).toBe('FAILED');
    expect(await cell('c', SIM_DATE).getAttribute('data-state')).toBe('UPSTREAM_FAILED');
    expect(await cell('h', SIM_DATE).getAttribute('data-state')).toBe('TIMED_OUT');
    expect(await cell('a', addDays(SIM_DATE, -5)).getAttribute('data-state')).toBe('PENDING');
    expect(await cell('h', SIM_DATE).getAttribute('title')).toMatch(/^h 2026-11-22: TIMED_OUT/);
    const fills = await page.evaluate(
      ([y, d]) =>
        ['b', 'h', 'c'].map((job) => {
          const date = job === 'b' ? y : d;
          return getComputedStyle(document.querySelector(`#grid tr[data-job="${job}"] button[data-date="${date}"]`) as Element)
            .backgroundColor;
        }),
      [YESTERDAY, SIM_DATE],
    );
    expect(new Set(fills).size).toBe(3);
    await cell('b', YESTERDAY).click();
    await page.locator('#detail-title', { hasText: `b — ${YESTERDAY}` }).waitFor();
    expect(await page.inputValue('#date')).toBe(YESTERDAY);
    await page.locator('#detail dd', { hasText: 'FAILED' }).first().waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('Gantt: a lane per cluster with its window behind its runs, lanes for other targets, waits and runs apart', async () => {
    const { page, errors } = await open('gantt');
    await page.waitForSelector('#gantt svg');
    expect(await page.locator('#gantt .lane .lane-label').allTextContents()).toEqual(['night', 'Data Pipeline']);
    expect(await page.locator('#gantt .lane[data-lane="cluster:night"] rect.window').count()).toBe(1);
    const e = page.locator('#gantt .gantt-row[data-job="e"]');
    expect(await e.locator('rect.wait').count()).toBe(1);
    expect(await e.locator('rect.run').count()).toBe(1);
    const [wait, run] = await page.evaluate(() =>
      ['wait', 'run'].map(
        (kind) => getComputedStyle(document.querySelector(`#gantt .gantt-row[data-job="e"] rect.${kind}`) as Element).fill,
      ),
    );
    expect(wait).toContain('url(');
    expect(run).not.toBe(wait);
    // The cluster window is drawn before (behind) the runs of its lane.
    const behind = await page.evaluate(() => {
      const lane = document.querySelector('#gantt .lane[data-lane="cluster:night"]') as Element;
      const kids = [...lane.children];
      return kids.findIndex((k) => k.matches('rect.window')) < kids.findIndex((k) => k.matches('.gantt-row'));
    });
    expect(behind).toBe(true);
    expect(await page.locator('#gantt .gantt-row[data-job="h"] .bar-state').textContent()).toBe('TIMED_OUT');
    await page.click('#gantt .gantt-row[data-job="c"] .row-label');
    await page.locator('#detail-title', { hasText: `c — ${SIM_DATE}` }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('alerts: grouped by kind, open or resolved with their next step; a flood stays folded and scrolls on its own', async () => {
    const { page } = await open('day');
    await page.waitForSelector('#alerts .alert-group');
    const kinds = await page.locator('#alerts .alert-group').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-kind')));
    expect(kinds).toEqual(expect.arrayContaining(['MARKER_REJECTED', 'FAILED', 'TIMED_OUT']));
    const flood = page.locator('#alerts .alert-group[data-kind="MARKER_REJECTED"]');
    expect(await flood.getAttribute('open')).toBeNull();
    expect(await flood.locator('summary').textContent()).toContain('60 alerts');
    expect(await flood.locator('li').count()).toBe(20);
    expect(await flood.locator('p.muted').textContent()).toBe('… and 40 more');
    const failed = page.locator('#alerts .alert-group[data-kind="FAILED"] li[data-job="b"]');
    expect(await failed.locator('.badge').textContent()).toBe('open');
    expect(await failed.locator('.next').textContent()).toContain(`rsched replay b --date ${SIM_DATE} --downstream`);
    const height = await page.evaluate(() => (document.querySelector('#alerts') as HTMLElement).getBoundingClientRect().height);
    expect(height).toBeLessThanOrEqual(900 * 0.4 + 1);
    // The runs are still on the first screen.
    const runsTop = await page.evaluate(() => (document.querySelector('#jobs') as HTMLElement).getBoundingClientRect().top);
    expect(runsTop).toBeLessThan(900);
    await page.close();
  });

  it('backfills: the list, a backfill’s dates with their runs and reasons, and cancel (the question names it)', async () => {
    const ops = session.runtime.ops();
    const created = await startBackfill(session, 'c', YESTERDAY, SIM_DATE);
    const { page, dialogs } = await open('backfills');
    const row = page.locator(`#backfill-list tr[data-backfill="${created.id}"]`);
    await row.waitFor();
    expect(await row.locator('.bf-state').textContent()).toBe('RUNNING');
    await row.locator('button.open-backfill').click();
    await page.locator(`#backfill-dates tr[data-date="${SIM_DATE}"]`).waitFor();
    expect(await page.locator(`#backfill-dates tr[data-date="${SIM_DATE}"]`).textContent()).toContain('UPSTREAM_FAILED');
    await row.locator('button.cancel-backfill').click();
    await page.locator('#backfill-result', { hasText: /^done/ }).waitFor();
    expect(dialogs[0]).toContain(`Cancel backfill ${created.id} (c ${YESTERDAY} … ${SIM_DATE})?`);
    await page.locator(`#backfill-list tr[data-backfill="${created.id}"] .bf-state`, { hasText: 'CANCELLED' }).waitFor();
    expect((await ops.backfills.getBackfill(created.id))?.state).toBe('CANCELLED');
    await page.close();
  });
});
