import { describe, expect, it } from 'vitest';
import type { RunDate } from '../../lambdas/domain/run-date';
import { buildShadowReport, compareShadowRun, type ShadowRunFacts } from '../../lambdas/domain/shadow-report';

const DATE = '2026-11-22' as RunDate;
const t = (hhmm: string) => `${DATE}T${hhmm}:00.000Z`;
const facts = (over: Partial<ShadowRunFacts>): ShadowRunFacts => ({ job: 'j', date: DATE, state: 'SUCCEEDED', waitingOn: [], ...over });
const marker = (at: string, startedAt?: unknown) => ({ key: 'j__20261122.done', at, ...(startedAt !== undefined ? { startedAt } : {}) });

describe('comparing one shadow run with the old scheduler', () => {
  it('agrees when our decision and meta.startedAt are within the tolerance, either way', () => {
    const late = compareShadowRun(facts({ decidedAt: t('01:04'), marker: marker(t('01:30'), t('01:00')) }), 5);
    expect(late).toMatchObject({ verdict: 'agree', deltaMinutes: 4, basis: 'meta.startedAt', oldStartedAt: t('01:00') });
    expect(compareShadowRun(facts({ decidedAt: t('00:55'), marker: marker(t('01:30'), t('01:00')) }), 5)?.verdict).toBe('agree');
  });

  it('says earlier or later by how much, from meta.startedAt', () => {
    expect(compareShadowRun(facts({ decidedAt: t('00:30'), marker: marker(t('02:00'), t('01:00')) }), 5)).toMatchObject({
      verdict: 'earlier',
      deltaMinutes: -30,
      detail: expect.stringContaining('30 min earlier'),
    });
    expect(compareShadowRun(facts({ decidedAt: t('01:20'), marker: marker(t('02:00'), t('01:00')) }), 5)).toMatchObject({
      verdict: 'later',
      deltaMinutes: 20,
      basis: 'meta.startedAt',
    });
  });

  it('without meta.startedAt: later only when our decision came after the old marker, else not comparable — never a guess', () => {
    expect(compareShadowRun(facts({ decidedAt: t('03:00'), marker: marker(t('02:00')) }), 5)).toMatchObject({
      verdict: 'later',
      deltaMinutes: 60,
      basis: 'marker',
      oldStartedAt: null,
      detail: expect.stringContaining('lower bound'),
    });
    expect(compareShadowRun(facts({ decidedAt: t('01:00'), marker: marker(t('02:00')) }), 5)).toMatchObject({
      verdict: 'not-comparable',
      deltaMinutes: null,
    });
    // A startedAt that is not a time is not used.
    expect(compareShadowRun(facts({ decidedAt: t('01:00'), marker: marker(t('02:00'), 'yesterday-ish') }), 5)?.verdict).toBe(
      'not-comparable',
    );
  });

  it('reports a decision with no marker, and a marker with no decision naming the upstreams we still waited for', () => {
    expect(compareShadowRun(facts({ state: 'SHADOW_SUBMITTED', decidedAt: t('01:00') }), 5)).toMatchObject({
      verdict: 'only-shadow',
      markerKey: null,
    });
    expect(compareShadowRun(facts({ waitingOn: ['b', 'c'], marker: marker(t('02:00'), t('01:00')) }), 5)).toMatchObject({
      verdict: 'only-old',
      decidedAt: null,
      detail: expect.stringContaining('missing: b, c'),
    });
    expect(compareShadowRun(facts({ state: 'TIMED_OUT', reason: 'waited 60 min for b', marker: marker(t('05:00')) }), 5)?.detail).toContain(
      'our run is TIMED_OUT — waited 60 min for b',
    );
  });

  it('leaves out runs neither side started', () => {
    expect(compareShadowRun(facts({ state: 'WAITING', waitingOn: ['b'] }), 5)).toBeUndefined();
  });
});

describe('the report', () => {
  it('sorts by date and job and counts every verdict, disagreements being earlier, later, only-shadow and only-old', () => {
    const other = '2026-11-23' as RunDate;
    const report = buildShadowReport(
      [
        facts({ job: 'z', decidedAt: t('01:00'), marker: marker(t('02:00'), t('01:00')) }),
        facts({ job: 'a', decidedAt: t('01:00') }),
        facts({ job: 'b', date: other, marker: marker(`${other}T01:00:00.000Z`) }),
        facts({ job: 'c', decidedAt: t('00:00'), marker: marker(t('02:00'), t('01:00')) }),
        facts({ job: 'd', decidedAt: t('00:00'), marker: marker(t('02:00')) }),
        facts({ job: 'e', state: 'WAITING' }),
      ],
      5,
    );
    expect(report.runs.map((r) => `${r.date} ${r.job} ${r.verdict}`)).toEqual([
      '2026-11-22 a only-shadow',
      '2026-11-22 c earlier',
      '2026-11-22 d not-comparable',
      '2026-11-22 z agree',
      '2026-11-23 b only-old',
    ]);
    expect(report.summary).toEqual({
      compared: 5,
      agree: 1,
      earlier: 1,
      later: 0,
      onlyShadow: 1,
      onlyOld: 1,
      notComparable: 1,
      disagreements: 3,
    });
  });
});
