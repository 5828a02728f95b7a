import { describe, expect, it } from 'vitest';
import { loadDag } from '../../../lambdas/domain/config/validate';
import type { RunDate } from '../../../lambdas/domain/run-date';
import { renderServiceTarget } from '../../../lambdas/engine/render-service-target';
import { configFile, issuesOf } from '../../support/config-files';

/**
 * The four targets for accounts opened after AWS Data Pipeline closed to new
 * customers (docs/targets.md): their config shapes, where templates and
 * {{params.*}} may go (docs/params.md), and what they render to.
 */

const ROLE = 'arn:aws:iam::123456789012:role/etl-job-runner';
const jobs = (...list: Record<string, unknown>[]) => configFile('jobs.json', { jobs: list });
const job = (name: string, target: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ name, target, ...extra });
const serverless = (extra: Record<string, unknown> = {}) => ({
  type: 'emr-serverless',
  application: 'analytics',
  executionRole: ROLE,
  entryPoint: 's3://analytics-code/jobs/sessions.py',
  arguments: ['--date', '{{date}}'],
  ...extra,
});

describe('valid configs of each new target', () => {
  it('accepts every target with templates in its templated fields', () => {
    expect(
      issuesOf(
        jobs(
          job('a', serverless({ sparkSubmitParameters: '--conf spark.executor.cores=4' })),
          job('b', { type: 'glue', jobName: 'orders-to-parquet', arguments: { '--date': '{{date}}', '--table': 'orders_{{yyyymmdd}}' } }),
          job('c', {
            type: 'stepfunctions',
            stateMachine: 'arn:aws:states:us-east-1:123456789012:stateMachine:refresh-marts',
            input: { date: '{{date}}', tables: ['a_{{yyyymmdd}}', 3, true, null], nested: { job: '{{job}}' } },
          }),
          job('d', { type: 'lambda', function: 'notify-partners', payload: { day: '{{yyyymmdd}}' } }),
        ),
      ),
    ).toEqual([]);
  });
});

describe('identity fields take no templates (IAM is scoped to them at deploy time)', () => {
  it.each([
    ['application', { ...serverless(), application: 'app-{{yyyy}}' }, 'target.application: application may not use templates'],
    [
      'executionRole',
      { ...serverless(), executionRole: `${ROLE}{{params.r}}` },
      'target.executionRole: executionRole must be an IAM role ARN',
    ],
    ['jobName', { type: 'glue', jobName: 'load-{{params.t}}' }, 'target.jobName: jobName may not use templates'],
    ['stateMachine', { type: 'stepfunctions', stateMachine: '{{job}}' }, 'target.stateMachine: stateMachine may not use templates'],
    ['function', { type: 'lambda', function: 'fn-{{date}}' }, 'target.function: function may not use templates'],
  ])('%s', (_field, target, message) => {
    expect(issuesOf(jobs(job('j', target)))).toEqual([expect.stringContaining(`jobs.json: job "j": ${message}`)]);
  });
});

describe('{{params.*}} rules (docs/params.md)', () => {
  it('never chooses the entryPoint, even when declared', () => {
    const issues = issuesOf(
      jobs(job('j', serverless({ entryPoint: 's3://code/{{params.script}}.py' }), { params: { script: { enum: ['a', 'b'] } } })),
    );
    expect(issues).toEqual([
      'jobs.json: job "j": target.entryPoint: {{params.script}} may not choose the entryPoint: a marker could run any code',
    ]);
  });

  it('applies the argument rules to EMR Serverless arguments: a whole argument or an interpreter command needs a declared param', () => {
    const issues = issuesOf(
      jobs(
        job('whole', serverless({ arguments: ['--table', '{{params.table}}'] })),
        job('interp', serverless({ arguments: ['-e', 'select * from t where d={{params.d}}'] })),
        job('fine', serverless({ arguments: ['--table={{params.table}}'] })),
        job('declared', serverless({ arguments: ['{{params.table}}'] }), { params: { table: { pattern: '^[a-z_]{1,64}$' } } }),
      ),
    );
    expect(issues).toEqual([
      expect.stringContaining('job "whole": target.arguments[1]: {{params.table}} is a whole argument'),
      expect.stringContaining('job "interp": target.arguments[1]: {{params.d}} goes into a command that runs -c/-e/--execute/-f'),
    ]);
  });

  it('requires a declared param in sparkSubmitParameters and for a whole Glue argument value', () => {
    const issues = issuesOf(
      jobs(
        job('spark', serverless({ sparkSubmitParameters: '--conf spark.app.name={{params.name}}' })),
        job('glue', { type: 'glue', jobName: 'load', arguments: { '--table': '{{params.table}}', '--path': 's3://b/{{params.table}}/' } }),
      ),
    );
    expect(issues).toEqual([
      expect.stringContaining('job "spark": target.sparkSubmitParameters: {{params.name}} goes into spark-submit options'),
      expect.stringContaining('job "glue": target.arguments.--table: {{params.table}} is a whole argument value'),
    ]);
  });

  it('allows params inside state machine input and Lambda payload strings (checked against their rule at render)', () => {
    expect(
      issuesOf(
        jobs(
          job('s', { type: 'stepfunctions', stateMachine: 'refresh', input: { t: '{{params.table}}' } }),
          job('l', { type: 'lambda', function: 'notify', payload: { t: '{{params.table}}' } }),
        ),
      ),
    ).toEqual([]);
  });
});

