import type { AlertSink } from '../../lambdas/ports/alert-sink';
import type { ClusterDirectory, LiveCluster } from '../../lambdas/ports/cluster-directory';
import type { MarkerReader } from '../../lambdas/ports/marker-reader';
import type { AlertRecord } from '../../lambdas/ports/run-store';
import type { SubmissionRef, SubmitRequest, SubmitResult, Submitter } from '../../lambdas/ports/submitter';

/**
 * Records every submit call; `fail` decides per call whether to throw. `submitted`
 * holds the calls that succeeded, i.e. what the control plane really runs.
 */
export class RecordingSubmitter implements Submitter {
  readonly calls: SubmitRequest[] = [];
  readonly submitted: { readonly request: SubmitRequest; readonly result: SubmitResult }[] = [];
  fail: (request: SubmitRequest, callIndex: number) => Error | undefined = () => undefined;
  onSubmit: (request: SubmitRequest) => Promise<void> | void = () => {};
  /** What findSubmission answers; 'recorded' looks the attempt up in `submitted`, like a control plane that can tell. */
  found: SubmitResult | undefined | 'unknown' | 'recorded' = undefined;
  readonly lookups: SubmissionRef[] = [];
  /** How many of the next lookups throw (a throttled or failed List/Describe call, after the SDK's own tries). */
  failLookups = 0;

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const index = this.calls.length;
    this.calls.push(request);
    const error = this.fail(request, index);
    if (error) throw error;
    await this.onSubmit(request);
    const result = { submissionId: `sub-${request.job}-${request.date}-${request.attempt}-${index}`, clusterId: request.cluster?.id };
    this.submitted.push({ request, result });
    return result;
  }

  async findSubmission(ref: SubmissionRef): Promise<SubmitResult | undefined | 'unknown'> {
    this.lookups.push(ref);
    if (this.failLookups > 0) {
      this.failLookups--;
      throw new Error('ThrottlingException: Rate exceeded');
    }
    if (this.found !== 'recorded') return this.found;
    return this.submitted.find(({ request: r }) => r.job === ref.job && r.date === ref.date && r.attempt === ref.attempt)?.result;
  }

  /** Successful submissions of a job (and date), whatever the number of tries behind them. */
  submittedFor(job: string, date?: string): number {
    return this.submitted.filter(({ request: r }) => r.job === job && (date === undefined || r.date === date)).length;
  }

  countFor(job: string, date?: string): number {
    return this.calls.filter((c) => c.job === job && (date === undefined || c.date === date)).length;
  }
}

export class RecordingAlerts implements AlertSink {
  readonly sent: AlertRecord[] = [];
  async publish(alert: AlertRecord): Promise<void> {
    this.sent.push(alert);
  }
  kinds(): string[] {
    return this.sent.map((a) => `${a.kind}:${a.job ?? a.subject}`);
  }
}

/** A cluster directory whose answer the test sets. */
export class FixedClusters implements ClusterDirectory {
  constructor(public live: LiveCluster[] = []) {}
  async liveClusterFor(pool: string): Promise<LiveCluster | undefined> {
    return this.live.find((c) => c.pools.includes(pool));
  }
}

export class MapMarkerReader implements MarkerReader {
  readonly bodies = new Map<string, string>();
  async read(_bucket: string, key: string): Promise<string | undefined> {
    return this.bodies.get(key);
  }
}
