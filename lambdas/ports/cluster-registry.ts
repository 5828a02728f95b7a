import type { ClusterDirectory } from './cluster-directory';

/** One window of a cluster as the registry keeps it (SPEC §5). */
export interface ClusterWindowRecord {
  readonly name: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly pools: readonly string[];
  /** EMR's state, or PROVISIONING / FAILED_TO_START (ours). */
  readonly state: string;
  readonly stateReason?: string;
  readonly claimedAt: string;
  readonly clusterId?: string;
  readonly masterIp?: string;
  readonly masterDns?: string;
  readonly readyAt?: string;
  /** Set at stop: no new steps are routed here; running ones may finish until terminateAt. */
  readonly draining?: boolean;
  readonly terminateAt?: string;
  readonly terminateRequestedAt?: string;
  readonly terminatedAt?: string;
  /**
   * When the step failures of the ended cluster were read back from EMR
   * (ListSteps). Written only after that read succeeded: until then every
   * TERMINATED event and every fleet reconcile tries again.
   */
  readonly lostStepsCheckedAt?: string;
}

export type RegistryPatch = Partial<Omit<ClusterWindowRecord, 'name' | 'windowStart' | 'windowEnd' | 'pools' | 'claimedAt'>>;

/** The cluster registry: who is up, where, for which pools. */
export interface ClusterRegistry extends ClusterDirectory {
  /** Claims a window for provisioning; the existing record when someone claimed it first. */
  claimWindow(
    record: Pick<ClusterWindowRecord, 'name' | 'windowStart' | 'windowEnd' | 'pools' | 'claimedAt'>,
  ): Promise<'claimed' | ClusterWindowRecord>;
  /**
   * Records the EMR cluster id of a window, then the alias from id to window
   * (two writes: DynamoDB Local and dynalite lack TransactWriteItems here, so
   * a crash between them is repaired by ensureAlias, not prevented).
   */
  setClusterId(name: string, windowStart: string, clusterId: string, state: string): Promise<void>;
  /**
   * Makes sure the alias from the window's cluster id to the window exists
   * (idempotent): repairs the window of an invocation that died between
   * setClusterId's two writes. True when the alias had to be written.
   */
  ensureAlias(window: ClusterWindowRecord): Promise<boolean>;
  /**
   * Takes over the claim of a window whose cluster id is still unknown: a
   * PROVISIONING claim whose invocation died, or a FAILED_TO_START one that is
   * tried again. Conditional on the claim being exactly the one read
   * (`claimedAt`), so of two invocations that saw the same stale claim only
   * one wins; the claim is PROVISIONING again, claimed at `now`.
   */
  takeOverClaim(name: string, windowStart: string, claimedAt: string, now: string): Promise<boolean>;
  findByClusterId(clusterId: string): Promise<ClusterWindowRecord | undefined>;
  /**
   * Applies a patch to an existing window. A patch with a `state` applies only
   * if the stored state does not rank higher (see clusterStateRank), so events
   * arriving out of order change nothing; undefined when skipped.
   */
  update(name: string, windowStart: string, patch: RegistryPatch): Promise<ClusterWindowRecord | undefined>;
  /** The latest window of `name` that started at or before `at`. */
  currentWindow(name: string, at: string): Promise<ClusterWindowRecord | undefined>;
  /** Windows of `name` that started in [from, to]. */
  listWindows(name: string, from: string, to: string): Promise<ClusterWindowRecord[]>;
}
