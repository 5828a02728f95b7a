import type { RequestListener } from 'node:http';
import { EMRClient, RunJobFlowCommand } from '@aws-sdk/client-emr';
import type { Dag } from '../../lambdas/domain/config/dag';
import type { RunDate } from '../../lambdas/domain/run-date';
import type { EngineDeps } from '../../lambdas/engine/deps';
import { DataPipelineSimulator } from '../../lambdas/local/control-plane/datapipeline-simulator';
import { EmrSimulator, type SimCluster } from '../../lambdas/local/control-plane/emr-simulator';
import type { Operation } from '../../lambdas/local/control-plane/json-rpc-server';
import { startJsonRpcServer } from '../../lambdas/local/control-plane/json-rpc-server';
import { ServiceSimulators, SIMULATED_SERVICES } from '../../lambdas/local/control-plane/service-simulators';
import { SubmissionLog } from '../../lambdas/local/control-plane/submission-log';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lambdas/local/dynamodb-emulator';
import { InProcessRequestHandler } from '../../lambdas/local/in-process-transport';
import { NO_OVERRIDES } from '../../lambdas/local/job-behaviour';
import type { MarkerWriter } from '../../lambdas/local/marker-writer';
import { tagWithRun } from '../../lambdas/local/run-context';
import type { Timeline } from '../../lambdas/local/timeline';
import { silentLog } from '../../lambdas/ports/log';
import { awsEngineDeps } from '../../lambdas/runtime/engine-deps';
import { type FaultPlan, type HttpFaultInjector, injectHttpFaults } from './http-faults';

/** A clock the test sets; simulated jobs never run (nothing is scheduled), so no marker is written. */
export class StillTimeline implements Timeline {
  readonly errors: { label: string; error: unknown }[] = [];
  constructor(private at: Date) {}
  now(): Date {
    return new Date(this.at);
  }
  set(iso: string): void {
    this.at = new Date(iso);
  }
  async sleep(ms: number): Promise<void> {
    this.at = new Date(this.at.getTime() + ms);
  }
  schedule(): void {}
  spawn(): void {}
  random(): number {
    return 0.5;
  }
}

export interface ControlPlanes {
  /** The engine's dependencies exactly as the Lambdas build them (runtime/engine-deps), talking to the simulators. */
  readonly deps: EngineDeps;
  readonly emr: EmrSimulator;
  /** The simulated EMR Serverless, Glue, Step Functions and Lambda. */
  readonly services: ServiceSimulators;
  readonly submissions: SubmissionLog;
  readonly timeline: StillTimeline;
  /** The simulators' HTTP listener, for clients a test builds itself. */
  readonly listener: RequestListener;
  /** One injector per EMR / Data Pipeline client the wiring built (send-once and read clients). */
  readonly injectors: HttpFaultInjector[];
  /** Requests of one operation, over every client. */
  requests(operation: string): number;
  /** Replaces the fault plan of every client. */
  setPlan(plan: FaultPlan): void;
  /** A running cluster (RunJobFlow through the simulator, as the provisioner would). */
  cluster(): Promise<SimCluster>;
  stop(): Promise<void>;
}

/**
 * The simulated EMR and Data Pipeline control planes (the real AWS JSON
 * protocol, served in process) behind the production wiring, with HTTP fault
 * injection under the SDK's retry middleware on every EMR and Data Pipeline
 * client: "applied, then 5xx" really applies the call in the simulator.
 */
export async function startControlPlanes(dag: Dag, start = '2026-11-22T00:10:00.000Z'): Promise<ControlPlanes> {
  const timeline = new StillTimeline(new Date(start));
  const submissions = new SubmissionLog();
  const markers = { write: async () => '' } as unknown as MarkerWriter;
  const emr = new EmrSimulator({ dag, timeline, overrides: NO_OVERRIDES, markers, submissions, emit: () => {} });
  const pipelines = new DataPipelineSimulator({ dag, timeline, overrides: NO_OVERRIDES, markers, submissions });
  const services = new ServiceSimulators({ dag, timeline, overrides: NO_OVERRIDES, markers, submissions });
  const operations: Record<string, Operation> = { ...emr.operations(), ...pipelines.operations(), ...services.operations() };
  const server = await startJsonRpcServer(operations);
  const listener: RequestListener = server.listener;
  const injectors: HttpFaultInjector[] = [];
  let plan: FaultPlan = () => undefined;
  const deps = awsEngineDeps(
    dag,
    { runsTable: 'unused-runs', clustersTable: 'unused-clusters', alertTopicArn: 'arn:aws:sns:us-east-1:000000000000:unused' },
    silentLog,
    {
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      requestHandlers: {
        emr: new InProcessRequestHandler(listener),
        datapipeline: new InProcessRequestHandler(listener),
        ...Object.fromEntries(SIMULATED_SERVICES.map((service) => [service, new InProcessRequestHandler(listener)])),
      },
      onDataPipelineCommand: tagWithRun,
      onLambdaCommand: tagWithRun,
      instrument: (client, service) => {
        if (service === 'emr' || service === 'datapipeline' || (SIMULATED_SERVICES as readonly string[]).includes(service))
          injectors.push(injectHttpFaults(client, (call) => plan(call)));
      },
    },
  );
  const control = new EMRClient({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: new InProcessRequestHandler(listener),
  });
  return {
    deps,
    emr,
    services,
    submissions,
    timeline,
    listener,
    injectors,
    requests: (operation) => injectors.reduce((n, i) => n + i.calls.filter((c) => c.operation === operation).length, 0),
    setPlan: (next) => {
      plan = next;
    },
    cluster: async () => {
      const out = await control.send(new RunJobFlowCommand({ Name: 'rsched-nightly-etl', Instances: {} }));
      return emr.list().find((c) => c.id === out.JobFlowId) as SimCluster;
    },
    stop: () => server.stop(),
  };
}

export const DATE = '2026-11-22' as RunDate;
