import {
  DescribeClusterCommand,
  type DescribeClusterCommandOutput,
  type EMRClient,
  type InstanceGroupConfig,
  ListInstancesCommand,
  paginateListClusters,
  paginateListSteps,
  RunJobFlowCommand,
  type RunJobFlowCommandInput,
  type RunJobFlowCommandOutput,
  SetKeepJobFlowAliveWhenNoStepsCommand,
  TerminateJobFlowsCommand,
} from '@aws-sdk/client-emr';
import type { Cluster } from '../../domain/config/dag';
import { EMR_MANAGED_POLICY_TAG, TAG_CLUSTER, TAG_STACK, TAG_WINDOW } from '../../domain/fleet/cluster-tags';
import { FAILED_STEP_STATES } from '../../domain/fleet/emr-states';
import { nodeRoleKey } from '../../domain/fleet/node-roles';
import type { ClusterWindow } from '../../domain/fleet/windows';
import { type ClusterDescription, type EmrControl, type FailedStep, LaunchRefusedError } from '../../ports/emr-control';

/** Stack-level inputs of RunJobFlow (from cdk.json context, passed as environment). */
export interface FleetSettings {
  /** Value of the `rsched:stack` tag; IAM conditions scope the functions to clusters carrying it. */
  readonly stackTag: string;
  readonly serviceRole: string;
  /**
   * EC2 instance profile of the cluster nodes: one for every cluster, or one
   * per set of pools a cluster serves, keyed by nodeRoleKey (docs/fleet.md, "Roles").
   */
  readonly jobFlowRole: string | Readonly<Record<string, string>>;
  readonly subnetId?: string;
  readonly logUri?: string;
  /** Name of an EMR security configuration (encryption, authentication). @default - none */
  readonly securityConfiguration?: string;
}

const LIVE_STATES = ['STARTING', 'BOOTSTRAPPING', 'RUNNING', 'WAITING'] as const;
/** EMR's limit for AutoTerminationPolicy.IdleTimeout. */
const MAX_IDLE_SECONDS = 7 * 86_400;

export function clusterRunName(cluster: Cluster, window: ClusterWindow): string {
  return `rsched-${cluster.name}-${window.start.toISOString().slice(0, 16).replace(/[-:]/g, '')}`;
}

/** The instance profile a cluster's nodes run with. */
export function jobFlowRoleOf(cluster: Cluster, settings: FleetSettings): string {
  if (typeof settings.jobFlowRole === 'string') return settings.jobFlowRole;
  const key = nodeRoleKey(cluster.pools);
  const profile = settings.jobFlowRole[key];
  if (!profile) {
    throw new Error(
      `no instance profile for pools "${key}" of cluster ${cluster.name}: the deployed stack predates this dag-config; deploy it (cdk deploy)`,
    );
  }
  return profile;
}

/** The RunJobFlow request for a window, built from the cluster's config. Exported for tests. */
export function runJobFlowInput(cluster: Cluster, window: ClusterWindow, settings: FleetSettings): RunJobFlowCommandInput {
  const groups: InstanceGroupConfig[] = [
    { Name: 'master', InstanceRole: 'MASTER', InstanceType: cluster.instances.master, InstanceCount: 1, Market: 'ON_DEMAND' },
  ];
  const { core, task } = cluster.instances;
  if (core && core.count > 0)
    groups.push({ Name: 'core', InstanceRole: 'CORE', InstanceType: core.type, InstanceCount: core.count, Market: 'ON_DEMAND' });
  if (task && task.count > 0) {
    groups.push({
      Name: 'task',
      InstanceRole: 'TASK',
      InstanceType: task.type,
      InstanceCount: task.count,
      Market: task.market ?? 'ON_DEMAND',
    });
  }
  const windowSeconds = Math.round((window.end.getTime() - window.start.getTime()) / 1000);
  return {
    Name: clusterRunName(cluster, window),
    ReleaseLabel: cluster.releaseLabel,
    Applications: cluster.applications.map((Name) => ({ Name })),
    Instances: {
      InstanceGroups: groups,
      KeepJobFlowAliveWhenNoSteps: true,
      TerminationProtected: false,
      ...(settings.subnetId ? { Ec2SubnetId: settings.subnetId } : {}),
    },
    StepConcurrencyLevel: cluster.stepConcurrency,
    ServiceRole: settings.serviceRole,
    JobFlowRole: jobFlowRoleOf(cluster, settings),
    VisibleToAllUsers: true,
    ...(settings.logUri ? { LogUri: settings.logUri } : {}),
    ...(settings.securityConfiguration ? { SecurityConfiguration: settings.securityConfiguration } : {}),
    ...(cluster.configurations ? { Configurations: cluster.configurations as RunJobFlowCommandInput['Configurations'] } : {}),
    // A safety net if the terminator never runs: an idle cluster ends a grace period after its window.
    AutoTerminationPolicy: { IdleTimeout: Math.min(MAX_IDLE_SECONDS, windowSeconds + cluster.graceMinutes * 60) },
    Tags: [
      { Key: TAG_STACK, Value: settings.stackTag },
      { Key: TAG_CLUSTER, Value: cluster.name },
      { Key: TAG_WINDOW, Value: window.start.toISOString() },
      ...Object.entries(cluster.tags ?? {})
        .filter(([Key]) => Key !== EMR_MANAGED_POLICY_TAG.key)
        .map(([Key, Value]) => ({ Key, Value })),
      { Key: EMR_MANAGED_POLICY_TAG.key, Value: EMR_MANAGED_POLICY_TAG.value },
    ],
  };
}

