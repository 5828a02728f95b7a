import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

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
