import type { IncomingHttpHeaders } from 'node:http';
import type { Dag } from '../../domain/config/dag';
import type { RunDate } from '../../domain/run-date';
import { parseSubmissionName } from '../../ports/submitter';
import { type JobOverrides, simulatedOutcome } from '../job-behaviour';
import type { MarkerWriter } from '../marker-writer';
import type { Timeline } from '../timeline';
import { type Operation, ServiceError } from './json-rpc-server';
import type { SubmissionLog } from './submission-log';

const MINUTE = 60_000;

type StepState = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'INTERRUPTED';

interface SimStep {
  readonly id: string;
  readonly name: string;
  readonly args: readonly string[];
  state: StepState;
  /** When it started RUNNING; a restored step ends at startedAt + its duration. */
  startedAt?: Date;
  /** When it ended (ISO), and why it failed: what DescribeStep reports. */
  endedAt?: string;
  failure?: string;
}

export interface SimCluster {
  readonly id: string;
  readonly name: string;
  readonly configName?: string;
  readonly tags: { Key: string; Value: string }[];
  readonly masterIp: string;
  readonly stepConcurrency: number;
  readonly provisionMinutes: number;
  state: string;
  reason?: string;
  keepAlive: boolean;
  readonly steps: SimStep[];
  /** Every state with the instant it was entered, for timelines and reports. */
  readonly history: { readonly at: Date; readonly state: string }[];
}

/** An EventBridge event as EMR would emit it. */
export type EmrEventEnvelope = {
  source: 'aws.emr';
  'detail-type': 'EMR Cluster State Change' | 'EMR Step Status Change';
  time: string;
  detail: Record<string, unknown>;
};

/** The simulator's state as stored in `.rsched/control-plane.json` (instants as ISO strings). */
export interface EmrSnapshot {
  /** The last number handed out: ids are derived from it, so they never repeat across restarts. */
  readonly counter: number;
  readonly clusters: readonly (Omit<SimCluster, 'history' | 'steps'> & {
    readonly history: readonly { readonly at: string; readonly state: string }[];
    readonly steps: readonly (Omit<SimStep, 'startedAt'> & { readonly startedAt?: string })[];
  })[];
}

/**
 * A simulated EMR control plane: clusters provision for the config's
 * `simulation.provisionMinutes`, steps run for their job's simulated duration
 * and then write the job's marker, and every state change is emitted as the
 * EventBridge event EMR sends.
 */
export class EmrSimulator {
  private readonly clusters = new Map<string, SimCluster>();
  private counter = 0;

  constructor(
    private readonly deps: {
      dag: Dag;
      timeline: Timeline;
      overrides: JobOverrides;
      markers: MarkerWriter;
      submissions: SubmissionLog;
      emit: (event: EmrEventEnvelope) => void;
      /** Called after every change of what it knows (rsched dev persists it). */
      onChange?: () => void;
    },
  ) {}

  snapshot(): EmrSnapshot {
    return {
      counter: this.counter,
      clusters: this.list().map((c) => ({
        ...c,
        history: c.history.map((h) => ({ at: h.at.toISOString(), state: h.state })),
        steps: c.steps.map((s) => ({ ...s, startedAt: s.startedAt?.toISOString() })),
      })),
    };
  }

  /**
   * Takes back a saved state and carries on from it: ids continue after the
   * saved counter, a cluster still provisioning becomes ready when it would
   * have, running steps end when they would have (at once if that has passed),
   * a terminating cluster terminates. No event is repeated.
   */
  restore(snapshot: EmrSnapshot, counterAtLeast = 0): void {
    this.counter = Math.max(snapshot.counter, counterAtLeast);
    for (const saved of snapshot.clusters) {
      const cluster: SimCluster = {
        ...saved,
        history: saved.history.map((h) => ({ at: new Date(h.at), state: h.state })),
        steps: saved.steps.map((st) => ({ ...st, startedAt: st.startedAt ? new Date(st.startedAt) : undefined })),
      };
      this.clusters.set(cluster.id, cluster);
      if (cluster.state === 'STARTING' || cluster.state === 'BOOTSTRAPPING') {
        const created = cluster.history[0]?.at.getTime() ?? this.deps.timeline.now().getTime();
        this.armReady(cluster, created);
      } else if (cluster.state === 'TERMINATING') {
        this.armTerminated(cluster, cluster.reason ?? 'Terminated');
      } else {
        for (const step of cluster.steps) if (step.state === 'RUNNING') this.runStep(cluster, step);
        this.startSteps(cluster);
      }
    }
  }

