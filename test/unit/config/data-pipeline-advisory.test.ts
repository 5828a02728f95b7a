import { describe, expect, it } from 'vitest';
import { dataPipelineAdvisory } from '../../../lambdas/domain/config/checks/data-pipeline';
import { loadDag } from '../../../lambdas/domain/config/validate';

const job = (name: string, target: object, extra: object = {}) => ({ name, target, ...extra });
const dagOf = (jobs: object[]) => loadDag([{ path: 'jobs.json', text: JSON.stringify({ jobs }) }]);

describe('the Data Pipeline advisory', () => {
  it('warns once, naming every job that uses Data Pipeline (closed to new customers since 2024-07-25)', () => {
    const dag = dagOf([
      job('export', { type: 'datapipeline', pipeline: 'export' }, { schedule: '0 3 * * *' }),
      job('report', { type: 'datapipeline', pipeline: 'report' }, { dependsOn: ['export'] }),
    ]);
    const issues = dataPipelineAdvisory(dag);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ severity: 'warning', file: 'jobs.json', entity: { kind: 'job', name: 'export' } });
    expect(issues[0]?.message).toContain('closed to new customers');
    expect(issues[0]?.message).toContain('2 jobs use it (export, report)');
  });

  it('says nothing when no job uses it', () => {
    expect(dataPipelineAdvisory(dagOf([job('ext', { type: 'external' })]))).toEqual([]);
  });
});
