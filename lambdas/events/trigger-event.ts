/** What EventBridge Scheduler sends for a root job (lib/scheduler.ts writes it, the scheduler handler reads it). */
export interface TriggerEvent {
  readonly source: 'rsched.trigger';
  readonly job: string;
  /** `<aws.scheduler.scheduled-time>`: the run date is this instant's day in the job's time zone. */
  readonly scheduledTime?: string;
}