  /** Seeds the id counter (state from before the simulator's state was persisted: ids must not meet the recorded ones). */
  seedCounter(atLeast: number): void {
    this.counter = Math.max(this.counter, atLeast);
  }

  /** Every cluster ever created, for reports. */
  list(): readonly SimCluster[] {
    return [...this.clusters.values()];
  }

  operations(): Record<string, Operation> {
    const op = (name: string, fn: (input: Record<string, unknown>, headers: IncomingHttpHeaders) => unknown) =>
      [`ElasticMapReduce.${name}`, fn] as const;
    return Object.fromEntries([
      op('RunJobFlow', (i) => this.runJobFlow(i)),
      op('AddJobFlowSteps', (i) => this.addJobFlowSteps(i)),
      op('ListSteps', (i) => this.listSteps(i)),
      op('DescribeStep', (i) => this.describeStep(i)),
      op('DescribeCluster', (i) => this.describeCluster(i)),
      op('ListClusters', (i) => this.listClusters(i)),
      op('ListInstances', (i) => this.listInstances(i)),
      op('SetKeepJobFlowAliveWhenNoSteps', (i) => this.setKeepAlive(i)),
      op('TerminateJobFlows', (i) => this.terminateJobFlows(i)),
    ]);
  }

  private cluster(id: unknown): SimCluster {
    const cluster = this.clusters.get(String(id));
    if (!cluster) throw new ServiceError('InvalidRequestException', `Cluster id '${String(id)}' is not valid.`);
    return cluster;
  }

  private setState(cluster: SimCluster, state: string, reason?: string): void {
    if (cluster.state === state) return;
    cluster.state = state;
    cluster.reason = reason;
    cluster.history.push({ at: this.deps.timeline.now(), state });
    this.deps.onChange?.();
    this.deps.emit({
      source: 'aws.emr',
      'detail-type': 'EMR Cluster State Change',
      time: this.deps.timeline.now().toISOString(),
      detail: {
        clusterId: cluster.id,
        name: cluster.name,
        state,
        severity: state === 'TERMINATED_WITH_ERRORS' ? 'CRITICAL' : 'INFO',
        message: `Amazon EMR cluster ${cluster.id} (${cluster.name}) is ${state}`,
        stateChangeReason: JSON.stringify(reason ? { code: 'USER_REQUEST', message: reason } : {}),
      },
    });
  }

  private setStepState(cluster: SimCluster, step: SimStep, state: StepState): void {
    this.book(cluster).moved(step.state, state);
    step.state = state;
    this.deps.onChange?.();
    this.deps.emit({
      source: 'aws.emr',
      'detail-type': 'EMR Step Status Change',
      time: this.deps.timeline.now().toISOString(),
      detail: {
        clusterId: cluster.id,
        stepId: step.id,
        name: step.name,
        state,
        actionOnFailure: 'CONTINUE',
        severity: state === 'FAILED' ? 'ERROR' : 'INFO',
        message: `Step ${step.id} (${step.name}) in cluster ${cluster.id} is ${state}${step.failure ? `: ${step.failure}` : ''}`,
      },
    });
  }