describe('clear errors for bad shapes', () => {
  it('names unknown template variables inside JSON input with their path', () => {
    expect(issuesOf(jobs(job('s', { type: 'stepfunctions', stateMachine: 'refresh', input: { a: [{ b: '{{tomorrow}}' }] } })))).toEqual([
      expect.stringContaining('job "s": target.input.a[0].b: unknown template variable {{tomorrow}}'),
    ]);
  });

  it('refuses an entryPoint that is not s3://, a Glue argument without "--", the reserved --rsched-run, and unknown fields', () => {
    const issues = issuesOf(
      jobs(
        job('e', serverless({ entryPoint: 'https://example.com/x.py' })),
        job('g', { type: 'glue', jobName: 'load', arguments: { date: '{{date}}' } }),
        job('r', { type: 'glue', jobName: 'load', arguments: { '--rsched-run': 'x' } }),
        job('u', { type: 'lambda', function: 'notify', invocationType: 'RequestResponse' }),
      ),
    );
    expect(issues).toEqual([
      expect.stringContaining('job "e": target.entryPoint: entryPoint must be an s3:// URI'),
      expect.stringContaining('job "g": target.arguments.date: a Glue argument name must look like "--name"'),
      expect.stringContaining('job "r": target.arguments: --rsched-run is set by the scheduler'),
      expect.stringContaining('job "u"'),
    ]);
    expect(issues[3]).toContain('invocationType');
  });
});

describe('rendering', () => {
  const dag = loadDag([
    configFile('jobs.json', {
      jobs: [
        job('a', serverless({ sparkSubmitParameters: '--conf spark.app.name={{job}}' })),
        job('b', { type: 'glue', jobName: 'orders', arguments: { '--date': '{{date}}' } }),
        job('c', { type: 'stepfunctions', stateMachine: 'refresh', input: { day: '{{yyyymmdd}}', n: 3, list: ['{{dd}}'] } }),
        job('d', { type: 'lambda', function: 'notify' }),
      ],
    }),
  ]);
  const ctx = (name: string) => ({ job: name, date: '2026-11-22' as RunDate, attempt: 2, params: {} });
  const targetOf = (name: string) => dag.jobs.get(name)?.target as Parameters<typeof renderServiceTarget>[0];

  it('renders every templated field and copies the identity fields', () => {
    expect(renderServiceTarget(targetOf('a'), ctx('a'))).toEqual({
      type: 'emr-serverless',
      application: 'analytics',
      executionRole: ROLE,
      entryPoint: 's3://analytics-code/jobs/sessions.py',
      arguments: ['--date', '2026-11-22'],
      sparkSubmitParameters: '--conf spark.app.name=a',
    });
    expect(renderServiceTarget(targetOf('b'), ctx('b'))).toEqual({
      type: 'glue',
      jobName: 'orders',
      arguments: { '--date': '2026-11-22' },
    });
    expect(renderServiceTarget(targetOf('c'), ctx('c'))).toEqual({
      type: 'stepfunctions',
      stateMachine: 'refresh',
      input: '{"day":"20261122","n":3,"list":["22"]}',
    });
    expect(renderServiceTarget(targetOf('d'), ctx('d'))).toEqual({ type: 'lambda', function: 'notify', payload: '{}' });
  });

  it('needs no cluster: no pool, so these jobs never wait for one', () => {
    for (const name of ['a', 'b', 'c', 'd']) expect(dag.jobs.get(name)?.pool).toBeUndefined();
  });
});
