import { describe, expect, it } from 'vitest';
import type { Dag } from '../../lambdas/domain/config/dag';
import { loadDag } from '../../lambdas/domain/config/validate';
import { TAG_WINDOW } from '../../lambdas/domain/fleet/cluster-tags';
import type { ClusterReport } from '../../lambdas/engine/report';
import type { Submission } from '../../lambdas/local/control-plane/submission-log';
import { SimulationSession } from '../../lambdas/local/simulate';
import type { SimulationReport } from '../../lambdas/local/simulation-report';
import { cluster, emr, external, SIM_DATE } from '../support/simulation';

const at = (hhmm: string) => `${SIM_DATE}T${hhmm}:00.000Z`;
const MINUTE = 60_000;

interface FleetDay {
  readonly dag: Dag;
  readonly report: SimulationReport;
  /** Every submit call that reached the simulated control planes, with its cluster and instant. */
  readonly submissions: readonly Submission[];
  /** Every cluster the simulated EMR created: its config name and the window tag it was launched with. */
  readonly launched: readonly { readonly name: string; readonly window: string }[];
  readonly states: Record<string, string>;
}

/**
 * One simulated day of `config` on the embedded runtime (EventBridge's
 * schedules, EMR's events, the real handlers); `during` may add invocations
 * to the day before it runs.
 */
async function simulateFleet(
  config: Record<string, unknown>,
  opts: { durations?: Record<string, number>; during?: (session: SimulationSession) => void } = {},
): Promise<FleetDay> {
  const dag = loadDag([{ path: 'fleet.json', text: JSON.stringify(config) }]);
  const session = await SimulationSession.start({
    dag,
    start: SimulationSession.dayStart(dag, SIM_DATE),
    overrides: { fail: new Set(), hang: new Set(), durations: new Map(Object.entries(opts.durations ?? {})) },
  });
  try {
    session.scheduleDay(SIM_DATE);
    opts.during?.(session);
    await session.run();
    const { report } = await session.report(SIM_DATE);
    return {
      dag,
      report,
      submissions: [...session.runtime.submissions.all],
      launched: session.runtime.emr
        .list()
        .map((c) => ({ name: c.configName ?? c.name, window: c.tags.find((t) => t.Key === TAG_WINDOW)?.Value ?? '' })),
      states: Object.fromEntries(Object.entries(report.jobs).map(([name, job]) => [name, job.state])),
    };
  } finally {
    await session.stop();
  }
}

/** The window (from the registry, as `rsched simulate` reports it) of the cluster a submission went to. */
function windowOf(day: FleetDay, s: Submission): ClusterReport {
  const window = day.report.clusters.find((c) => c.clusterId === s.clusterId);
  if (!window) throw new Error(`${s.job} went to ${s.clusterId}, which the registry does not know`);
  return window;
}

/** Every EMR step was submitted to a cluster that, at that instant, was ready, inside its window, not yet gone, and serving the job's pool. */
function expectEveryStepOnALiveClusterOfItsPool(day: FleetDay): void {
  const steps = day.submissions.filter((s) => s.kind === 'emr-step');
  expect(steps.length).toBeGreaterThan(0);
  for (const s of steps) {
    const window = windowOf(day, s);
    const when = s.at.toISOString();
    const why = `${s.job} submitted at ${when} to ${window.name} (${window.windowStart}–${window.windowEnd}, ready ${window.readyAt}, gone ${window.terminatedAt})`;
    expect(day.dag.clusters.get(window.name)?.pools, why).toContain(day.dag.jobs.get(s.job)?.pool);
    expect(window.readyAt !== null && window.readyAt <= when, why).toBe(true);
    expect(when < window.windowEnd, why).toBe(true);
    expect(window.terminatedAt === null || when < window.terminatedAt, why).toBe(true);
  }
}

/** No window got a second cluster: EMR created exactly one cluster per window the registry holds. */
function expectOneClusterPerWindow(day: FleetDay): void {
  const keys = day.launched.map((l) => `${l.name}@${l.window}`);
  expect(new Set(keys).size, keys.join(', ')).toBe(keys.length);
  expect(keys.sort()).toEqual(day.report.clusters.map((c) => `${c.name}@${c.windowStart}`).sort());
}

