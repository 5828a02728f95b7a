import { describe, expect, it } from 'vitest';
import { cluster, dp, emr, external, SIM_DATE, simulateConfig, states, submissions } from '../support/simulation';

/**
 * `rsched simulate` with shadow jobs (docs/shadow.md#simulation): the
 * simulated old scheduler writes each shadow job's marker when the job would
 * have finished; the simulated control planes receive no call for them.
 */

const at = (hhmm: string) => `${SIM_DATE}T${hhmm}:00.000Z`;
const SHADOW = { mode: 'shadow' };

const CONFIG = {
  clusters: [cluster('etl', ['etl'], '0 0 * * *', '0 6 * * *')],
  jobs: [
    external('raw', '00:30'),
    dp('export', [], SHADOW),
    emr('clean', 'etl', ['raw', 'export'], SHADOW),
    dp('live_report', ['clean']),
    emr('model', 'etl', ['live_report'], SHADOW),
  ],
};

describe('rsched simulate with shadow jobs', () => {
  it.each([
    { name: 'exact delivery', duplicates: 1, shuffle: false, seed: 1 },
    { name: 'every event 3 times, reordered', duplicates: 3, shuffle: true, seed: 5 },
  ])('drives shadow runs by the old scheduler’s markers and calls no control plane for them ($name)', async (delivery) => {
    const result = await simulateConfig(CONFIG, delivery);
    expect(states(result)).toEqual({
      raw: 'SUCCEEDED',
      export: 'SUCCEEDED',
      clean: 'SUCCEEDED',
      live_report: 'SUCCEEDED',
      model: 'SUCCEEDED',
    });
    // The control planes' own call log: only the live job was submitted.
    expect(submissions(result)).toEqual({ raw: 0, export: 0, clean: 0, live_report: 1, model: 0 });
    expect(result.ok).toBe(true);
    expect(result.report.alerts).toEqual([]);
    const clean = result.report.jobs.clean;
    expect(clean?.mode).toBe('shadow');
    expect(clean?.submittedAt).toBeNull();
    expect(clean?.shadow?.request).toMatchObject({
      target: { type: 'emr-step', args: ['spark-submit', 'clean.py', SIM_DATE] },
      cluster: { name: 'etl' },
    });
    if (!delivery.shuffle) {
      // The decision when the last upstream marker arrived; the old system's marker 10 simulated minutes later.
      expect(clean?.shadow).toMatchObject({ decidedAt: at('00:30'), startedAt: at('00:30'), markerAt: at('00:40') });
      expect(result.report.jobs.export?.shadow).toMatchObject({ decidedAt: at('00:00'), markerAt: at('00:10') });
    }
    expect(result.report.jobs.live_report?.mode).toBeUndefined();
    expect(result.events.filter((e) => e.what === 'SHADOW_SUBMITTED').map((e) => e.subject)).toEqual(['export', 'clean', 'model']);
  });

  it('fails a shadow chain on the old scheduler’s .failed marker, records the alert as shadow and sends none', async () => {
    const result = await simulateConfig(CONFIG, { fail: ['clean'] });
    expect(states(result)).toMatchObject({ clean: 'FAILED', live_report: 'UPSTREAM_FAILED', model: 'UPSTREAM_FAILED' });
    expect(result.ok).toBe(false);
    expect(result.report.alerts.map((a) => [a.kind, a.job, a.shadow])).toEqual([['FAILED', 'clean', true]]);
    expect(result.events.some((e) => e.what.startsWith('ALERT'))).toBe(false);
    // defaults.retries is 0 here; nothing was submitted for the shadow job on any attempt.
    expect(submissions(result).clean).toBe(0);
  });

  it('leaves a shadow run whose old job hangs in SHADOW_SUBMITTED, with no timeout and no alert', async () => {
    const result = await simulateConfig(
      { ...CONFIG, jobs: CONFIG.jobs.map((j) => (j.name === 'export' ? { ...j, maxRuntimeMinutes: 20 } : j)) },
      { hang: ['export'] },
    );
    expect(states(result)).toMatchObject({ export: 'SHADOW_SUBMITTED', clean: 'TIMED_OUT' });
    expect(result.report.jobs.export?.shadow?.markerAt).toBeNull();
    // clean's wait for its upstreams timed out as it would live: recorded as a shadow alert, not sent.
    expect(result.report.alerts.every((a) => a.shadow === true)).toBe(true);
    expect(result.events.some((e) => e.what.startsWith('ALERT'))).toBe(false);
    expect(result.ok).toBe(false);
  });
});
