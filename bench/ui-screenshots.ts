import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadDagFromDir } from '../bin/cli/config';
import { addDays, type RunDate } from '../lambdas/domain/run-date';
import { createBackfill } from '../lambdas/engine/operations/backfill';
import { replay } from '../lambdas/engine/operations/replay';
import { SimulationSession } from '../lambdas/local/simulate';
import { launchBrowser } from '../test/support/browser';
import { startUiServer } from '../ui/server';

/**
 * `npm run ui:screenshots`: the screenshots of docs/ui.md and the README, taken
 * from the example config (dag-config/) run for ten days on the embedded
 * runtime, with a bad day here and there, then the web UI in headless Chromium
 * at 1280 px. Writes docs/img/ui-*.png.
 */
const OUT = join(__dirname, '..', 'docs', 'img');
const TODAY = '2026-11-22' as RunDate;
const DAYS = 10;
/** What goes wrong on which day (days before TODAY): a failing job, an external marker that never comes. */
const TROUBLE: Record<number, { fail?: string[]; hang?: string[] }> = {
  7: { fail: ['revenue'] },
  4: { hang: ['geo_lookup'] },
  1: { fail: ['sessions'] },
};

async function main(): Promise<void> {
  const dag = loadDagFromDir(join(__dirname, '..', 'dag-config'));
  const fail = new Set<string>();
  const hang = new Set<string>();
  const first = addDays(TODAY, -(DAYS - 1));
  const session = await SimulationSession.start({
    dag,
    start: SimulationSession.dayStart(dag, first),
    overrides: { fail, hang, durations: new Map() },
  });
  try {
    for (let back = DAYS - 1; back >= 0; back--) {
      const date = addDays(TODAY, -back);
      fail.clear();
      hang.clear();
      for (const job of TROUBLE[back]?.fail ?? []) fail.add(job);
      for (const job of TROUBLE[back]?.hang ?? []) hang.add(job);
      session.scheduleDay(date);
      // Today stops mid-morning: runs waiting, in flight, a cluster up.
      await session.run(new Date(back === 0 ? `${date}T02:10:00Z` : `${addDays(date, 1)}T00:00:00Z`));
      process.stdout.write(`simulated ${date}\n`);
    }
    const ops = session.runtime.ops();
    // Yesterday's failed sessions, fixed and replayed with its downstream: a second attempt in the run panel.
    await replay(ops.deps, { job: 'sessions', date: addDays(TODAY, -1), downstream: true, by: 'operator:alice' });
    await createBackfill(ops.deps, ops.backfills, {
      job: 'retention',
      from: addDays(TODAY, -5),
      to: addDays(TODAY, -2),
      downstream: true,
      reprocess: 'all',
      parallel: 2,
      by: 'operator:alice',
    });
    await session.run(new Date(`${TODAY}T02:40:00Z`));

    const ui = await startUiServer({ ops, port: 0, description: 'local rsched dev (example config)' });
    const browser = await launchBrowser();
    mkdirSync(OUT, { recursive: true });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.on('dialog', (d) => void d.dismiss());
      const shot = async (name: string, query: string, prepare?: () => Promise<void>) => {
        await page.goto(`${ui.url}?${query}#token=${ui.token}`);
        await page.locator('#freshness', { hasText: 'updated' }).waitFor();
        await prepare?.();
        await page.waitForTimeout(300);
        await page.screenshot({ path: join(OUT, name), fullPage: true });
        process.stdout.write(`wrote docs/img/${name}\n`);
      };
      const yesterday = addDays(TODAY, -1);
      // A bad day: an external marker that never came, its chain timed out or failed upstream.
      await shot('ui-day.png', `date=${addDays(TODAY, -4)}&view=day`);
      await shot('ui-grid.png', 'view=grid', async () => {
        await page.waitForSelector('#grid table');
      });
      // A day that went as planned (apart from the backfill's later attempts, noted at the ends of their rows).
      await shot('ui-gantt.png', `date=${addDays(TODAY, -3)}&view=gantt`, async () => {
        await page.waitForSelector('#gantt svg');
      });
      await shot('ui-run.png', `date=${yesterday}&view=day`, async () => {
        // Tall enough for the whole run panel, which otherwise scrolls on its own beside the page.
        await page.setViewportSize({ width: 1280, height: 1800 });
        await page.click('tr[data-job="sessions"]');
        await page.waitForSelector('#attempts tr[data-attempt="2"]');
      });
      await shot('ui-backfills.png', 'view=backfills', async () => {
        await page.setViewportSize({ width: 1280, height: 900 });
        await page.click('#backfill-list button.open-backfill');
        await page.waitForSelector('#backfill-dates tr[data-date]');
      });
    } finally {
      await browser.close();
      await ui.stop();
    }
  } finally {
    await session.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
