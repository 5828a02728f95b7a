import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completionMarker } from '../../../lambdas/domain/completion/completion-marker';
import { parseServiceEvent, type ServiceStateChange } from '../../../lambdas/domain/completion/service-events';
import { COMPLETION_SERVICES, outcomeOf, TERMINAL_STATES } from '../../../lambdas/domain/completion/terminal-states';
import { parseMarkerBody, parseMarkerKey } from '../../../lambdas/domain/markers';
import type { RunDate } from '../../../lambdas/domain/run-date';

/** AWS's documented example events (sources in test/fixtures/service-events/README.md). */
function fixture(name: string): Record<string, unknown> & { detail: Record<string, unknown> } {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'service-events', `${name}.json`), 'utf8'));
}

function withState(name: string, field: 'state' | 'status', value: string) {
  const event = fixture(name);
  return { ...event, detail: { ...event.detail, [field]: value } };
}

function parsed(event: unknown): ServiceStateChange {
  const out = parseServiceEvent(event);
  if (out.kind !== 'state-change') throw new Error(`not parsed: ${out.why}`);
  return out;
}

describe("AWS's documented state-change events", () => {
  it('EMR Step Status Change (FAILED): the step id, name, cluster and message', () => {
    expect(parsed(fixture('emr-step-failed'))).toEqual({
      kind: 'state-change',
      service: 'emr-step',
      submissionId: 's-ZYXWVUTSRQPON',
      state: 'FAILED',
      outcome: 'failed',
      at: '2016-12-16T20:53:09Z',
      name: 'CustomJAR',
      clusterId: 'j-123456789ABCD',
      error: 'Step s-ZYXWVUTSRQPON (CustomJAR) in Amazon EMR cluster j-123456789ABCD (Development Cluster) failed at 2016-12-16 20:53 UTC.',
    });
  });

  it('EMR Serverless Job Run State Change: RUNNING is not terminal; SUCCESS is, with its duration', () => {
    const running = parsed(fixture('emr-serverless-running'));
    expect(running).toMatchObject({ service: 'emr-serverless', submissionId: '00f1cbn5g4bb0c01', state: 'RUNNING' });
    expect(running.outcome).toBeUndefined();
    const success = parsed(withState('emr-serverless-running', 'state', 'SUCCESS'));
    expect(success).toMatchObject({ outcome: 'done', durationSeconds: 17 });
  });

  it('Glue Job State Change: SUCCEEDED is done; FAILED carries the message as its error', () => {
    expect(parsed(fixture('glue-succeeded'))).toMatchObject({
      service: 'glue',
      submissionId: 'jr_abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789',
      state: 'SUCCEEDED',
      outcome: 'done',
      name: 'MyJob',
    });
    const failed = parsed(fixture('glue-failed'));
    expect(failed.outcome).toBe('failed');
    expect(failed.error).toMatch(/should be given assume role permissions/);
  });

  it('Step Functions Execution Status Change: the execution ARN, duration, and error: cause on failure', () => {
    expect(parsed(fixture('stepfunctions-succeeded'))).toMatchObject({
      service: 'stepfunctions',
      submissionId: 'arn:aws:states:us-east-1:123456789012:execution:state-machine-name:execution-name',
      state: 'SUCCEEDED',
      outcome: 'done',
      durationSeconds: 0,
    });
    expect(parsed(fixture('stepfunctions-failed'))).toMatchObject({
      outcome: 'failed',
      error: 'States.TaskFailed: the task failed',
      durationSeconds: 5,
    });
  });
});