function clusterNamed(day: FleetDay, name: string): ClusterReport {
  const window = day.report.clusters.find((c) => c.name === name);
  if (!window) throw new Error(`no window of ${name}`);
  return window;
}

const minutesBetween = (from: string | null, to: string | null) => (Date.parse(to ?? '') - Date.parse(from ?? '')) / MINUTE;

describe('a day of a fleet with overlapping and back-to-back windows', () => {
  // night 00–03 and morning 02–08 overlap on pool etl; morning 02–08 and day 08–18 meet back to back;
  // evening runs 13:00–19:00 New York time (18:00–24:00 UTC) for pool adhoc, which morning serves too.
  const fleet = {
    clusters: [
      cluster('night', ['etl'], '0 0 * * *', '0 3 * * *', { graceMinutes: 20 }),
      cluster('morning', ['etl', 'adhoc'], '0 2 * * *', '0 8 * * *', { simulation: { provisionMinutes: 6 } }),
      cluster('day', ['etl'], '0 8 * * *', '0 18 * * *'),
      cluster('evening', ['adhoc'], '0 13 * * *', '0 19 * * *', { timezone: 'America/New_York' }),
    ],
    jobs: [
      emr('e1', 'etl', [], { schedule: '10 0 * * *' }),
      emr('e2', 'etl', ['e1']),
      emr('e3', 'etl', ['e2']),
      emr('e4', 'etl', ['e3']),
      emr('a1', 'adhoc', [], { schedule: '30 0 * * *', timeoutMinutes: 240 }),
      emr('e5', 'etl', [], { schedule: '58 7 * * *', timeoutMinutes: 60 }),
      emr('e6', 'etl', [], { schedule: '5 8 * * *', timeoutMinutes: 60 }),
      emr('a2', 'adhoc', [], { schedule: '0 17 * * *', timeoutMinutes: 120 }),
      emr('a3', 'adhoc', ['a2']),
    ],
  };
  const durations = { e1: 60, e2: 60, e3: 60, e4: 30, a1: 20, e5: 1, e6: 30, a2: 5, a3: 20 };
  let day: FleetDay;

  it('submits every step to a cluster that is live at that moment and serves its pool', async () => {
    day = await simulateFleet(fleet, { durations });
    expect(
      Object.values(day.states).every((s) => s === 'SUCCEEDED'),
      JSON.stringify(day.states),
    ).toBe(true);
    expectEveryStepOnALiveClusterOfItsPool(day);
    expect(day.report.alerts).toEqual([]);
  });

  it('routes to the cluster of the moment: the one that stays up longest while windows overlap, the next one after a window change', () => {
    const clusterOf = (job: string) => day.report.jobs[job]?.cluster;
    expect(clusterOf('e1')).toBe('night');
    expect(clusterOf('e2')).toBe('night'); // 01:10, night only
    expect(clusterOf('e3')).toBe('morning'); // 02:10, night and morning (ready 02:06) both up: morning stays until 08:00
    expect(clusterOf('e4')).toBe('morning'); // 03:10, night has stopped
    expect(clusterOf('a1')).toBe('morning'); // waited for the first adhoc cluster (ready 02:06)
    expect(clusterOf('e5')).toBe('morning'); // 07:58, the last minutes of the morning window
    expect(clusterOf('e6')).toBe('day'); // 08:05 waits for day to be ready (08:08)
    expect(clusterOf('a2')).toBe('evening'); // 17:00 waits for evening (18:08 UTC)
    expect(day.report.jobs.a1?.submittedAt).toBe(clusterNamed(day, 'morning').readyAt);
    expect(day.report.jobs.e6?.submittedAt).toBe(clusterNamed(day, 'day').readyAt);
  });

  it('starts each window once, in its time zone, records its master IP, and ends it after its stop', () => {
    expectOneClusterPerWindow(day);
    expect(day.report.clusters.map((c) => [c.name, c.windowStart, c.windowEnd])).toEqual([
      ['night', at('00:00'), at('03:00')],
      ['morning', at('02:00'), at('08:00')],
      ['day', at('08:00'), at('18:00')],
      ['evening', at('18:00'), '2026-11-23T00:00:00.000Z'],
    ]);
    const ips = day.report.clusters.map((c) => c.masterIp);
    for (const ip of ips) expect(ip).toMatch(/^10\.0\.\d+\.\d+$/);
    expect(new Set(ips).size).toBe(ips.length);
    for (const c of day.report.clusters) {
      const grace = day.dag.clusters.get(c.name)?.graceMinutes ?? 0;
      expect(c.state).toBe('TERMINATED');
      // Idle at their stop: each ends within the minute EMR takes to terminate, long before the grace period is over.
      expect(minutesBetween(c.windowEnd, c.terminatedAt), c.name).toBeGreaterThanOrEqual(0);
      expect(minutesBetween(c.windowEnd, c.terminatedAt), c.name).toBeLessThan(Math.min(grace, 2));
    }
  });
});

