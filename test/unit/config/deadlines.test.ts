import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../lambdas/domain/config/validate';
import { expectedByInstant } from '../../../lambdas/domain/late';
import type { RunDate } from '../../../lambdas/domain/run-date';
import { configFile, issuesOf, isWritersAdvisory, pipelineJob } from '../../support/config-files';

/** expectedBy must fall after the job's start; schedule times inside a DST gap warn (docs/scheduling.md). */
describe('expectedBy', () => {
  it('accepts a next-day deadline "+1d HH:MM" and places it on the day after the run date', () => {
    const result = validateConfig([
      configFile('jobs.json', { jobs: [pipelineJob('nightly', { schedule: '0 23 * * *', expectedBy: '+1d 06:00' })] }),
    ]);
    expect(result.issues.filter((i) => !isWritersAdvisory(i))).toEqual([]);
    const job = result.dag?.jobs.get('nightly');
    expect(job && expectedByInstant(job, '2026-11-22' as RunDate)?.toISOString()).toBe('2026-11-23T06:00:00.000Z');
  });

  it('is an error when it is not after the schedule that starts the run (LATE would fire before the run begins)', () => {
    expect(issuesOf(configFile('jobs.json', { jobs: [pipelineJob('nightly', { schedule: '0 23 * * *', expectedBy: '01:00' })] }))).toEqual([
      'jobs.json: job "nightly": expectedBy: "01:00" is not after the job\'s start (schedule "0 23 * * *" starts the run of a day at 23:00 UTC): LATE would fire before the run begins; for a deadline the next day write "+1d 01:00"',
    ]);
    // Evaluated in the job's zone: 05:00 Berlin is before a 06:00 Berlin start.
    expect(
      issuesOf(
        configFile('jobs.json', {
          jobs: [pipelineJob('r', { schedule: '0 6 * * *', timezone: 'Europe/Berlin', expectedBy: '05:00' })],
        }),
      ),
    ).toHaveLength(1);
  });

  it('uses the default schedule for roots without one, and skips dependents (no fixed start)', () => {
    const issues = issuesOf(
      configFile('jobs.json', {
        defaults: { schedule: '0 2 * * *' },
        jobs: [pipelineJob('root', { expectedBy: '01:30' }), pipelineJob('child', { dependsOn: ['root'], expectedBy: '00:30' })],
      }),
    );
    expect(issues).toEqual([expect.stringContaining('job "root": expectedBy: "01:30" is not after the job\'s start')]);
  });

  it('rejects other syntaxes with a message naming both forms', () => {
    const issues = issuesOf(configFile('jobs.json', { jobs: [pipelineJob('a', { expectedBy: '+1 06:00' })] }));
    expect(issues).toEqual([
      'jobs.json: job "a": expectedBy: must be "HH:MM" (on the run date) or "+Nd HH:MM" (N = 1 to 7 days after it), e.g. "06:00" or "+1d 06:00"',
    ]);
  });
});

describe('schedule times inside a daylight-saving gap', () => {
  it('warn (not an error) for a root at 02:30 Europe/Berlin, naming the day and what happens', () => {
    const result = validateConfig([
      configFile('jobs.json', { jobs: [pipelineJob('early', { schedule: '30 2 * * *', timezone: 'Europe/Berlin' })] }),
    ]);
    expect(result.dag).toBeDefined();
    const issues = result.issues.filter((i) => !isWritersAdvisory(i));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ severity: 'warning', entity: { kind: 'job', name: 'early' }, field: 'schedule' });
    expect(issues[0]?.message).toMatch(
      /fires at 02:30, which does not exist in Europe\/Berlin on \d{4}-03-\d\d .*EventBridge Scheduler skips/,
    );
  });

  it('do not warn for the same time in UTC, or for a time outside the gap', () => {
    expect(issuesOf(configFile('jobs.json', { jobs: [pipelineJob('a', { schedule: '30 2 * * *' })] }))).toEqual([]);
    expect(issuesOf(configFile('jobs.json', { jobs: [pipelineJob('a', { schedule: '30 3 * * *', timezone: 'Europe/Berlin' })] }))).toEqual(
      [],
    );
  });
});
