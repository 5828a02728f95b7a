import { describe, expect, it } from 'vitest';
import { cluster, dp, emr, external, SIM_DATE, simulateConfig, states, submissions } from '../support/simulation';

const at = (hhmm: string) => `${SIM_DATE}T${hhmm}:00.000Z`;
const DELIVERIES = [
  { name: 'exact delivery', duplicates: 1, shuffle: false, seed: 1 },
  { name: 'every event 3 times, reordered', duplicates: 3, shuffle: true, seed: 7 },
] as const;

describe.each(DELIVERIES)('rsched simulate with $name', (delivery) => {
  it('runs a diamond once per job and exits OK', async () => {
    const result = await simulateConfig({ jobs: [dp('a'), dp('b', ['a']), dp('c', ['a']), dp('d', ['b', 'c'])] }, delivery);
    expect(states(result)).toEqual({ a: 'SUCCEEDED', b: 'SUCCEEDED', c: 'SUCCEEDED', d: 'SUCCEEDED' });
    expect(submissions(result)).toEqual({ a: 1, b: 1, c: 1, d: 1 });
    expect(result.ok).toBe(true);
    expect(result.report.alerts).toEqual([]);
    // a 00:00-00:10, b and c 00:10-00:20, d 00:20-00:30.
    expect(result.report.jobs.d?.submittedAt).toBe(delivery.shuffle ? result.report.jobs.d?.submittedAt : at('00:20'));
    expect(result.report.criticalPathMinutes).toBe(30);
  });

  it('submits a wide fan-in once, after its last upstream', async () => {
    const ups = Array.from({ length: 12 }, (_, i) =>
      i % 3 === 0 ? external(`e${i}`, `00:${String(10 + i).padStart(2, '0')}`) : dp(`u${i}`),
    );
    const names = ups.map((u) => u.name as string);
    const result = await simulateConfig({ jobs: [...ups, dp('sink', names)] }, delivery);
    expect(result.report.jobs.sink).toMatchObject({ state: 'SUCCEEDED', submissions: 1, attempts: 1 });
    expect(Date.parse(result.report.jobs.sink?.submittedAt as string)).toBeGreaterThanOrEqual(Date.parse(at('00:19')));
    expect(result.ok).toBe(true);
  });

  it('waits for an external upstream, then times out the run and fails its chain when it is too late', async () => {
    const result = await simulateConfig(
      { jobs: [external('ext', '05:00'), dp('root'), dp('child', ['root', 'ext'], { timeoutMinutes: 60 }), dp('grandchild', ['child'])] },
      delivery,
    );
    expect(states(result)).toEqual({ ext: 'SUCCEEDED', root: 'SUCCEEDED', child: 'TIMED_OUT', grandchild: 'UPSTREAM_FAILED' });
    expect(submissions(result)).toEqual({ ext: 0, root: 1, child: 0, grandchild: 0 });
    expect(result.report.alerts.map((a) => `${a.kind} ${a.job}`)).toEqual(['TIMED_OUT child']);
    expect(result.report.jobs.child?.reason).toContain('ext');
    expect(result.ok).toBe(false);
  });

  it('retries a failing job as new attempts, then fails it and its downstream with one alert', async () => {
    const result = await simulateConfig(
      { jobs: [dp('flaky', [], { retries: 2, retryDelayMinutes: 5 }), dp('after', ['flaky'])] },
      { ...delivery, fail: ['flaky'] },
    );
    expect(result.report.jobs.flaky).toMatchObject({ state: 'FAILED', submissions: 3, attempts: 3 });
    expect(result.report.jobs.after).toMatchObject({ state: 'UPSTREAM_FAILED', submissions: 0 });
    expect(result.report.alerts.map((a) => `${a.kind} ${a.job}`)).toEqual(['FAILED flaky']);
    expect(result.ok).toBe(false);
  });

  it('submits an EMR step once the cluster of its pool is up, on that cluster', async () => {
    const result = await simulateConfig(
      {
        clusters: [cluster('late', ['spark'], '0 2 * * *', '0 6 * * *')],
        jobs: [dp('extract'), emr('transform', 'spark', ['extract'], { timeoutMinutes: 240 })],
      },
      delivery,
    );
    const transform = result.report.jobs.transform;
    expect(transform).toMatchObject({ state: 'SUCCEEDED', submissions: 1, cluster: 'late' });
    const late = result.report.clusters.find((c) => c.name === 'late');
    // Provisioning takes 8 minutes; EventBridge adds a moment.
    expect(Date.parse(late?.readyAt as string) - Date.parse(at('02:08'))).toBeLessThan(60_000);
    expect(Date.parse(transform?.submittedAt as string)).toBeGreaterThanOrEqual(Date.parse(late?.readyAt as string));
    expect(late?.masterIp).toMatch(/^10\.0\.\d+\.\d+$/);
    expect(late?.terminatedAt).not.toBeNull();
  });
});

