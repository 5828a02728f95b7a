import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alarmCount } from '../../bin/cli/cost/model';
import { loadDagConfig } from '../../lib/dag-config';
import { ROOT, synthesize } from './support';

describe('rsched cost counts what the stack creates', () => {
  it('prices as many alarms, dashboards and KMS keys as the example stack has', () => {
    const { template } = synthesize();
    const count = (type: string) => Object.keys(template.findResources(type)).length;
    expect(count('AWS::CloudWatch::Alarm')).toBe(alarmCount(loadDagConfig(join(ROOT, 'dag-config')).dag, false));
    // The model prices one key and one dashboard (bin/cli/cost/model.ts, controlPlane).
    expect(count('AWS::KMS::Key')).toBe(1);
    expect(count('AWS::CloudWatch::Dashboard')).toBe(1);
  });
});
