import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); `npx playwright install` cannot download here. */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether the browser tests can run; in CI (.ci/run installs it) a missing Chromium is an error, not a skip. */
export function haveBrowser(): boolean {
  const have = existsSync(CHROMIUM);
  if (!have && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs it with apt-get`);
  return have;
}

/** Headless Chromium with nothing that reaches the network on its own. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
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
}

/** A page at `url` whose dialogs are accepted and kept (their questions), with the page's uncaught errors. */
export async function openPage(
  browser: Browser,
  url: string,
  viewport = { width: 1280, height: 900 },
): Promise<{ page: Page; dialogs: string[]; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.accept();
  });
  await page.goto(url);
  return { page, dialogs, errors };
}
