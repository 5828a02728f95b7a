import { EmrServerlessSimulator, type EmrServerlessSnapshot } from './emr-serverless-simulator';
import { GlueSimulator, type GlueSnapshot } from './glue-simulator';
import type { Operation } from './json-rpc-server';
import { LambdaSimulator, type LambdaSnapshot } from './lambda-simulator';
import type { SimulatedRunsDeps } from './simulated-runs';
import { StepFunctionsSimulator, type StepFunctionsSnapshot } from './stepfunctions-simulator';

/** What the serverless services' simulators keep in `.rsched/control-plane.json`. */
export interface ServiceSnapshots {
  readonly stepFunctions?: StepFunctionsSnapshot;
  readonly emrServerless?: EmrServerlessSnapshot;
  readonly glue?: GlueSnapshot;
  readonly lambda?: LambdaSnapshot;
}

/** The SDK services the simulators answer, beside EMR and Data Pipeline (one endpoint serves them all). */
export const SIMULATED_SERVICES = ['sfn', 'emrserverless', 'glue', 'lambda'] as const;

/**
 * The simulated control planes of the targets that need no cluster
 * (docs/targets.md), built together so that `rsched simulate`, `rsched dev`
 * and the tests serve the same set.
 */
export class ServiceSimulators {
  readonly stepFunctions: StepFunctionsSimulator;
  readonly emrServerless: EmrServerlessSimulator;
  readonly glue: GlueSimulator;
  readonly lambda: LambdaSimulator;

  constructor(deps: SimulatedRunsDeps) {
    this.lambda = new LambdaSimulator(deps);
    this.glue = new GlueSimulator(deps);
    this.stepFunctions = new StepFunctionsSimulator(deps);
    this.emrServerless = new EmrServerlessSimulator(deps);
  }

  operations(): Record<string, Operation> {
    return {
      ...this.stepFunctions.operations(),
      ...this.emrServerless.operations(),
      ...this.glue.operations(),
      ...this.lambda.operations(),
    };
  }

  snapshot(): ServiceSnapshots {
    return {
      stepFunctions: this.stepFunctions.snapshot(),
      emrServerless: this.emrServerless.snapshot(),
      glue: this.glue.snapshot(),
      lambda: this.lambda.snapshot(),
    };
  }

  restore(snapshot: ServiceSnapshots | undefined): void {
    this.stepFunctions.restore(snapshot?.stepFunctions);
    this.emrServerless.restore(snapshot?.emrServerless);
    this.glue.restore(snapshot?.glue);
    this.lambda.restore(snapshot?.lambda);
  }
}
