import type { ReconcileOptions } from '../engine/fleet/reconcile';

/** What EventBridge Scheduler sends at a cluster's start/stop, and every minute for the reconcile (lib/cluster-fleet.ts writes it). */
export interface FleetEvent {
  readonly source: 'rsched.fleet';
  readonly action: 'start' | 'stop' | 'reconcile';
  readonly cluster?: string;
  /** `<aws.scheduler.scheduled-time>`: identifies the window. */
  readonly scheduledTime?: string;
  /** For `reconcile`. */
  readonly options?: ReconcileOptions;
}
