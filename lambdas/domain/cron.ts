import { CronExpressionParser } from 'cron-parser';

/**
 * Five-field cron (`minute hour day-of-month month day-of-week`), evaluated in an
 * IANA time zone. The same text is turned into an EventBridge Scheduler
 * expression at synth time, so only what both dialects can say is accepted.
 */

const FIELD_NAMES = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;
const DOW_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

/** Returns a sentence saying what is wrong with `expr`, or undefined when it is a valid cron. */
export function cronProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) {
    return `cron "${expr}" must have 5 fields (${FIELD_NAMES.join(' ')}), got ${fields.length}`;
  }
  if (fields.some((f) => !/^[0-9A-Za-z*,/-]+$/.test(f))) {
    return `cron "${expr}" has characters other than digits, names, "*", ",", "-" and "/"`;
  }
  try {
    CronExpressionParser.parse(expr, { tz: 'UTC', strict: false });
  } catch (err) {
    return `cron "${expr}" is invalid: ${(err as Error).message}`;
  }
  const [, , dom, , dow] = fields as [string, string, string, string, string];
  if (dow.includes('/')) {
    return `cron "${expr}" uses a step in day-of-week; list the days instead (e.g. 1,3,5)`;
  }
  if (dom !== '*' && dow !== '*') {
    return `cron "${expr}" restricts both day-of-month and day-of-week; EventBridge Scheduler cannot express that, use one of them`;
  }
  return undefined;
}

/** Every instant in [from, to) at which `expr` fires in `timeZone`, in order. */
export function occurrences(expr: string, timeZone: string, from: Date, to: Date): Date[] {
  // cron-parser's `next` is strictly after currentDate: step back 1 ms to include `from`.
  const it = CronExpressionParser.parse(expr, {
    tz: timeZone,
    currentDate: new Date(from.getTime() - 1),
    endDate: to,
  });
  const out: Date[] = [];
  while (it.hasNext()) {
    const next = it.next().toDate();
    if (next >= to) break;
    out.push(next);
  }
  return out;
}

/** The last instant at or before `at` at which `expr` fires in `timeZone`. */
export function previousOccurrence(expr: string, timeZone: string, at: Date): Date {
  const it = CronExpressionParser.parse(expr, { tz: timeZone, currentDate: new Date(at.getTime() + 1) });
  return it.prev().toDate();
}

/** The first instant strictly after `at` at which `expr` fires in `timeZone`. */
export function nextOccurrence(expr: string, timeZone: string, at: Date): Date {
  const it = CronExpressionParser.parse(expr, { tz: timeZone, currentDate: at });
  return it.next().toDate();
}

/**
 * The EventBridge Scheduler form, `cron(min hour dom month dow year)`: one of
 * day-of-month/day-of-week must be `?`, and days of the week count from SUN=1.
 */
export function toEventBridgeCron(expr: string): string {
  const problem = cronProblem(expr);
  if (problem) throw new Error(problem);
  const [minute, hour, dom, month, dow] = expr.trim().split(/\s+/) as [string, string, string, string, string];
  // Days of the week as an explicit list: cron's 7 is Sunday, and a range such as 5-7 would wrap in EventBridge's numbering.
  const days = [...new Set(CronExpressionParser.parse(expr, { tz: 'UTC' }).fields.dayOfWeek.values.map((d) => Number(d) % 7))].sort();
  const ebDow = dow === '*' ? '?' : days.map((d) => DOW_NAMES[d]).join(',');
  const ebDom = dow === '*' ? dom : '?';
  return `cron(${minute} ${hour} ${ebDom} ${month} ${ebDow} *)`;
}
