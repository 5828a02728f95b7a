import { scheduledInvocations, skippedInvocations } from '../../cron';
import { expectedByInstant } from '../../late';
import { offsetMs, type RunDate, runDateIn } from '../../run-date';
import { BUILTIN_DEFAULTS, type Job, mergeDefaults } from '../dag';
import type { ConfigIssue } from '../issues';
import type { ParsedConfig } from '../parse';

/**
 * Times that cannot work as written (docs/scheduling.md):
 * - an `expectedBy` at or before the job's start would raise LATE before the run
 *   could even begin (an error: write `"+1d HH:MM"` for a deadline the next day);
 * - a schedule time inside a daylight-saving gap of its zone is skipped by
 *   EventBridge Scheduler on that day (a warning: the run is caught up after the gap).
 */
export function checkDeadlines(config: ParsedConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const defaults = mergeDefaults(config.defaults.map((d) => d.value));
  for (const { value: job, file } of config.jobs) {
    const entity = { kind: 'job', name: job.name } as const;
    const isScheduledRoot = job.dependsOn.length === 0 && job.target.type !== 'external';
    const timezone = job.timezone ?? defaults.timezone ?? BUILTIN_DEFAULTS.timezone;
    const schedule = isScheduledRoot ? (job.schedule ?? defaults.schedule ?? BUILTIN_DEFAULTS.schedule) : undefined;
    if (schedule === undefined) continue; // dependents start when their upstreams do: no fixed earliest start to compare with
    if (job.expectedBy) {
      const start = earliestStart(schedule, timezone);
      const deadline = start && expectedByInstant({ expectedBy: job.expectedBy, timezone } as Job, start.date);
      if (start && deadline && deadline <= start.at) {
        issues.push({
          severity: 'error',
          file,
          entity,
          field: 'expectedBy',
          message: `"${job.expectedBy}" is not after the job's start (schedule "${schedule}" starts the run of a day at ${hhmm(start.at, timezone)} ${timezone}): LATE would fire before the run begins; for a deadline the next day write "+1d ${job.expectedBy.replace(/^\+\dd /, '')}"`,
        });
      }
    }
    issues.push(...gapWarnings(schedule, timezone, file, entity, 'schedule'));
  }
  for (const { value: cluster, file } of config.clusters) {
    const timezone = cluster.timezone ?? defaults.timezone ?? BUILTIN_DEFAULTS.timezone;
    const entity = { kind: 'cluster', name: cluster.name } as const;
    issues.push(
      ...gapWarnings(cluster.start, timezone, file, entity, 'start'),
      ...gapWarnings(cluster.stop, timezone, file, entity, 'stop'),
    );
  }
  return issues;
}

function hhmm(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}

/**
 * The first invocation of the first day (from a mid-January week, far from any
 * zone's DST change) on which the schedule fires, and that day as a run date.
 */
function earliestStart(schedule: string, timeZone: string): { date: RunDate; at: Date } | undefined {
  const from = new Date('2026-01-12T12:00:00Z');
  const fires = scheduledInvocations(schedule, timeZone, from, new Date(from.getTime() + 14 * 86_400_000));
  const first = fires.find((at) => runDateIn(at, timeZone) > runDateIn(from, timeZone));
  if (!first) return undefined;
  const date = runDateIn(first, timeZone);
  return { date, at: fires.find((at) => runDateIn(at, timeZone) === date) as Date };
}

const forwardChanges = new Map<string, Date[]>();

/** The days on which clocks in `timeZone` jump forward in the next 12 months (a daily scan of offsets, cached per zone). */
function springForwardDays(timeZone: string): Date[] {
  let found = forwardChanges.get(timeZone);
  if (!found) {
    found = [];
    // The next 12 months' DST changes (validation reads the wall clock only to pick which months to look at).
    const start = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    let previous = offsetMs(new Date(start), timeZone);
    for (let day = 1; day <= 366; day++) {
      const at = new Date(start + day * 86_400_000);
      const offset = offsetMs(at, timeZone);
      if (offset > previous) found.push(new Date(at.getTime() - 86_400_000));
      previous = offset;
    }
    forwardChanges.set(timeZone, found);
  }
  return found;
}

function gapWarnings(expr: string, timeZone: string, file: string, entity: ConfigIssue['entity'], field: string): ConfigIssue[] {
  let skipped: ReturnType<typeof skippedInvocations>;
  try {
    skipped = springForwardDays(timeZone).flatMap((from) =>
      skippedInvocations(expr, timeZone, new Date(from.getTime() - 86_400_000), new Date(from.getTime() + 2 * 86_400_000)),
    );
  } catch {
    return []; // a bad cron or zone is reported by the schema
  }
  const byTime = new Map<string, RunDate[]>();
  for (const s of skipped) byTime.set(s.time, [...(byTime.get(s.time) ?? []), s.date]);
  return [...byTime].map(([time, dates]) => ({
    severity: 'warning' as const,
    file,
    entity,
    field,
    message: `"${expr}" fires at ${time}, which does not exist in ${timeZone} on ${dates.join(', ')} (clocks jump forward over it): EventBridge Scheduler skips that invocation (docs/scheduling.md#daylight-saving-time). ${
      entity?.kind === 'job'
        ? "The run of that day is started after the gap by the sweeper's catch-up (noted in its history);"
        : "The fleet reconcile starts or stops the cluster's window late;"
    } move the time out of the gap to avoid it.`,
  }));
}
