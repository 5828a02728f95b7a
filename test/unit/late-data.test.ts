import { describe, expect, it } from 'vitest';
import { isRedelivery, type LateDependent, planLateData, SAME_COMPLETION_MINUTES, sameCompletion } from '../../lambdas/domain/late-data';
import { normaliseSequencer } from '../../lambdas/domain/markers';
import { RunState } from '../../lambdas/domain/runs/states';

const seq = (s: string) => normaliseSequencer(s);
const succeeded = { state: RunState.SUCCEEDED, attempt: 2, lastDoneSeq: seq('0055A1B2C3D4E5F600'), finishedAt: '2026-11-22T04:00:00.000Z' };
/** Written at 09:00, hours after the run's success. */
const at9 = (sequencer?: string, attempt?: number) => ({
  ...(sequencer ? { sequencer: seq(sequencer) } : {}),
  eventTime: '2026-11-22T09:00:00.000Z',
  ...(attempt ? { attempt } : {}),
});

describe('isRedelivery: only a newer write of the same .done key of a SUCCEEDED run', () => {
  it('a newer sequencer is a re-delivery; the same one (a duplicate) or an older one is not', () => {
    expect(isRedelivery(succeeded, at9('0055A1B2C3D4E5F601'))).toBe(true);
    expect(isRedelivery(succeeded, at9('0055A1B2C3D4E5F600'))).toBe(false);
    expect(isRedelivery(succeeded, at9('0055A1B2C3D4E5F5FF'))).toBe(false);
  });

  it('compares right-padded sequencers (AWS Knowledge Center, "duplicate messages for the same Amazon S3 event")', () => {
    // The run recorded a 16-digit sequencer; the same write may come with trailing zeros: a duplicate, not newer.
    const short = { ...succeeded, lastDoneSeq: seq('0055A1B2C3D4E5F6') };
    expect(isRedelivery(short, at9('0055A1B2C3D4E5F600'))).toBe(false);
    expect(isRedelivery(short, at9('0055A1B2C3D4E5F601'))).toBe(true);
  });

  it('not for a run that has not SUCCEEDED, nor without sequencers, nor for a marker of another attempt', () => {
    const newer = at9('0055A1B2C3D4E5F700');
    expect(isRedelivery({ ...succeeded, state: RunState.FAILED }, newer)).toBe(false);
    expect(isRedelivery({ ...succeeded, state: RunState.SUBMITTED }, newer)).toBe(false);
    expect(isRedelivery({ ...succeeded, lastDoneSeq: undefined }, newer)).toBe(false);
    expect(isRedelivery(succeeded, at9())).toBe(false);
    expect(isRedelivery(succeeded, at9('0055A1B2C3D4E5F700', 1))).toBe(false);
    expect(isRedelivery(succeeded, at9('0055A1B2C3D4E5F700', 2))).toBe(true);
  });

  it(`a repeat of the completion within ${SAME_COMPLETION_MINUTES} minutes (same params and meta) is not late data; later it is`, () => {
    const newer = (eventTime: string) => isRedelivery(succeeded, { sequencer: seq('0055A1B2C3D4E5F700'), eventTime });
    expect(newer('2026-11-22T04:00:00.200Z')).toBe(false);
    expect(newer('2026-11-22T04:15:00.000Z')).toBe(false);
    expect(newer('2026-11-22T04:15:00.001Z')).toBe(true);
  });

  it('a marker with other params or meta is new data however soon it comes', () => {
    const soon = { sequencer: seq('0055A1B2C3D4E5F700'), eventTime: '2026-11-22T04:01:00.000Z' };
    expect(isRedelivery(succeeded, { ...soon, params: { rows: '2' } })).toBe(true);
    expect(isRedelivery(succeeded, { ...soon, meta: { fix: 'partition 7' } })).toBe(true);
    expect(isRedelivery({ ...succeeded, params: { rows: '2' } }, { ...soon, params: { rows: '2' } })).toBe(false);
  });

  it('the window runs from the last .done the run accepted, so a retried write of a re-delivery is not a second one', () => {
    const redelivered = { ...succeeded, lastDoneSeq: seq('0055A1B2C3D4E5F700'), lastDoneAt: '2026-11-22T09:00:00.000Z' };
    const retried = { sequencer: seq('0055A1B2C3D4E5F701'), eventTime: '2026-11-22T09:00:03.000Z' };
    expect(isRedelivery(redelivered, retried)).toBe(false);
    expect(isRedelivery(succeeded, retried)).toBe(true);
  });
});