describe('the provisioner invoked more than once for a window', () => {
  it('creates no second cluster: a duplicate at the same instant, one a minute later, one after the claim lease', async () => {
    const outcomes: unknown[] = [];
    const day = await simulateFleet(
      {
        clusters: [cluster('night', ['etl'], '0 0 * * *', '0 3 * * *'), cluster('day', ['etl'], '0 3 * * *', '0 9 * * *')],
        jobs: [emr('e1', 'etl', [], { schedule: '20 0 * * *' }), emr('e2', 'etl', ['e1'])],
      },
      {
        durations: { e1: 170, e2: 30 },
        during: (session) => {
          const start = { source: 'rsched.fleet', action: 'start', cluster: 'night', scheduledTime: at('00:00') };
          const again = (when: string) =>
            session.timeline.schedule(new Date(when), 'duplicate start', async () => {
              outcomes.push((await session.runtime.functions.provisioner.invokeNow(start)) as unknown);
            });
          // EventBridge Scheduler is at least once; an operator may start a window by hand too.
          for (const when of [at('00:00'), at('00:00'), at('00:01'), at('00:30'), at('02:59')]) again(when);
        },
      },
    );
    expectOneClusterPerWindow(day);
    expect(day.launched).toHaveLength(2);
    // Whichever invocation launched the window, every other one found the claim and created nothing.
    const seen = outcomes.map((o) => (o as { outcome: string }).outcome);
    expect(seen.filter((o) => o === 'launched').length).toBeLessThanOrEqual(1);
    for (const o of seen) expect(['launched', 'in-progress', 'exists']).toContain(o);
    expect(seen.slice(2)).toEqual(['exists', 'exists', 'exists']);
    expectEveryStepOnALiveClusterOfItsPool(day);
    expect(day.states).toEqual({ e1: 'SUCCEEDED', e2: 'SUCCEEDED' });
    // e1 ran on night past its window; e2 went to day, the back-to-back successor.
    expect(day.report.jobs.e2?.cluster).toBe('day');
  });
});

describe('EMR events delivered twice and out of order', () => {
  it('change nothing: each event comes again 7 minutes late, after the cluster has moved on', async () => {
    const day = await simulateFleet(
      {
        clusters: [cluster('night', ['etl'], '0 0 * * *', '0 3 * * *'), cluster('morning', ['etl'], '0 2 * * *', '0 8 * * *')],
        jobs: [emr('e1', 'etl', [], { schedule: '5 0 * * *' }), emr('e2', 'etl', ['e1']), emr('e3', 'etl', ['e2'], { retries: 1 })],
      },
      {
        durations: { e1: 60, e2: 60, e3: 60 },
        during: (session) => {
          const topic = session.runtime.clusterEventsTopic;
          const publish = topic.publish.bind(topic);
          topic.publish = (message: string) => {
            publish(message);
            const late = new Date(session.timeline.now().getTime() + 7 * MINUTE);
            session.timeline.schedule(late, 'late duplicate', async () => publish(message));
          };
        },
      },
    );
    expect(day.states).toEqual({ e1: 'SUCCEEDED', e2: 'SUCCEEDED', e3: 'SUCCEEDED' });
    expect(day.report.alerts).toEqual([]);
    expectOneClusterPerWindow(day);
    expectEveryStepOnALiveClusterOfItsPool(day);
    for (const c of day.report.clusters) expect(c.state, c.name).toBe('TERMINATED');
    // A late STARTING/BOOTSTRAPPING did not reset readiness: the first READY is what is recorded.
    expect(clusterNamed(day, 'night').readyAt).toBe('2026-11-22T00:08:02.000Z');
  });
});