describe('rsched simulate: failures, hangs and timing', () => {
  it('times out a run whose pool has no live cluster in time, with an alert', async () => {
    const result = await simulateConfig({
      clusters: [cluster('morning', ['spark'], '0 5 * * *', '0 8 * * *')],
      jobs: [emr('early', 'spark', [], { timeoutMinutes: 60 }), dp('next', ['early'])],
    });
    expect(states(result)).toEqual({ early: 'TIMED_OUT', next: 'UPSTREAM_FAILED' });
    expect(result.report.jobs.early?.reason).toContain('no live cluster served pool spark');
    expect(result.report.alerts.map((a) => a.kind)).toEqual(['TIMED_OUT']);
  });

  it('times out a hanging job at maxRuntimeMinutes; without one it is left SUBMITTED and the exit is not OK', async () => {
    const bounded = await simulateConfig(
      { jobs: [dp('stuck', [], { maxRuntimeMinutes: 30 }), dp('after', ['stuck'])] },
      { hang: ['stuck'] },
    );
    expect(states(bounded)).toEqual({ stuck: 'TIMED_OUT', after: 'UPSTREAM_FAILED' });
    expect(bounded.report.jobs.stuck?.finishedAt).toBe(at('00:30'));
    const unbounded = await simulateConfig({ jobs: [dp('stuck'), dp('after', ['stuck'])] }, { hang: ['stuck'] });
    expect(states(unbounded)).toEqual({ stuck: 'SUBMITTED', after: 'PENDING' });
    expect(unbounded.ok).toBe(false);
  });

  it('a hanging external leaves its only child PENDING and times out a child that waits for others too', async () => {
    const result = await simulateConfig(
      { jobs: [external('ext'), dp('solo', ['ext']), dp('root'), dp('both', ['ext', 'root'], { timeoutMinutes: 30 })] },
      { hang: ['ext'] },
    );
    expect(states(result)).toEqual({ ext: 'PENDING', root: 'SUCCEEDED', solo: 'PENDING', both: 'TIMED_OUT' });
  });

  it('routes steps to the live cluster of the moment across back-to-back windows', async () => {
    const jobs = [emr('s1', 'p', [], { schedule: '50 0 * * *' }), emr('s2', 'p', ['s1']), emr('s3', 'p', ['s2'])];
    const result = await simulateConfig(
      { clusters: [cluster('first', ['p'], '0 0 * * *', '0 1 * * *'), cluster('second', ['p'], '0 1 * * *', '0 3 * * *')], jobs },
      {
        durations: { s1: 15, s2: 15, s3: 15 },
      },
    );
    for (const name of ['s1', 's2', 's3']) {
      const job = result.report.jobs[name];
      const window = result.report.clusters.find((c) => c.name === job?.cluster);
      expect(job?.state).toBe('SUCCEEDED');
      // Submitted while that cluster was ready and inside its window.
      expect(job?.submittedAt && window?.readyAt && job.submittedAt >= window.readyAt && job.submittedAt < window.windowEnd).toBe(true);
    }
    expect(result.report.jobs.s1?.cluster).toBe('first');
    expect(result.report.jobs.s2?.cluster).toBe('second');
  });

  it('reports makespan and critical path from the simulated durations', async () => {
    const result = await simulateConfig({ jobs: [dp('a'), dp('b', ['a']), dp('c', ['a']), dp('d', ['b', 'c'])] }, { durations: { c: 40 } });
    expect(result.report.criticalPathMinutes).toBe(60);
    expect(result.report.makespanMinutes).toBe(60);
  });
});
