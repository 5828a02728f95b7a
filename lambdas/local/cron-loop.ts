import { nextInvocation } from '../domain/cron';
import type { Timeline } from './timeline';

/**
 * Runs `task` at every occurrence of `expr` in `timeZone`, from now on: the
 * local stand-in for an EventBridge Scheduler schedule. The task gets the
 * scheduled time, as `<aws.scheduler.scheduled-time>` gives it in AWS; around
 * DST changes it skips a time in the gap and fires a repeated time once, as
 * EventBridge Scheduler does (nextInvocation).
 */
export function cronLoop(timeline: Timeline, label: string, expr: string, timeZone: string, task: (scheduledTime: Date) => void): void {
  const arm = (after: Date) => {
    const at = nextInvocation(expr, timeZone, after);
    timeline.schedule(at, label, async () => {
      task(at);
      arm(at);
    });
  };
  // Include an occurrence at exactly now: `rsched dev --from 2026-11-22T00:00Z` fires the 00:00 schedules.
  arm(new Date(timeline.now().getTime() - 1));
}
