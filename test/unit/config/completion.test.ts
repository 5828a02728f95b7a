import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../lambdas/domain/config/validate';
import { clusterSpec, configFile, emrJob, issuesOf, pipelineJob } from '../../support/config-files';

/** `completion` (docs/completion.md): who writes a job's marker. */
describe('completion', () => {
  const cluster = clusterSpec('c', ['etl']);

  it('defaults to "events" for emr-step and to "marker" for datapipeline and external jobs', () => {
    const { dag } = validateConfig([
      configFile('x.json', {
        clusters: [cluster],
        jobs: [emrJob('step', 'etl'), pipelineJob('pipe'), { name: 'ext', target: { type: 'external' } }],
      }),
    ]);
    expect(dag?.jobs.get('step')?.completion).toBe('events');
    expect(dag?.jobs.get('pipe')?.completion).toBe('marker');
    expect(dag?.jobs.get('ext')?.completion).toBe('marker');
  });

  it('takes "marker" on an emr-step job that writes its own marker', () => {
    const { dag } = validateConfig([
      configFile('x.json', { clusters: [cluster], jobs: [emrJob('step', 'etl', { completion: 'marker' })] }),
    ]);
    expect(dag?.jobs.get('step')?.completion).toBe('marker');
  });

  it('refuses "events" for targets that cannot announce their end, naming file, job and field', () => {
    const issues = issuesOf(
      configFile('x.json', {
        jobs: [pipelineJob('pipe', { completion: 'events' }), { name: 'ext', target: { type: 'external' }, completion: 'events' }],
      }),
    );
    expect(issues).toEqual([
      'x.json: job "pipe": completion: "events" needs a target whose end AWS announces (emr-step, emr-serverless, glue, stepfunctions); a job with target "datapipeline" writes its own marker: use "marker" or leave completion out',
      'x.json: job "ext": completion: "events" needs a target whose end AWS announces (emr-step, emr-serverless, glue, stepfunctions); a job with target "external" writes its own marker: use "marker" or leave completion out',
    ]);
  });

  it('refuses a value other than "events" or "marker"', () => {
    const issues = issuesOf(configFile('x.json', { clusters: [cluster], jobs: [emrJob('step', 'etl', { completion: 'poll' })] }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^x\.json: job "step": completion: .*"events".*"marker"/);
  });
});