describe('runs whose pool has no live cluster', () => {
  it('time out with an alert when the only cluster of their pool has already stopped', async () => {
    const day = await simulateFleet({
      clusters: [cluster('early', ['spark'], '0 0 * * *', '0 1 * * *')],
      jobs: [external('feed', '02:00'), emr('late', 'spark', ['feed'], { timeoutMinutes: 60 }), emr('after', 'spark', ['late'])],
    });
    expect(day.states).toEqual({ feed: 'SUCCEEDED', late: 'TIMED_OUT', after: 'UPSTREAM_FAILED' });
    expect(day.report.jobs.late?.reason).toContain('no live cluster served pool spark within 60 min');
    expect(day.report.alerts.map((a) => `${a.kind} ${a.job}`)).toEqual(['TIMED_OUT late']);
    expect(day.submissions).toEqual([]);
  });

  it('never go to a draining cluster: a run ready during the grace period waits, while the running step finishes', async () => {
    const day = await simulateFleet(
      {
        clusters: [cluster('short', ['spark'], '0 0 * * *', '0 1 * * *', { graceMinutes: 60 })],
        jobs: [
          emr('long', 'spark', [], { schedule: '10 0 * * *' }),
          external('feed', '01:05'),
          emr('too-late', 'spark', ['feed'], { timeoutMinutes: 30 }),
        ],
      },
      { durations: { long: 70 } },
    );
    expect(day.states).toEqual({ long: 'SUCCEEDED', feed: 'SUCCEEDED', 'too-late': 'TIMED_OUT' });
    expect(day.report.alerts.map((a) => `${a.kind} ${a.job}`)).toEqual(['TIMED_OUT too-late']);
    expect(day.submissions.map((s) => s.job)).toEqual(['long']);
    // The cluster ended as soon as its last step finished (01:20), well inside the 60-minute grace period.
    const short = clusterNamed(day, 'short');
    expect(minutesBetween(at('01:20'), short.terminatedAt)).toBeGreaterThanOrEqual(0);
    expect(minutesBetween(at('01:20'), short.terminatedAt)).toBeLessThan(2);
  });
});

describe('graceful stop', () => {
  it('interrupts a step still running when the grace period ends, and its run FAILS with an alert', async () => {
    const day = await simulateFleet(
      {
        clusters: [cluster('short', ['spark'], '0 0 * * *', '0 1 * * *', { graceMinutes: 15 })],
        jobs: [emr('endless', 'spark', [], { schedule: '10 0 * * *' }), emr('after', 'spark', ['endless'])],
      },
      { durations: { endless: 120 } },
    );
    expect(day.states).toEqual({ endless: 'FAILED', after: 'UPSTREAM_FAILED' });
    expect(day.report.jobs.endless?.reason).toMatch(/^EMR step s-\w+ on j-\w+ INTERRUPTED/);
    expect(day.report.jobs.endless?.finishedAt).toBe(at('01:15'));
    expect(day.report.alerts.map((a) => `${a.kind} ${a.job}`)).toEqual(['FAILED endless']);
    const short = clusterNamed(day, 'short');
    expect(minutesBetween(at('01:15'), short.terminatedAt)).toBeGreaterThanOrEqual(0);
    expect(minutesBetween(at('01:15'), short.terminatedAt)).toBeLessThan(2);
  });
});
