import { describe, expect, it } from 'vitest';
import {
  alarmCount,
  costReport,
  DAYS_PER_MONTH,
  hoursPerDay,
  type PriceList,
  schedulerInvocations,
  US_EAST_1,
} from '../../bin/cli/cost/model';
import { loadDag } from '../../lambdas/domain/config/validate';

const cluster = (name: string, extra: object) => ({
  name,
  pools: [name],
  releaseLabel: 'emr-7.5.0',
  instances: { master: 'm5.xlarge', core: { type: 'm5.xlarge', count: 2 } },
  graceMinutes: 0,
  ...extra,
});
const dagOf = (clusters: object[]) =>
  loadDag([
    {
      path: 'c.json',
      text: JSON.stringify({
        clusters,
        jobs: [
          {
            name: 'j',
            schedule: '0 5 * * *',
            target: { type: 'emr-step', pool: (clusters[0] as { name: string }).name, step: { args: ['x'] } },
          },
        ],
      }),
    },
  ]);
const FROM = new Date('2026-12-07T00:00:00Z'); // a Monday

describe('rsched cost', () => {
  it('bills each window plus its grace period, averaged per day', () => {
    const dag = dagOf([cluster('nightly', { start: '0 1 * * *', stop: '0 4 * * *', graceMinutes: 30 })]);
    expect(hoursPerDay(dag.clusters.get('nightly') as never, FROM)).toBeCloseTo(3.5, 5);
  });

  it('averages a weekday window over the week, in its time zone', () => {
    const dag = dagOf([cluster('office', { start: '0 8 * * 1-5', stop: '0 18 * * 1-5', timezone: 'America/New_York' })]);
    expect(hoursPerDay(dag.clusters.get('office') as never, FROM)).toBeCloseTo((10 * 5) / 7, 5);
  });

  it('prices instance groups as count × (EC2 + EMR) per hour, per day and per 730-hour month', () => {
    const dag = dagOf([cluster('nightly', { start: '0 1 * * *', stop: '0 4 * * *' })]);
    const report = costReport(dag, US_EAST_1, FROM);
    const perHour = 3 * (0.192 + 0.048);
    expect(report.clusters[0]).toMatchObject({ name: 'nightly', hoursPerDay: 3, perDay: Math.round(perHour * 3 * 100) / 100 });
    expect(report.fleet.perMonth).toBeCloseTo(perHour * 3 * DAYS_PER_MONTH, 1);
    expect(report.asOf).toBe('2026-12-02');
    expect(report.sources).toContain('https://aws.amazon.com/emr/pricing/');
  });

  it('says which instance types it cannot price and counts spot at the on-demand price', () => {
    const prices: PriceList = { ...US_EAST_1, instances: { 'm5.xlarge': { ec2: 0.192, emr: 0.048 } } };
    const dag = dagOf([
      cluster('mixed', {
        start: '0 1 * * *',
        stop: '0 2 * * *',
        instances: { master: 'm5.xlarge', core: { type: 'x9.huge', count: 1 }, task: { type: 'm5.xlarge', count: 2, market: 'SPOT' } },
      }),
    ]);
    const report = costReport(dag, prices, FROM);
    expect(report.clusters[0]?.unpriced).toEqual(['x9.huge']);
    expect(report.notes.join('\n')).toMatch(/mixed: no list price for x9\.huge/);
    expect(report.notes.join('\n')).toMatch(/mixed: SPOT instances counted at the on-demand price/);
    expect(report.clusters[0]?.perDay).toBeCloseTo(3 * 0.24, 2);
  });

  it('puts the control plane next to the fleet: a few dollars a month, mostly KMS, alarms and the dashboard', () => {
    const dag = dagOf([cluster('nightly', { start: '0 1 * * *', stop: '0 4 * * *' })]);
    const report = costReport(dag, US_EAST_1, FROM);
    // Six functions (the EMR-step job completes by events: the completion function) × 2, three queues, two heartbeats, three Scheduler alarms.
    expect(alarmCount(dag, false)).toBe(20);
    expect(report.controlPlane.items).toMatchObject({ kms: 1, dashboard: 3, alarms: 2 });
    expect(report.controlPlane.perMonth).toBeLessThan(10);
  });

  it('counts EventBridge Scheduler: two minute schedules, each root and each window start and stop, inside the free tier', () => {
    const dag = dagOf([cluster('nightly', { start: '0 1 * * *', stop: '0 4 * * *' })]);
    // sweeper + reconcile every minute of a 730-hour month, one root, one window a day (start and stop).
    expect(schedulerInvocations(dag, FROM)).toBe(Math.round(2 * 60 * 730 + DAYS_PER_MONTH + 2 * DAYS_PER_MONTH));
    expect(costReport(dag, US_EAST_1, FROM).controlPlane.items.scheduler).toBe(0);
    const noFreeTier: PriceList = { ...US_EAST_1, controlPlane: { ...US_EAST_1.controlPlane, schedulerFreeInvocationsPerMonth: 0 } };
    expect(costReport(dag, noFreeTier, FROM).controlPlane.items.scheduler).toBeCloseTo(schedulerInvocations(dag, FROM) / 1e6, 2);
  });

  it('prices the same schedule on MWAA: mw1.small always on, Serverless per task-second with its one-minute minimum', () => {
    const dag = dagOf([cluster('nightly', { start: '0 1 * * *', stop: '0 4 * * *' })]);
    const { mwaa } = costReport(dag, US_EAST_1, FROM);
    expect(mwaa.smallPerMonth).toBeCloseTo(0.49 * 730, 2);
    expect(mwaa.tasksPerMonth).toBe(Math.round(DAYS_PER_MONTH));
    // One job of 5 simulated minutes a day: billed 60 s at least, 300 s when the task waits for the job.
    expect(mwaa.serverlessMinimumPerMonth).toBeCloseTo((0.104 / 60) * DAYS_PER_MONTH, 2);
    expect(mwaa.serverlessWholeRunPerMonth).toBeCloseTo(((0.104 * 5) / 60) * DAYS_PER_MONTH, 2);
    // The only unit price found is Tokyo's: the report says so instead of passing it off as us-east-1's.
    expect(mwaa.serverlessPriceRegion).toBe('ap-northeast-1');
    expect(mwaa.sources.join(' ')).toMatch(/classmethod.*2025-11-30/);
  });
});