  private runJobFlow(input: Record<string, unknown>): unknown {
    const n = ++this.counter;
    const id = `j-${n.toString(36).toUpperCase().padStart(13, '0')}`;
    const tags = (input.Tags as { Key: string; Value: string }[] | undefined) ?? [];
    const configName = tags.find((t) => t.Key === 'rsched:cluster')?.Value;
    const config = configName ? this.deps.dag.clusters.get(configName) : undefined;
    const cluster: SimCluster = {
      id,
      name: String(input.Name ?? id),
      configName,
      tags,
      // Octets stay valid however high the (persisted) counter gets.
      masterIp: `10.0.${Math.floor(n / 240) % 256}.${(n % 240) + 10}`,
      stepConcurrency: Number(input.StepConcurrencyLevel ?? 1),
      provisionMinutes: config?.simulation.provisionMinutes ?? 8,
      state: 'NONE',
      keepAlive: (input.Instances as { KeepJobFlowAliveWhenNoSteps?: boolean } | undefined)?.KeepJobFlowAliveWhenNoSteps ?? false,
      steps: [],
      history: [],
    };
    this.clusters.set(id, cluster);
    this.setState(cluster, 'STARTING');
    this.armReady(cluster, this.deps.timeline.now().getTime());
    return { JobFlowId: id, ClusterArn: `arn:aws:elasticmapreduce:us-east-1:000000000000:cluster/${id}` };
  }

  private armReady(cluster: SimCluster, createdAt: number): void {
    const { timeline } = this.deps;
    timeline.schedule(new Date(createdAt + cluster.provisionMinutes * 0.75 * MINUTE), `emr ${cluster.id} bootstrapping`, async () => {
      if (cluster.state === 'STARTING') this.setState(cluster, 'BOOTSTRAPPING');
    });
    timeline.schedule(new Date(createdAt + cluster.provisionMinutes * MINUTE), `emr ${cluster.id} ready`, async () => {
      if (cluster.state !== 'STARTING' && cluster.state !== 'BOOTSTRAPPING') return;
      this.setState(cluster, 'WAITING', 'Cluster ready to run steps.');
      this.startSteps(cluster);
    });
  }

  private addJobFlowSteps(input: Record<string, unknown>): unknown {
    const cluster = this.cluster(input.JobFlowId);
    if (['TERMINATING', 'TERMINATED', 'TERMINATED_WITH_ERRORS'].includes(cluster.state)) {
      throw new ServiceError('ValidationException', `A job flow that is shutting down, terminated, or finished may not be modified.`);
    }
    const specs = (input.Steps as { Name?: string; HadoopJarStep?: { Args?: string[] } }[] | undefined) ?? [];
    const ids: string[] = [];
    for (const spec of specs) {
      const id = `s-${(++this.counter).toString(36).toUpperCase().padStart(13, '0')}`;
      const step: SimStep = { id, name: spec.Name ?? id, args: spec.HadoopJarStep?.Args ?? [], state: 'PENDING' };
      const book = this.book(cluster);
      cluster.steps.push(step);
      book.moved(undefined, step.state);
      ids.push(id);
      const run = parseSubmissionName(step.name);
      if (run)
        this.deps.submissions.record({
          ...run,
          kind: 'emr-step',
          submissionId: id,
          clusterId: cluster.id,
          clusterName: cluster.configName ?? cluster.name,
          at: this.deps.timeline.now(),
        });
    }
    this.startSteps(cluster);
    this.deps.onChange?.();
    return { StepIds: ids };
  }

  private readonly books = new WeakMap<SimCluster, StepBook>();

  /** The cluster's step book, made from its steps when first needed (a restored cluster's too). */
  private book(cluster: SimCluster): StepBook {
    let book = this.books.get(cluster);
    if (!book) {
      book = new StepBook(cluster.steps);
      this.books.set(cluster, book);
    }
    return book;
  }

  private startSteps(cluster: SimCluster): void {
    if (cluster.state !== 'WAITING' && cluster.state !== 'RUNNING') return;
    const book = this.book(cluster);
    for (const step of book.pending(cluster.steps)) {
      if (book.running >= cluster.stepConcurrency) break;
      step.startedAt = this.deps.timeline.now();
      this.setStepState(cluster, step, 'RUNNING');
      if (cluster.state === 'WAITING') this.setState(cluster, 'RUNNING', 'Running step');
      this.runStep(cluster, step);
    }
  }