describe('the state mapping (docs/completion.md)', () => {
  const cases: [string, 'state' | 'status', string, 'done' | 'failed' | undefined][] = [
    ['emr-step-failed', 'state', 'COMPLETED', 'done'],
    ['emr-step-failed', 'state', 'CANCELLED', 'failed'],
    ['emr-step-failed', 'state', 'INTERRUPTED', 'failed'],
    ['emr-step-failed', 'state', 'RUNNING', undefined],
    ['emr-step-failed', 'state', 'PENDING', undefined],
    ['emr-serverless-running', 'state', 'FAILED', 'failed'],
    ['emr-serverless-running', 'state', 'CANCELLED', 'failed'],
    ['emr-serverless-running', 'state', 'CANCELLING', undefined],
    ['glue-succeeded', 'state', 'TIMEOUT', 'failed'],
    ['glue-succeeded', 'state', 'STOPPED', 'failed'],
    ['glue-succeeded', 'state', 'ERROR', 'failed'],
    ['glue-succeeded', 'state', 'RUNNING', undefined],
    ['stepfunctions-succeeded', 'status', 'TIMED_OUT', 'failed'],
    ['stepfunctions-succeeded', 'status', 'ABORTED', 'failed'],
    ['stepfunctions-succeeded', 'status', 'RUNNING', undefined],
    ['stepfunctions-succeeded', 'status', 'PENDING_REDRIVE', undefined],
  ];
  it.each(cases)('%s with %s %s → %s', (name, field, value, outcome) => {
    expect(parsed(withState(name, field, value)).outcome).toBe(outcome);
  });

  it('every service has done and failed states, and an unknown state ends nothing', () => {
    for (const service of COMPLETION_SERVICES) {
      expect(Object.values(TERMINAL_STATES[service])).toContain('done');
      expect(Object.values(TERMINAL_STATES[service])).toContain('failed');
      expect(outcomeOf(service, 'SOMETHING_NEW')).toBeUndefined();
      expect(outcomeOf(service, 'constructor')).toBeUndefined();
    }
  });
});

describe('events that are not completion events', () => {
  it.each([
    ['another detail type', { ...fixture('glue-succeeded'), 'detail-type': 'Glue Crawler State Change' }, /not a completion event/],
    ['another source', { ...fixture('glue-succeeded'), source: 'aws.emr' }, /not a completion event/],
    ['no run id', { ...fixture('glue-succeeded'), detail: { state: 'SUCCEEDED' } }, /detail.jobRunId/],
    ['no time', { ...fixture('emr-step-failed'), time: 'yesterday' }, /"time"/],
    ['nothing at all', undefined, /not a completion event/],
  ])('%s: unrecognised, with the reason', (_what, event, why) => {
    const out = parseServiceEvent(event);
    expect(out.kind).toBe('unrecognised');
    expect(out.kind === 'unrecognised' && out.why).toMatch(why);
  });
});

describe('the marker the scheduler writes', () => {
  const job = { name: 'sessions', markers: { prefix: 'teamA/' } };
  const run = { date: '2026-11-22' as RunDate, attempt: 2, submittedAt: '2026-11-22T01:00:00.000Z' };

  it("is the job's own key (under its prefix) with the attempt, and a body the marker parser accepts", () => {
    const failed = parsed(fixture('glue-failed'));
    const m = completionMarker(job, run, { ...failed, at: '2026-11-22T01:30:00.000Z', outcome: 'failed' }, 'event');
    expect(m.key).toBe('teamA/sessions__20261122.failed');
    const key = parseMarkerKey(m.key, (n) => n === 'sessions');
    expect(key).toMatchObject({ job: 'sessions', date: '2026-11-22', status: 'failed', prefix: 'teamA/' });
    const body = parseMarkerBody(m.body);
    if (typeof body === 'string') throw new Error(body);
    expect(body.attempt).toBe(2);
    expect(body.meta).toMatchObject({
      completion: 'event',
      service: 'glue',
      runId: failed.submissionId,
      state: 'FAILED',
      durationSeconds: 1800,
    });
    expect(String(body.meta?.error)).toMatch(/assume role permissions/);
  });

  it("a done marker has no error; the service's own duration wins over the measured one", () => {
    const done = parsed(fixture('stepfunctions-succeeded'));
    const m = completionMarker(job, run, { ...done, outcome: 'done' }, 'poll');
    const body = JSON.parse(m.body);
    expect(m.key).toBe('teamA/sessions__20261122.done');
    expect(body.meta).toMatchObject({ completion: 'poll', durationSeconds: 0 });
    expect(body.meta.error).toBeUndefined();
  });
});
