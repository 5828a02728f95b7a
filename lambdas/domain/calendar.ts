import type { RunDate } from './run-date';
import { addDays } from './run-date';

/**
 * Run-date calendars (docs/calendars.md): which run dates a job runs on. A
 * date is a run date of a calendar when it is listed in `include`, or when
 * its weekday is one of `weekdays` and it is not listed in `exclude`. A job
 * without a calendar runs every day.
 *
 * Pure and cheap: the lists are short (holidays), so they stay arrays, which
 * survive the compiled config bundle as they are.
 */

export const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A calendar as the resolved DAG carries it on each job that names it. */
export interface Calendar {
  readonly name: string;
  /** The weekdays it runs on, in week order (all seven when the config leaves it out). */
  readonly weekdays: readonly Weekday[];
  /** Dates it does not run on although their weekday is in `weekdays` (holidays). */
  readonly exclude: readonly string[];
  /** Dates it runs on although their weekday is not in `weekdays` (a Saturday close). */
  readonly include: readonly string[];
}

/** The weekday of a run date (a run key with an hour, `YYYY-MM-DDTHH`, is read by its date). */
export function weekdayOf(date: RunDate | string): Weekday {
  // getUTCDay: 0 is Sunday.
  const day = new Date(`${date.slice(0, 10)}T00:00:00Z`).getUTCDay();
  return WEEKDAYS[(day + 6) % 7] as Weekday;
}

/** True when `calendar` runs on `date`; no calendar runs every day. Hourly run keys use their date. */
export function calendarRunsOn(calendar: Calendar | undefined, date: RunDate | string): boolean {
  if (!calendar) return true;
  const day = date.slice(0, 10);
  if (calendar.include.includes(day)) return true;
  return calendar.weekdays.includes(weekdayOf(day)) && !calendar.exclude.includes(day);
}

/** Does job J run on date D (docs/calendars.md): the one question the engine, the CLI and the UI ask. */
export function runsOn(job: { readonly calendar?: Calendar }, date: RunDate | string): boolean {
  return calendarRunsOn(job.calendar, date);
}

/** Why a calendar does not run on a date, for history and messages; undefined when it does. */
export function whyNotOn(calendar: Calendar | undefined, date: RunDate | string): string | undefined {
  if (calendarRunsOn(calendar, date) || !calendar) return undefined;
  const day = date.slice(0, 10);
  if (calendar.exclude.includes(day)) return `${day} is excluded by calendar ${calendar.name}`;
  return `${day} is a ${weekdayOf(day)}, not a weekday of calendar ${calendar.name}`;
}

/** The first Monday of 2026: where the search for a plain date of each weekday starts. */
const WEEK_ANCHOR = '2026-01-05' as RunDate;

/**
 * A date on which `child` runs and `parent` does not, or undefined when there
 * is none (every run date of the child is one of the parent). Complete: apart
 * from the listed dates, both calendars depend only on the weekday, so the
 * listed dates and one unlisted date of each weekday decide it.
 */
export function dateRunWithout(child: Calendar | undefined, parent: Calendar | undefined): string | undefined {
  if (!parent) return undefined;
  const listed = new Set([...(child?.include ?? []), ...(child?.exclude ?? []), ...parent.include, ...parent.exclude]);
  // Plain weekdays first: "a Saturday" explains a contradiction better than one holiday does.
  const candidates: string[] = [];
  const seen = new Set<Weekday>();
  for (let d = WEEK_ANCHOR; seen.size < WEEKDAYS.length; d = addDays(d, 1)) {
    if (listed.has(d) || seen.has(weekdayOf(d))) continue;
    seen.add(weekdayOf(d));
    candidates.push(d);
  }
  candidates.push(...[...listed].sort());
  return candidates.find((d) => calendarRunsOn(child, d) && !calendarRunsOn(parent, d));
}