  private runStep(cluster: SimCluster, step: SimStep): void {
    const run = parseSubmissionName(step.name);
    const job = run ? this.deps.dag.jobs.get(run.job) : undefined;
    if (!run || !job) {
      // A step not started by the scheduler: finish it after a minute.
      this.deps.timeline.schedule(new Date(this.deps.timeline.now().getTime() + MINUTE), `emr ${step.id}`, async () =>
        this.finishStep(cluster, step, 'COMPLETED'),
      );
      return;
    }
    const outcome = simulatedOutcome(job, this.deps.overrides);
    if (outcome.result === 'hang') return;
    const at = new Date((step.startedAt ?? this.deps.timeline.now()).getTime() + outcome.durationMinutes * MINUTE);
    // A job with completion "marker" writes its own marker as its last act; with "events" it writes
    // nothing, and the scheduler writes the marker from the step's event (docs/completion.md).
    const writesOwnMarker = job.completion === 'marker';
    this.deps.timeline.schedule(at, `emr ${step.id} ${run.job}`, async () => {
      if (step.state !== 'RUNNING') return; // interrupted meanwhile
      if (outcome.result === 'failed') {
        if (writesOwnMarker) {
          await this.deps.markers.write(
            run.job,
            run.date as RunDate,
            'failed',
            JSON.stringify({ meta: { error: 'simulated failure (--fail)' } }),
          );
        }
        step.failure = 'simulated failure (--fail)';
        this.finishStep(cluster, step, 'FAILED');
      } else {
        if (writesOwnMarker) await this.deps.markers.write(run.job, run.date as RunDate, 'done');
        this.finishStep(cluster, step, 'COMPLETED');
      }
    });
  }

  private finishStep(cluster: SimCluster, step: SimStep, state: StepState): void {
    if (step.state !== 'RUNNING') return;
    step.endedAt = this.deps.timeline.now().toISOString();
    this.setStepState(cluster, step, state);
    this.startSteps(cluster);
    if (this.book(cluster).busy || cluster.state !== 'RUNNING') return;
    if (cluster.keepAlive) this.setState(cluster, 'WAITING', 'Waiting for steps');
    else this.terminate(cluster, 'Steps completed');
  }

  private terminate(cluster: SimCluster, reason: string): void {
    if (['TERMINATING', 'TERMINATED', 'TERMINATED_WITH_ERRORS'].includes(cluster.state)) return;
    this.setState(cluster, 'TERMINATING', reason);
    for (const step of cluster.steps) {
      if (step.state === 'RUNNING') this.setStepState(cluster, step, 'INTERRUPTED');
      else if (step.state === 'PENDING') this.setStepState(cluster, step, 'CANCELLED');
    }
    this.armTerminated(cluster, reason);
  }

  private armTerminated(cluster: SimCluster, reason: string): void {
    this.deps.timeline.schedule(new Date(this.deps.timeline.now().getTime() + MINUTE), `emr ${cluster.id} terminated`, async () => {
      this.setState(cluster, 'TERMINATED', reason);
    });
  }

  private setKeepAlive(input: Record<string, unknown>): unknown {
    for (const id of (input.JobFlowIds as string[] | undefined) ?? []) {
      const cluster = this.cluster(id);
      cluster.keepAlive = Boolean(input.KeepJobFlowAliveWhenNoSteps);
      this.deps.onChange?.();
      if (!cluster.keepAlive && !this.book(cluster).busy && (cluster.state === 'WAITING' || cluster.state === 'RUNNING'))
        this.terminate(cluster, 'Steps completed');
    }
    return {};
  }

