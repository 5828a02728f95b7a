import { describe, expect, it } from 'vitest';
import { isRedelivery, type LateDependent, planLateData, SAME_COMPLETION_MINUTES } from '../../lambdas/domain/late-data';
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

  it(`a newer write within ${SAME_COMPLETION_MINUTES} minutes of the success is the same completion reported again (docs/completion.md)`, () => {
    const newer = (eventTime: string) => isRedelivery(succeeded, { sequencer: seq('0055A1B2C3D4E5F700'), eventTime });
    expect(newer('2026-11-22T04:00:00.200Z')).toBe(false);
    expect(newer('2026-11-22T04:15:00.000Z')).toBe(false);
    expect(newer('2026-11-22T04:15:00.001Z')).toBe(true);
  });
});

describe('planLateData: what each downstream job does, by its own onLateUpstream', () => {
  const dep = (
    job: string,
    onLateUpstream: LateDependent['onLateUpstream'],
    state?: RunState,
    downstream: string[] = [],
  ): LateDependent => ({
    job,
    onLateUpstream,
    run: state ? { state, attempt: 1 } : undefined,
    downstream,
  });

  it('runs that started or ended get their setting; waiting runs and runs not there yet get nothing', () => {
    expect(
      planLateData([
        dep('a', 'alert', RunState.SUCCEEDED),
        dep('b', 'rerun', RunState.FAILED),
        dep('c', 'ignore', RunState.SUCCEEDED),
        dep('d', 'alert', RunState.SUBMITTED),
        dep('e', 'rerun', RunState.WAITING),
        dep('f', 'alert', RunState.WAITING_FOR_CLUSTER),
        dep('g', 'alert'),
      ]).map((a) => `${a.job}:${a.action}:${a.state}`),
    ).toEqual(['a:alert:SUCCEEDED', 'b:rerun:FAILED', 'd:alert:SUBMITTED']);
  });

  it('a job in the chain of another job being re-run is re-run by that chain, whatever its own setting', () => {
    const actions = planLateData([
      dep('mid', 'rerun', RunState.SUCCEEDED, ['fanin', 'tail']),
      dep('fanin', 'alert', RunState.SUCCEEDED, ['tail']),
      dep('side', 'alert', RunState.SUCCEEDED),
    ]);
    expect(actions.map((a) => `${a.job}:${a.action}`)).toEqual(['mid:rerun', 'side:alert']);
  });
});
