import { synthesize } from '../test/cdk/support';

/** What the stack bills by the month whatever it does: counted in the synthesized template, not estimated. */
export interface FixedResources {
  readonly kmsKeys: number;
  readonly alarms: number;
  readonly dashboards: number;
  readonly schedules: number;
}

/**
 * Synthesizes the example stack (dag-config/, the context of cdk.json) with
 * bundling skipped, as the CDK tests do, and counts its fixed-cost resources.
 */
export function exampleStackResources(): FixedResources {
  const { template } = synthesize();
  const count = (type: string) => Object.keys(template.findResources(type)).length;
  return {
    kmsKeys: count('AWS::KMS::Key'),
    alarms: count('AWS::CloudWatch::Alarm'),
    dashboards: count('AWS::CloudWatch::Dashboard'),
    schedules: count('AWS::Scheduler::Schedule'),
  };
}