  private terminateJobFlows(input: Record<string, unknown>): unknown {
    for (const id of (input.JobFlowIds as string[] | undefined) ?? []) this.terminate(this.cluster(id), 'Terminated by user request');
    return {};
  }

  private describeCluster(input: Record<string, unknown>): unknown {
    const c = this.cluster(input.ClusterId);
    return {
      Cluster: {
        Id: c.id,
        Name: c.name,
        Status: { State: c.state, StateChangeReason: c.reason ? { Message: c.reason } : {} },
        MasterPublicDnsName: `ip-${c.masterIp.replaceAll('.', '-')}.ec2.internal`,
        StepConcurrencyLevel: c.stepConcurrency,
        Tags: c.tags,
      },
    };
  }

  private listClusters(input: Record<string, unknown>): unknown {
    const states = input.ClusterStates as string[] | undefined;
    const clusters = this.list().filter((c) => !states || states.includes(c.state));
    return { Clusters: clusters.map((c) => ({ Id: c.id, Name: c.name, Status: { State: c.state } })) };
  }

  private listInstances(input: Record<string, unknown>): unknown {
    const c = this.cluster(input.ClusterId);
    return {
      Instances: [
        { Id: `ci-${c.id.slice(2)}`, PrivateIpAddress: c.masterIp, PrivateDnsName: `ip-${c.masterIp.replaceAll('.', '-')}.ec2.internal` },
      ],
    };
  }

  /** DescribeStep as the Amazon EMR API Reference describes it: Step.Status.State, Timeline, FailureDetails. */
  private describeStep(input: Record<string, unknown>): unknown {
    const c = this.cluster(input.ClusterId);
    const step = c.steps.find((s) => s.id === input.StepId);
    if (!step) throw new ServiceError('InvalidRequestException', `Step id '${String(input.StepId)}' is not valid.`);
    const seconds = (iso: string | Date | undefined) => (iso === undefined ? undefined : new Date(iso).getTime() / 1000);
    return {
      Step: {
        Id: step.id,
        Name: step.name,
        Status: {
          State: step.state,
          ...(step.failure ? { FailureDetails: { Reason: 'Simulated', Message: step.failure } } : {}),
          Timeline: { StartDateTime: seconds(step.startedAt), EndDateTime: seconds(step.endedAt) },
        },
      },
    };
  }

  private listSteps(input: Record<string, unknown>): unknown {
    const c = this.cluster(input.ClusterId);
    const states = input.StepStates as string[] | undefined;
    const steps = [...c.steps].reverse().filter((s) => !states || states.includes(s.state));
    return { Steps: steps.map((s) => ({ Id: s.id, Name: s.name, Status: { State: s.state } })) };
  }
}

/**
 * Where a cluster's steps stand, kept up to date as they change: how many run,
 * how many wait, and from which step on one may still be PENDING (a step
 * leaves PENDING once and never returns; new steps are appended). A 10,000-job
 * day puts thousands of steps on one cluster, and each step's start and end
 * used to look through all of them: quadratic, a second of such a day.
 */
class StepBook {
  running = 0;
  private waiting = 0;
  private firstPending = 0;

  constructor(steps: readonly SimStep[]) {
    for (const step of steps) this.moved(undefined, step.state);
  }

  get busy(): boolean {
    return this.running > 0 || this.waiting > 0;
  }

  moved(from: StepState | undefined, to: StepState): void {
    if (from === 'RUNNING') this.running--;
    if (from === 'PENDING') this.waiting--;
    if (to === 'RUNNING') this.running++;
    if (to === 'PENDING') this.waiting++;
  }

  /** The PENDING steps in submission order, each looked at when reached (the caller starts them as it goes). */
  *pending(steps: readonly SimStep[]): Generator<SimStep> {
    while (this.firstPending < steps.length && steps[this.firstPending]?.state !== 'PENDING') this.firstPending++;
    for (let i = this.firstPending; i < steps.length; i++) {
      const step = steps[i] as SimStep;
      if (step.state === 'PENDING') yield step;
    }
  }
}
