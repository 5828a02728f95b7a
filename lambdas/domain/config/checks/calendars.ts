import { type Calendar, dateRunWithout, weekdayOf } from '../../calendar';
import { resolveCalendar } from '../dag';
import { type ConfigIssue, didYouMean } from '../issues';
import type { Located, NamedCalendarSpec, ParsedConfig } from '../parse';

/** Values listed more than once, each with the index of its second listing. */
function repeated(values: readonly string[]): { value: string; index: number }[] {
  const seen = new Set<string>();
  const out: { value: string; index: number }[] = [];
  values.forEach((value, index) => {
    if (seen.has(value)) out.push({ value, index });
    seen.add(value);
  });
  return out;
}

/** Problems inside one calendar: a name used twice, a weekday or date listed twice, a date both included and excluded. */
function calendarIssues(item: Located<NamedCalendarSpec>, first: Located<NamedCalendarSpec> | undefined): ConfigIssue[] {
  const { value: cal, file } = item;
  const entity = { kind: 'calendar', name: cal.name } as const;
  const issues: ConfigIssue[] = [];
  if (first) issues.push({ severity: 'error', file, entity, message: `duplicate calendar name (first defined in ${first.file})` });
  for (const { value, index } of repeated(cal.weekdays ?? [])) {
    issues.push({ severity: 'error', file, entity, field: `weekdays[${index}]`, message: `"${value}" is listed twice` });
  }
  for (const list of ['exclude', 'include'] as const) {
    for (const { value, index } of repeated(cal[list])) {
      issues.push({ severity: 'error', file, entity, field: `${list}[${index}]`, message: `${value} is listed twice` });
    }
  }
  cal.include.forEach((date, index) => {
    if (cal.exclude.includes(date)) {
      issues.push({
        severity: 'error',
        file,
        entity,
        field: `include[${index}]`,
        message: `${date} is both included and excluded: say once whether jobs run on it (remove it from one list)`,
      });
    }
  });
  return issues;
}

/**
 * Calendars (docs/calendars.md) that cannot mean what they say:
 * - a calendar name defined twice, a weekday or date listed twice, a date both
 *   included and excluded;
 * - a job naming a calendar that does not exist;
 * - a contradiction along an edge: the job runs on a date its upstream never
 *   runs on. Its run that day would wait for an upstream run that is SKIPPED,
 *   and time out. Valid configs therefore have every job's run dates inside
 *   each upstream's, which is what makes SKIPPED propagation exact: an
 *   upstream SKIPPED on a date means its downstream is SKIPPED too.
 */
export function checkCalendars(config: ParsedConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const byName = new Map<string, Located<NamedCalendarSpec>>();
  for (const item of config.calendars) {
    issues.push(...calendarIssues(item, byName.get(item.value.name)));
    if (!byName.has(item.value.name)) byName.set(item.value.name, item);
  }
  const resolved = new Map([...byName].map(([name, item]): [string, Calendar] => [name, resolveCalendar(item.value)]));
  const jobs = new Map(config.jobs.map((j) => [j.value.name, j.value]));
  for (const { value: job, file } of config.jobs) {
    const entity = { kind: 'job', name: job.name } as const;
    if (job.calendar !== undefined && !config.declaredCalendars.has(job.calendar)) {
      issues.push({
        severity: 'error',
        file,
        entity,
        field: 'calendar',
        message: `unknown calendar "${job.calendar}"${didYouMean(job.calendar, config.declaredCalendars)}: define it under the top-level "calendars"`,
      });
      continue;
    }
    // A calendar that failed its own checks is reported there; its edges are not judged on a guess.
    if (job.calendar !== undefined && !resolved.has(job.calendar)) continue;
    const own = job.calendar === undefined ? undefined : resolved.get(job.calendar);
    for (const upstreamName of job.dependsOn) {
      const upstream = jobs.get(upstreamName);
      if (upstream?.calendar === undefined) continue;
      const theirs = resolved.get(upstream.calendar);
      const date = dateRunWithout(own, theirs);
      if (date === undefined) continue;
      const mine = own ? `its calendar ${own.name}` : 'it has no calendar, so it';
      issues.push({
        severity: 'error',
        file,
        entity,
        field: job.calendar === undefined ? 'dependsOn' : 'calendar',
        message:
          `${mine} runs on dates its upstream "${upstreamName}" (calendar ${upstream.calendar}) never runs on, e.g. ${date} (${weekdayOf(date)}): ` +
          `that run would wait for a SKIPPED upstream and time out; give "${job.name}" the calendar "${upstream.calendar}" or one that runs only on its dates`,
      });
    }
  }
  return issues;
}
