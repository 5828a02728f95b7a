import { describe, expect, it } from 'vitest';
import { describeWait } from '../../bin/cli/output/waits';

/** How `rsched status` and the end of `rsched simulate` say what a run waits on. */
describe('a wait in one line', () => {
  const day = '2026-11-22';
  it('names the upstreams with their states, since when and when it times out', () => {
    expect(
      describeWait(
        {
          kind: 'upstreams',
          upstreams: { raw_events: 'PENDING', sessions: 'SUBMITTED' },
          since: `${day}T00:20:00.000Z`,
          dueAt: `${day}T02:20:00.000Z`,
        },
        day,
      ),
    ).toBe('waiting on raw_events (PENDING), sessions (SUBMITTED), since 00:20, times out 02:20');
  });

  it('says "waiting for 07:00" for a run held by its notBefore, and when it starts (UTC)', () => {
    expect(describeWait({ kind: 'notBefore', notBefore: '07:00 Europe/Berlin', dueAt: `${day}T06:00:00.000Z` }, day)).toBe(
      'waiting for 07:00 Europe/Berlin (notBefore; upstreams done), starts 06:00',
    );
  });

  it('gives the reason of WAITING_FOR_CLUSTER: the pool, the next window, the deadline', () => {
    expect(
      describeWait(
        {
          kind: 'cluster',
          pool: 'adhoc',
          since: `${day}T01:10:00.000Z`,
          dueAt: `${day}T04:10:00.000Z`,
          nextWindow: { cluster: 'daytime-adhoc', start: `${day}T08:00:00.000Z` },
        },
        day,
      ),
    ).toBe('waiting for a cluster of pool adhoc (none live), next: daytime-adhoc at 08:00, since 01:10, times out 04:10');
  });

  it('says a submitted run waits for its marker, with the next day marked', () => {
    expect(describeWait({ kind: 'marker', since: `${day}T23:00:00.000Z`, dueAt: '2026-11-23T03:00:00.000Z' }, day)).toBe(
      'waiting for its marker, submitted 23:00, times out 03:00+1d',
    );
  });
});
