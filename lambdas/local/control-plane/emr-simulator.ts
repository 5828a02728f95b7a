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
    },
  ) {}

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
    step.state = state;
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
        message: `Step ${step.id} (${step.name}) in cluster ${cluster.id} is ${state}`,
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
      masterIp: `10.0.${(n >> 8) & 255}.${(n & 255) + 10}`,
      stepConcurrency: Number(input.StepConcurrencyLevel ?? 1),
      provisionMinutes: config?.simulation.provisionMinutes ?? 8,
      state: 'NONE',
      keepAlive: (input.Instances as { KeepJobFlowAliveWhenNoSteps?: boolean } | undefined)?.KeepJobFlowAliveWhenNoSteps ?? false,
      steps: [],
      history: [],
    };
    this.clusters.set(id, cluster);
    const now = this.deps.timeline.now().getTime();
    this.setState(cluster, 'STARTING');
    this.deps.timeline.schedule(new Date(now + cluster.provisionMinutes * 0.75 * MINUTE), `emr ${id} bootstrapping`, async () => {
      if (cluster.state === 'STARTING') this.setState(cluster, 'BOOTSTRAPPING');
    });
    this.deps.timeline.schedule(new Date(now + cluster.provisionMinutes * MINUTE), `emr ${id} ready`, async () => {
      if (cluster.state !== 'STARTING' && cluster.state !== 'BOOTSTRAPPING') return;
      this.setState(cluster, 'WAITING', 'Cluster ready to run steps.');
      this.startSteps(cluster);
    });
    return { JobFlowId: id, ClusterArn: `arn:aws:elasticmapreduce:us-east-1:000000000000:cluster/${id}` };
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
      cluster.steps.push(step);
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
    return { StepIds: ids };
  }

  private startSteps(cluster: SimCluster): void {
    if (cluster.state !== 'WAITING' && cluster.state !== 'RUNNING') return;
    let running = cluster.steps.filter((s) => s.state === 'RUNNING').length;
    for (const step of cluster.steps) {
      if (running >= cluster.stepConcurrency) break;
      if (step.state !== 'PENDING') continue;
      running++;
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
    const at = new Date(this.deps.timeline.now().getTime() + outcome.durationMinutes * MINUTE);
    this.deps.timeline.schedule(at, `emr ${step.id} ${run.job}`, async () => {
      if (step.state !== 'RUNNING') return; // interrupted meanwhile
      if (outcome.result === 'failed') {
        await this.deps.markers.write(
          run.job,
          run.date as RunDate,
          'failed',
          JSON.stringify({ meta: { error: 'simulated failure (--fail)' } }),
        );
        this.finishStep(cluster, step, 'FAILED');
      } else {
        await this.deps.markers.write(run.job, run.date as RunDate, 'done');
        this.finishStep(cluster, step, 'COMPLETED');
      }
    });
  }

  private finishStep(cluster: SimCluster, step: SimStep, state: StepState): void {
    if (step.state !== 'RUNNING') return;
    this.setStepState(cluster, step, state);
    this.startSteps(cluster);
    const busy = cluster.steps.some((s) => s.state === 'RUNNING' || s.state === 'PENDING');
    if (busy || cluster.state !== 'RUNNING') return;
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
    this.deps.timeline.schedule(new Date(this.deps.timeline.now().getTime() + MINUTE), `emr ${cluster.id} terminated`, async () => {
      this.setState(cluster, 'TERMINATED', reason);
    });
  }

  private setKeepAlive(input: Record<string, unknown>): unknown {
    for (const id of (input.JobFlowIds as string[] | undefined) ?? []) {
      const cluster = this.cluster(id);
      cluster.keepAlive = Boolean(input.KeepJobFlowAliveWhenNoSteps);
      const busy = cluster.steps.some((s) => s.state === 'RUNNING' || s.state === 'PENDING');
      if (!cluster.keepAlive && !busy && (cluster.state === 'WAITING' || cluster.state === 'RUNNING'))
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

  private listSteps(input: Record<string, unknown>): unknown {
    const c = this.cluster(input.ClusterId);
    const states = input.StepStates as string[] | undefined;
    const steps = [...c.steps].reverse().filter((s) => !states || states.includes(s.state));
    return { Steps: steps.map((s) => ({ Id: s.id, Name: s.name, Status: { State: s.state } })) };
  }
}
