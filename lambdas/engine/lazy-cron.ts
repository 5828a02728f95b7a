/**
 * The cron expansion (domain/cron.ts: cron-parser and luxon, a quarter of the
 * sweeper's code), loaded by `import()` when a schedule must be expanded. The
 * sweeper runs every minute, but only a tick near a DST change (catch-up) or
 * with a deadline ahead to predict expands a schedule; the others never load it,
 * and neither does the sweeper's cold start (lib/esm-bundle.ts splits it out).
 */
export const loadCron = () => import('../domain/cron.js');