describe("sameCompletion: the scheduler's completion markers are recognised by identity, not by clock (docs/completion.md)", () => {
  const byService = {
    ...succeeded,
    submissionId: 'jr-0001',
    meta: { completion: 'event', service: 'emr-serverless', runId: 'jr-0001', state: 'SUCCESS' },
  };
  const days = '2026-11-25T04:00:00.000Z';

  it('a second completion marker for the same attempt and submission is the same completion, days later too', () => {
    const poll = {
      eventTime: days,
      attempt: 2,
      meta: { completion: 'poll', service: 'emr-serverless', runId: 'jr-0001', state: 'SUCCESS' },
    };
    expect(sameCompletion(byService, poll)).toBe('same-submission');
    expect(isRedelivery(byService, { ...poll, sequencer: seq('0055A1B2C3D4E5F700') })).toBe(false);
    // The run ended by the job's own marker; the service's marker for its submission came second.
    const byJob = { ...succeeded, submissionId: 'jr-0001', params: { rows: '1' } };
    expect(sameCompletion(byJob, poll)).toBe('same-submission');
  });

  it('another submission or another attempt is not the same completion', () => {
    const other = { eventTime: days, attempt: 2, meta: { completion: 'event', runId: 'jr-0002' } };
    expect(sameCompletion(byService, other)).toBeUndefined();
    expect(sameCompletion(byService, { ...other, meta: { runId: 'jr-0001' }, attempt: undefined })).toBeUndefined();
    expect(sameCompletion({ ...byService, submissionId: undefined }, { ...other, meta: { runId: 'jr-0001' } })).toBeUndefined();
  });

  it(`the job's own marker beside the service's: same completion within ${SAME_COMPLETION_MINUTES} minutes only`, () => {
    const own = (eventTime: string) => sameCompletion(byService, { eventTime, params: { rows: '9' } });
    expect(own('2026-11-22T04:10:00.000Z')).toBe('job-beside-service');
    expect(own('2026-11-22T04:20:00.000Z')).toBeUndefined();
  });
});

describe('planLateData: what each downstream job does, by its own onLateUpstream', () => {
  /** When the re-delivery was recorded. */
  const SINCE = '2026-11-22T09:00:00.000Z';

  const dep = (
    job: string,
    onLateUpstream: LateDependent['onLateUpstream'],
    state?: RunState,
    downstream: string[] = [],
    startedAt = '2026-11-22T01:00:00.000Z',
  ): LateDependent => ({
    job,
    onLateUpstream,
    run: state ? { state, attempt: 1, attemptStartedAt: startedAt } : undefined,
    downstream,
  });

  it('runs that started or ended get their setting; waiting runs and runs not there yet get nothing', () => {
    expect(
      planLateData(
        [
          dep('a', 'alert', RunState.SUCCEEDED),
          dep('b', 'rerun', RunState.FAILED),
          dep('c', 'ignore', RunState.SUCCEEDED),
          dep('d', 'alert', RunState.SUBMITTED),
          dep('e', 'rerun', RunState.WAITING),
          dep('f', 'alert', RunState.WAITING_FOR_CLUSTER),
          dep('g', 'alert'),
        ],
        SINCE,
      ).map((a) => `${a.job}:${a.action}:${a.state}`),
    ).toEqual(['a:alert:SUCCEEDED', 'b:rerun:FAILED', 'd:alert:SUBMITTED']);
  });

  it('a job in the chain of another job being re-run is re-run by that chain, whatever its own setting', () => {
    const actions = planLateData(
      [
        dep('mid', 'rerun', RunState.SUCCEEDED, ['fanin', 'tail']),
        dep('fanin', 'alert', RunState.SUCCEEDED, ['tail']),
        dep('side', 'alert', RunState.SUCCEEDED),
      ],
      SINCE,
    );
    expect(actions.map((a) => `${a.job}:${a.action}`)).toEqual(['mid:rerun', 'side:alert']);
  });

  it('runs whose attempt started at or after the re-delivery get nothing: the plan can be carried out again after a crash', () => {
    const afterwards = '2026-11-22T09:00:01.000Z';
    const actions = planLateData(
      [
        dep('mid', 'rerun', RunState.SUBMITTED, ['tail'], afterwards),
        dep('tail', 'alert', RunState.WAITING, [], afterwards),
        dep('side', 'alert', RunState.SUCCEEDED),
        dep('late', 'alert', RunState.SUCCEEDED, [], SINCE),
      ],
      SINCE,
    );
    expect(actions.map((a) => `${a.job}:${a.action}`)).toEqual(['side:alert']);
  });

  it('a job re-run already still takes its chain with it (no alert for the chain below it)', () => {
    const afterwards = '2026-11-22T09:00:01.000Z';
    const actions = planLateData(
      [dep('mid', 'rerun', RunState.WAITING, ['fanin'], afterwards), dep('fanin', 'alert', RunState.SUCCEEDED)],
      SINCE,
    );
    expect(actions).toEqual([]);
  });
});
