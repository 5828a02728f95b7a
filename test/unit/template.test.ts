import { describe, expect, it } from 'vitest';
import type { RunDate } from '../../lambdas/domain/run-date';
import {
  mergeUpstreamParams,
  render,
  type TemplateContext,
  TemplateError,
  variableProblem,
  variablesIn,
} from '../../lambdas/domain/template';

const ctx: TemplateContext = {
  job: 'sessions',
  date: '2026-03-07' as RunDate,
  attempt: 2,
  cluster: { id: 'j-2AXXXXXXGAPLF', name: 'nightly-etl', masterIp: '10.0.0.12' },
  params: { rows: '42', 'out.path': 's3://lake/x' },
};

describe('rendering', () => {
  it('fills every variable, with or without spaces inside the braces', () => {
    expect(render('{{date}} {{yyyymmdd}} {{yyyy}}/{{mm}}/{{dd}} {{job}} #{{attempt}}', ctx)).toBe(
      '2026-03-07 20260307 2026/03/07 sessions #2',
    );
    expect(render('{{cluster.masterIp}}:8889 {{cluster.id}} {{cluster.name}}', ctx)).toBe('10.0.0.12:8889 j-2AXXXXXXGAPLF nightly-etl');
    expect(render('{{ params.rows }} rows to {{params.out.path}}', ctx)).toBe('42 rows to s3://lake/x');
    expect(render('no variables', ctx)).toBe('no variables');
  });

  it('fails, never renders "", when an upstream did not provide a param', () => {
    expect(() => render('--rows {{params.count}}', ctx)).toThrow(TemplateError);
    expect(() => render('--rows {{params.count}}', ctx)).toThrow(
      '{{params.count}}: no upstream marker of sessions 2026-03-07 provided param "count"',
    );
  });

  it('fails when a cluster variable has no cluster, or no master IP yet', () => {
    expect(() => render('{{cluster.id}}', { ...ctx, cluster: undefined })).toThrow('{{cluster.id}} used but the run has no cluster');
    expect(() => render('{{cluster.masterIp}}', { ...ctx, cluster: { id: 'j-1', name: 'c' } })).toThrow(
      '{{cluster.masterIp}}: cluster j-1 has no master IP recorded yet',
    );
  });

  it('fails on an unknown variable instead of leaving it in place', () => {
    expect(() => render('{{yesterday}}', ctx)).toThrow('unknown template variable {{yesterday}}');
  });
});

describe('finding variables', () => {
  it('lists each variable, trimmed, and notices unclosed braces', () => {
    expect(variablesIn('a {{date}} b {{ params.x }}')).toEqual({ variables: ['date', 'params.x'], unclosed: false });
    expect(variablesIn('day={{date')).toEqual({ variables: [], unclosed: true });
    expect(variablesIn('{{date}} and {{')).toEqual({ variables: ['date'], unclosed: true });
    expect(variablesIn('{ single } braces }}')).toEqual({ variables: [], unclosed: false });
  });

  it('says why a variable cannot be used, or nothing when it can', () => {
    expect(variableProblem('date', { hasCluster: false })).toBeUndefined();
    expect(variableProblem('params.rows', { hasCluster: false })).toBeUndefined();
    expect(variableProblem('cluster.masterIp', { hasCluster: true })).toBeUndefined();
    expect(variableProblem('cluster.masterIp', { hasCluster: false })).toMatch(/needs a cluster/);
    expect(variableProblem('params.', { hasCluster: false })).toBe('{{params.}}: param key must match [A-Za-z0-9_.-]+');
    expect(variableProblem('Date', { hasCluster: true })).toMatch(/^unknown template variable \{\{Date\}\}; known: date, /);
  });
});

describe('upstream params', () => {
  it('merge in upstream name order, whichever marker arrived first', () => {
    expect(mergeUpstreamParams({ zeta: { k: 'z', only: 'z' }, alpha: { k: 'a', a: '1' } })).toEqual({ k: 'z', only: 'z', a: '1' });
    expect(mergeUpstreamParams({ alpha: { k: 'a' }, zeta: { k: 'z' } })).toEqual({ k: 'z' });
  });
});

describe('params lookups', () => {
  it('use own properties only: {{params.constructor}} is a missing param, not Object.prototype.constructor', () => {
    const params = { job: 'j', date: '2026-11-22' as never, attempt: 1, params: mergeUpstreamParams({ up: { table: 'x' } }) };
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(() => render(`{{params.${name}}}`, params)).toThrow(TemplateError);
    }
    expect(render('{{params.table}}', params)).toBe('x');
  });
});
