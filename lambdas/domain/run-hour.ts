import { parseRunDate, type RunDate } from './run-date';

/**
 * The period of an hourly job's run (docs/hourly.md): one UTC hour, written
 * `YYYY-MM-DDTHH` in the run key's date field (so the store's keys do not
 * change) and `YYYYMMDDHH` in marker keys. Hours are UTC hours: every day has
 * 24 of them, with no DST day of 23 or 25. A daily run keeps `YYYY-MM-DD`;
 * both are `RunDate`s, told apart by `isHourPeriod`.
 */

const ISO_HOUR = /^(\d{4}-\d{2}-\d{2})T(\d{2})$/;
const COMPACT_HOUR = /^(\d{4})(\d{2})(\d{2})(\d{2})$/;

/** The 24 hours of a day, `00` to `23`. */
export const HOURS_OF_DAY: readonly string[] = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));

/** Parses `YYYY-MM-DDTHH` (a real day, hour 00-23); undefined for anything else. */
export function parseRunHour(text: string): RunDate | undefined {
  const m = ISO_HOUR.exec(text);
  if (!m || !parseRunDate(m[1] as string) || Number(m[2]) > 23) return undefined;
  return text as RunDate;
}

/** Parses the compact `YYYYMMDDHH` of hourly marker keys. */
export function parseCompactRunHour(text: string): RunDate | undefined {
  const m = COMPACT_HOUR.exec(text);
  return m ? parseRunHour(`${m[1]}-${m[2]}-${m[3]}T${m[4]}`) : undefined;
}

/** A run period as an operator types it: `YYYY-MM-DD` (a day) or `YYYY-MM-DDTHH` (a UTC hour). */
export function parseRunPeriod(text: string): RunDate | undefined {
  return parseRunDate(text) ?? parseRunHour(text);
}

/** True for an hourly run's period `YYYY-MM-DDTHH`. */
export function isHourPeriod(period: string): boolean {
  return period.length === 13 && period[10] === 'T';
}

/** The day a period belongs to: the day itself, or the day of the hour. */
export function dayOf(period: RunDate): RunDate {
  return period.slice(0, 10) as RunDate;
}

/** The hour `HH` of an hourly period; undefined for a day. */
export function hourOf(period: RunDate): string | undefined {
  return isHourPeriod(period) ? period.slice(11, 13) : undefined;
}

/** The period of hour `hh` (`00`-`23`) of `day`. */
export function atHour(day: RunDate, hh: string): RunDate {
  return `${dayOf(day)}T${hh}` as RunDate;
}

/** The 24 hourly periods of a day, in order. */
export function hoursOf(day: RunDate): RunDate[] {
  return HOURS_OF_DAY.map((hh) => atHour(day, hh));
}

/** The UTC hour that contains `instant`. */
export function hourIn(instant: Date): RunDate {
  return instant.toISOString().slice(0, 13) as RunDate;
}

/** When an hourly period starts (UTC). */
export function hourStart(period: RunDate): Date {
  return new Date(`${period}:00:00Z`);
}

/** When a period ends: the next hour for an hour, the next UTC midnight for a day. */
export function periodEnd(period: RunDate): Date {
  const start = isHourPeriod(period) ? hourStart(period) : new Date(`${period}T00:00:00Z`);
  return new Date(start.getTime() + (isHourPeriod(period) ? 3_600_000 : 86_400_000));
}

/** `YYYYMMDD` or `YYYYMMDDHH`, as marker keys write a period. */
export function compactPeriod(period: RunDate): string {
  return period.replaceAll('-', '').replace('T', '');
}

/** Inclusive list of hourly periods from `from` to `to` (both `YYYY-MM-DDTHH`). */
export function hourRange(from: RunDate, to: RunDate): RunDate[] {
  const out: RunDate[] = [];
  for (let t = hourStart(from).getTime(); t <= hourStart(to).getTime(); t += 3_600_000) out.push(hourIn(new Date(t)));
  return out;
}
