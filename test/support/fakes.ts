import type { AlertSink } from '../../lambdas/ports/alert-sink';
import type { ClusterDirectory, LiveCluster } from '../../lambdas/ports/cluster-directory';
import type { MarkerReader } from '../../lambdas/ports/marker-reader';
import type { AlertRecord } from '../../lambdas/ports/run-store';
import type { SubmissionRef, SubmitRequest, SubmitResult, Submitter } from '../../lambdas/ports/submitter';

/** Records every submit call; `fail` decides per call whether to throw. */
export class RecordingSubmitter implements Submitter {
  readonly calls: SubmitRequest[] = [];
  fail: (request: SubmitRequest, callIndex: number) => Error | undefined = () => undefined;
  onSubmit: (request: SubmitRequest) => Promise<void> | void = () => {};
  found: SubmitResult | undefined | 'unknown' = undefined;

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const index = this.calls.length;
    this.calls.push(request);
    const error = this.fail(request, index);
    if (error) throw error;
    await this.onSubmit(request);
    return { submissionId: `sub-${request.job}-${request.date}-${request.attempt}-${index}`, clusterId: request.cluster?.id };
  }

  async findSubmission(_ref: SubmissionRef): Promise<SubmitResult | undefined | 'unknown'> {
    return this.found;
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
