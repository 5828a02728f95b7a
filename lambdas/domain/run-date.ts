/**
 * A run date is the logical day a run belongs to. It is stored and shown as
 * `YYYY-MM-DD` and written into marker keys as `YYYYMMDD`.
 */
export type RunDate = string & { readonly __brand: 'RunDate' };

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;

/** True when year/month/day name a day that exists in the proleptic Gregorian calendar. */
function isRealDay(year: number, month: number, day: number): boolean {
  if (year < 1970 || year > 2999 || month < 1 || month > 12 || day < 1) return false;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= lastDay;
}

/** Parses `YYYY-MM-DD`; returns undefined for anything else, including impossible days. */
export function parseRunDate(text: string): RunDate | undefined {
  const m = ISO_DATE.exec(text);
  if (!m) return undefined;
  return isRealDay(Number(m[1]), Number(m[2]), Number(m[3])) ? (text as RunDate) : undefined;
}

/** Parses the compact `YYYYMMDD` form used in marker keys. */
export function parseCompactRunDate(text: string): RunDate | undefined {
  const m = COMPACT_DATE.exec(text);
  if (!m) return undefined;
  return parseRunDate(`${m[1]}-${m[2]}-${m[3]}`);
}

/** Like parseRunDate but throws an error that says what was expected. */
export function requireRunDate(text: string, what = 'date'): RunDate {
  const date = parseRunDate(text);
  if (!date) throw new RangeError(`${what} must be a real day written YYYY-MM-DD, got "${text}"`);
  return date;
}

export function toCompact(date: RunDate): string {
  return date.replaceAll('-', '');
}

export function addDays(date: RunDate, days: number): RunDate {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10) as RunDate;
}

/** Inclusive list of dates from `from` to `to`. */
export function dateRange(from: RunDate, to: RunDate): RunDate[] {
  const out: RunDate[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

// Intl formatters are costly to build; one per zone is kept.
const dayFormatters = new Map<string, Intl.DateTimeFormat>();
const partFormatters = new Map<string, Intl.DateTimeFormat>();

function cached(cache: Map<string, Intl.DateTimeFormat>, timeZone: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let formatter = cache.get(timeZone);
  if (!formatter) {
    formatter = make();
    cache.set(timeZone, formatter);
  }
  return formatter;
}

/** The calendar day of `instant` in `timeZone`. */
export function runDateIn(instant: Date, timeZone: string): RunDate {
  // en-CA formats as YYYY-MM-DD.
  const formatter = cached(
    dayFormatters,
    timeZone,
    () => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }),
  );
  return formatter.format(instant) as RunDate;
}

/**
 * The instant at which the wall clock in `timeZone` shows `hhmm` on `date`, the
 * way cron schedules resolve it: a time shown twice (the hour repeated when
 * DST ends) is its first occurrence; a time skipped when DST starts moves
 * forward by the gap (02:30 in a 1-hour gap is 03:30).
 */
export function wallClockInstant(date: RunDate, hhmm: string, timeZone: string): Date {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const wall = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)), h, m);
  // The offsets in force a day either side (offsets reach ±14 h; DST changes are months apart).
  const before = wall - offsetMs(new Date(wall - 86_400_000), timeZone);
  const after = wall - offsetMs(new Date(wall + 86_400_000), timeZone);
  const shows = (instant: number) => instant + offsetMs(new Date(instant), timeZone) === wall;
  const candidates = [before, after].filter(shows);
  return new Date(candidates.length > 0 ? Math.min(...candidates) : before);
}

/** Offset of `timeZone` from UTC at `instant`, in ms (positive east of Greenwich). */
export function offsetMs(instant: Date, timeZone: string): number {
  const formatter = cached(
    partFormatters,
    timeZone,
    () =>
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      }),
  );
  const parts = formatter.formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

const zoneCache = new Map<string, boolean>();

/** True for IANA zone names that this runtime knows (and `UTC`). */
export function isValidTimeZone(timeZone: string): boolean {
  let ok = zoneCache.get(timeZone);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
      ok = true;
    } catch {
      ok = false;
    }
    zoneCache.set(timeZone, ok);
  }
  return ok;
}
