import type { Dag } from '../domain/config/dag';
import type { AlertSink } from '../ports/alert-sink';
import type { Clock } from '../ports/clock';
import type { ClusterDirectory } from '../ports/cluster-directory';
import type { Log } from '../ports/log';
import type { MarkerSink } from '../ports/marker-bucket';
import type { MarkerReader } from '../ports/marker-reader';
import type { RunStatusReaders } from '../ports/run-status';
import type { RunStore } from '../ports/run-store';
import type { Submitter } from '../ports/submitter';

/** Timing knobs of the engine; defaults suit Lambda (see DEFAULT_TUNING). */
export interface Tuning {
  /** Tries of one submit call before the run is SUBMIT_FAILED. */
  readonly submitTries: number;
  readonly submitBackoffBaseMs: number;
  readonly submitBackoffCapMs: number;
  /** A SUBMITTING claim older than this belongs to a handler that died. Longer than the Lambda timeout. */
  readonly claimLeaseMinutes: number;
  /** How often runs waiting for a cluster look again, in case a READY event was missed. */
  readonly clusterRecheckMinutes: number;
  /** Due runs handled per sweep page. */
  readonly sweepPageSize: number;
  /** Marker run dates accepted: at most this many days before today … (docs/markers.md) */
  readonly markerDaysBack: number;
  /** … and at most this many days after it. */
  readonly markerDaysAhead: number;
}

/**
 * What the scheduler trusts in an event (docs/threat-model.md): only markers
 * in this bucket, only notifications through this topic. Unset in tests that
 * do not care; always set by the Lambda and the local runtime.
 */
export interface MarkerTrust {
  readonly bucket?: string;
  readonly topicArn?: string;
}

export const DEFAULT_TUNING: Tuning = {
  submitTries: 4,
  submitBackoffBaseMs: 500,
  submitBackoffCapMs: 8_000,
  claimLeaseMinutes: 5,
  clusterRecheckMinutes: 5,
  sweepPageSize: 100,
  markerDaysBack: 400,
  markerDaysAhead: 1,
};

/** Everything the engine talks to, passed in: nothing is constructed at import time. */
export interface EngineDeps {
  readonly dag: Dag;
  readonly store: RunStore;
  readonly submitter: Submitter;
  readonly alerts: AlertSink;
  readonly clusters: ClusterDirectory;
  readonly markers: MarkerReader;
  readonly clock: Clock;
  readonly log: Log;
  readonly tuning: Tuning;
  readonly trust?: MarkerTrust;
  /**
   * Completion without hand-written markers (docs/completion.md): where the
   * scheduler writes a job's marker, and how the sweeper asks a service
   * whether a run past maxRuntimeMinutes ended. Without them the sweeper times
   * such runs out as before.
   */
  readonly completion?: {
    readonly markers: MarkerSink;
    readonly status: RunStatusReaders;
  };
}