const THROTTLING = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded']);

/**
 * True when EMR answered RunJobFlow with a client error that is not
 * throttling (validation, permissions): the request was refused, no cluster
 * exists. A 5xx, throttling or a lost answer tells nothing.
 */
function isRefusal(err: unknown): boolean {
  const e = err as { name?: string; $fault?: string };
  return e?.$fault === 'client' && !THROTTLING.has(e.name ?? '');
}

/**
 * The SDK retries 5xx answers and timeouts by itself; for RunJobFlow (no
 * client token) a retry can create a second cluster. Replacing the retry
 * middleware for this one command sends it exactly once; the engine resumes
 * an unanswered launch itself, looking for the cluster by its tags first.
 */
function sendOnce(command: RunJobFlowCommand): RunJobFlowCommand {
  command.middlewareStack.add((next) => (args) => next(args), {
    name: 'retryMiddleware',
    step: 'finalizeRequest',
    priority: 'high',
    tags: ['RETRY'],
    override: true,
  });
  return command;
}

export class AwsEmrControl implements EmrControl {
  constructor(
    private readonly client: EMRClient,
    private readonly settings: FleetSettings,
  ) {}

  /** RunJobFlow, sent once; throws LaunchRefusedError when EMR refused it. */
  async launch(cluster: Cluster, window: ClusterWindow): Promise<string> {
    let out: RunJobFlowCommandOutput;
    try {
      out = await this.client.send(sendOnce(new RunJobFlowCommand(runJobFlowInput(cluster, window, this.settings))));
    } catch (err) {
      if (!isRefusal(err)) throw err;
      throw new LaunchRefusedError(`${(err as Error).name}: ${(err as Error).message}`, { cause: err });
    }
    if (!out.JobFlowId) throw new Error(`RunJobFlow for ${cluster.name} returned no JobFlowId`);
    return out.JobFlowId;
  }

  async findLaunched(cluster: Cluster, window: ClusterWindow): Promise<string | undefined> {
    const name = clusterRunName(cluster, window);
    for await (const page of paginateListClusters({ client: this.client }, { ClusterStates: [...LIVE_STATES] })) {
      for (const summary of page.Clusters ?? []) {
        if (summary.Name !== name || !summary.Id) continue;
        const described = await this.describeIfAllowed(summary.Id);
        const tags = new Map((described?.Cluster?.Tags ?? []).map((t) => [t.Key, t.Value]));
        if (tags.get(TAG_STACK) === this.settings.stackTag && tags.get(TAG_WINDOW) === window.start.toISOString()) return summary.Id;
      }
    }
    return undefined;
  }

  /**
   * DescribeCluster, or undefined when IAM refuses it: the fleet may describe
   * only clusters tagged with its stack, so a refused one (another stack
   * running the same config in this account) is not ours.
   */
  private async describeIfAllowed(clusterId: string): Promise<DescribeClusterCommandOutput | undefined> {
    try {
      return await this.client.send(new DescribeClusterCommand({ ClusterId: clusterId }));
    } catch (err) {
      if ((err as Error).name === 'AccessDeniedException') return undefined;
      throw err;
    }
  }

  async describe(clusterId: string): Promise<ClusterDescription> {
    const out = await this.client.send(new DescribeClusterCommand({ ClusterId: clusterId }));
    const status = out.Cluster?.Status;
    return {
      state: status?.State ?? 'UNKNOWN',
      reason: status?.StateChangeReason?.Message,
      masterDns: out.Cluster?.MasterPublicDnsName,
    };
  }

  async masterPrivateIp(clusterId: string): Promise<string | undefined> {
    const out = await this.client.send(new ListInstancesCommand({ ClusterId: clusterId, InstanceGroupTypes: ['MASTER'] }));
    return out.Instances?.[0]?.PrivateIpAddress;
  }

  async failedSteps(clusterId: string): Promise<FailedStep[]> {
    const failed: FailedStep[] = [];
    const states = [...FAILED_STEP_STATES];
    for await (const page of paginateListSteps({ client: this.client }, { ClusterId: clusterId, StepStates: states })) {
      for (const step of page.Steps ?? []) {
        const state = step.Status?.State;
        if (!step.Id || !state || !(states as string[]).includes(state)) continue;
        failed.push({
          stepId: step.Id,
          name: step.Name ?? '',
          state,
          reason: step.Status?.FailureDetails?.Message ?? step.Status?.StateChangeReason?.Message,
          endedAt: step.Status?.Timeline?.EndDateTime?.toISOString(),
        });
      }
    }
    return failed;
  }

  async stopWhenIdle(clusterId: string): Promise<void> {
    await this.client.send(new SetKeepJobFlowAliveWhenNoStepsCommand({ JobFlowIds: [clusterId], KeepJobFlowAliveWhenNoSteps: false }));
  }

  async terminate(clusterId: string): Promise<void> {
    await this.client.send(new TerminateJobFlowsCommand({ JobFlowIds: [clusterId] }));
  }
}
