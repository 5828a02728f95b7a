import { CronExpressionParser } from 'cron-parser';
import { offsetMs, type RunDate, wallClockInstant } from './run-date';

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

/**
 * EventBridge Scheduler and daylight saving time. AWS documents, for cron
 * schedules in a time zone (EventBridge Scheduler User Guide, "Schedule types
 * in EventBridge Scheduler" → "Daylight saving time on EventBridge Scheduler",
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#daylist-savings-time;
 * AWS re:Post knowledge center "eventbridge-scheduler-adjust-dst"): "When the
 * time shifts forward in Spring, your schedule invocation gets skipped if the
 * cron expression falls on a non-existent date and time. When the time shifts
 * back in the Fall, your schedule runs only once and doesn't repeat its
 * invocation." cron-parser instead moves a time inside the gap forward (02:30
 * in Berlin on the last Sunday of March fires at 03:30) and fires a repeated
 * time twice; these functions drop both, as AWS does (docs/scheduling.md#daylight-saving-time).
 *
 * ```
 *  Europe/Berlin, 2026-03-29   01:59 CET ─┐ gap ┌─ 03:00 CEST
 *  "30 2 * * *"                           02:30 does not exist: no invocation that day
 *  Europe/Berlin, 2026-10-25   02:30 CEST (00:30Z) invoked ... 02:30 CET (01:30Z) not invoked again
 * ```
 */
function wallClock(instant: Date, timeZone: string): { date: string; hour: number; minute: number } {
  const local = new Date(instant.getTime() + offsetMs(instant, timeZone));
  return { date: local.toISOString().slice(0, 10), hour: local.getUTCHours(), minute: local.getUTCMinutes() };
}

function hoursAndMinutes(expr: string): { hours: ReadonlySet<number>; minutes: ReadonlySet<number> } {
  const { fields } = CronExpressionParser.parse(expr, { tz: 'UTC' });
  return { hours: new Set(fields.hour.values.map(Number)), minutes: new Set(fields.minute.values.map(Number)) };
}

/** True when EventBridge Scheduler invokes `expr` at `at` (a cron-parser occurrence): not moved out of a DST gap, not a repeated wall-clock time. */
function invokedAt(expr: string, timeZone: string, at: Date, fields = hoursAndMinutes(expr)): boolean {
  const wall = wallClock(at, timeZone);
  if (!fields.hours.has(wall.hour) || !fields.minutes.has(wall.minute)) return false; // moved out of a spring-forward gap
  const hhmm = `${String(wall.hour).padStart(2, '0')}:${String(wall.minute).padStart(2, '0')}`;
  return wallClockInstant(wall.date as RunDate, hhmm, timeZone).getTime() === at.getTime(); // else: the repeat of a fall-back hour
}

/** The instants in [from, to) at which EventBridge Scheduler invokes a cron schedule in `timeZone` (DST gaps skipped, repeats once). */
export function scheduledInvocations(expr: string, timeZone: string, from: Date, to: Date): Date[] {
  const fields = hoursAndMinutes(expr);
  return occurrences(expr, timeZone, from, to).filter((at) => invokedAt(expr, timeZone, at, fields));
}

/** The first instant strictly after `at` at which EventBridge Scheduler invokes `expr` in `timeZone`. */
export function nextInvocation(expr: string, timeZone: string, at: Date): Date {
  const fields = hoursAndMinutes(expr);
  let next = nextOccurrence(expr, timeZone, at);
  while (!invokedAt(expr, timeZone, next, fields)) next = nextOccurrence(expr, timeZone, next);
  return next;
}

/** A wall-clock time that `expr` names but that does not exist on `date` in `timeZone` (a spring-forward gap): EventBridge Scheduler skips it. */
export interface SkippedInvocation {
  /** The local calendar day of the gap. */
  readonly date: RunDate;
  /** The named time, `HH:MM`. */
  readonly time: string;
  /** Where cron-parser would have put it: the first instant after the gap. */
  readonly shiftedTo: Date;
}

/** The invocations of `expr` in [from, to) that EventBridge Scheduler skips because their time falls in a DST gap. */
export function skippedInvocations(expr: string, timeZone: string, from: Date, to: Date): SkippedInvocation[] {
  const fields = hoursAndMinutes(expr);
  const out: SkippedInvocation[] = [];
  for (const at of occurrences(expr, timeZone, from, to)) {
    const wall = wallClock(at, timeZone);
    if (fields.hours.has(wall.hour) && fields.minutes.has(wall.minute)) continue;
    // Shifted forward by the gap: the named time is the one the gap swallowed (offset before the gap applied).
    const named = new Date(at.getTime() + offsetMs(new Date(at.getTime() - 86_400_000), timeZone));
    out.push({
      date: wall.date as RunDate,
      time: `${String(named.getUTCHours()).padStart(2, '0')}:${String(named.getUTCMinutes()).padStart(2, '0')}`,
      shiftedTo: at,
    });
  }
  return out;
}
