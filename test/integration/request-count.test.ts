import { describe, expect, it } from 'vitest';
import { dagFrom, EXTERNAL, type JobOverrides } from '../support/dags';
import { useDynalite } from '../support/dynalite';
import { createHarness, type Harness } from '../support/harness';

/**
 * DynamoDB requests per completion event, counted by RequestCounter on the
 * client (SPEC §9: close to 1 + one per downstream run touched, independent
 * of the DAG's size). Measured on the engine as it is:
 *
 *   `.done` of a job with k direct downstream jobs, r of which it makes ready:
 *
 *     requests = 1                  UpdateItem  the run -> SUCCEEDED (guarded by state, sequencer, attempt)
 *              + k                  UpdateItem  each downstream run's done set ADDs this upstream (guarded)
 *              + 2r                 UpdateItem  each ready downstream run claimed (-> SUBMITTING), then SUBMITTED
 *              + (k > 0 ? 1 : 0)    UpdateItem  propagation finished (propagatedAt set, sweeper watch removed)
 *
 *     no GetItem, Query or Scan: a leaf costs 1, a job with 3 children of which 2 become ready costs 9.
 *     (The submit calls themselves go to Data Pipeline/EMR, not DynamoDB.)
 *
 *   `.failed` with no retries left, with D transitive downstream runs still waiting:
 *
 *     requests = 1 GetItem (are retries left?) + 1 UpdateItem (-> FAILED) + 1 PutItem (the alert, de-duplicated)
 *              + D UpdateItem (-> UPSTREAM_FAILED) + 1 UpdateItem (propagation finished)
 *
 * A duplicate `.done` costs 1 (scheduler-scenarios.test.ts).
 */

const emulator = useDynalite();

const DATE = '2026-11-22';

/** The predicted request counts of a `.done` event, by command. */
function doneFormula(k: number, r: number): Record<string, number> {
  return { UpdateItemCommand: 1 + k + 2 * r + (k > 0 ? 1 : 0) };
}

async function countRequests(h: Harness, event: unknown): Promise<Record<string, number>> {
  h.counter.reset();
  await h.handler(event);
  return Object.fromEntries(h.counter.counts);
}

describe('requests per .done event', () => {
  it('follow 1 + k + 2r + 1 for fan-outs of 0 to 10 with any number made ready', async () => {
    const cases = [
      { k: 0, r: 0 },
      { k: 1, r: 0 },
      { k: 1, r: 1 },
      { k: 3, r: 2 },
      { k: 10, r: 4 },
    ];
    // One hub per case; its children beyond the first r also wait for a blocker that never finishes.
    const edges: Record<string, string[]> = {};
    const overrides: Record<string, JobOverrides> = {};
    for (const { k, r } of cases) {
      const hub = `hub${k}_${r}`;
      const blocker = `blocker${k}_${r}`;
      edges[hub] = [];
      edges[blocker] = [];
      overrides[hub] = EXTERNAL;
      overrides[blocker] = EXTERNAL;
      for (let i = 0; i < k; i++) edges[`c${k}_${r}_${i}`] = i < r ? [hub] : [hub, blocker];
    }
    const h = await createHarness(emulator(), dagFrom(edges, overrides));
    for (const { k, r } of cases) {
      const counted = await countRequests(h, h.snsEvent(h.marker(`hub${k}_${r}`, DATE)));
      expect(counted, `fan-out ${k}, ${r} ready`).toEqual(doneFormula(k, r));
      expect(h.submitter.calls.filter((c) => c.job.startsWith(`c${k}_${r}_`))).toHaveLength(r);
    }
  });

  it('is the same for the same local shape in a DAG of 10 jobs and one of 5,000', async () => {
    // j (submitted, after p) has three children: c1 waits only for j, c2 also for q (done), c3 also for z (never).
    const shape: Record<string, string[]> = { p: [], q: [], z: [], j: ['p'], c1: ['j'], c2: ['j', 'q'], c3: ['j', 'z'], d1: ['c1'] };
    const roots = { p: EXTERNAL, q: EXTERNAL, z: EXTERNAL };
    const small = dagFrom({ ...shape, f1: [], f2: ['f1'] }, roots);
    // The same shape with a chain of 4,992 jobs below d1: the DAG is one component of 5,000 jobs.
    const chain = Object.fromEntries(Array.from({ length: 4992 }, (_, i) => [`g${i}`, [i === 0 ? 'd1' : `g${i - 1}`]]));
    const big = dagFrom({ ...shape, ...chain }, roots);
    expect([small.jobs.size, big.jobs.size]).toEqual([10, 5000]);

    const measured: Record<string, number>[] = [];
    for (const dag of [small, big]) {
      const h = await createHarness(emulator(), dag);
      await h.handler(h.snsEvent(h.marker('p', DATE), h.marker('q', DATE)));
      expect((await h.run('j', DATE))?.state).toBe('SUBMITTED');
      expect((await h.run('c2', DATE))?.doneUpstreams).toEqual(['q']);
      measured.push(await countRequests(h, h.snsEvent(h.marker('j', DATE))));
      expect(h.submitter.calls.map((c) => c.job).sort()).toEqual(['c1', 'c2', 'j']);
    }
    expect(measured[0]).toEqual(doneFormula(3, 2));
    expect(measured[1]).toEqual(measured[0]);
  });
});

describe('requests per .failed event', () => {
  it('are 4 plus one per transitive downstream run that still waits', async () => {
    const dag = dagFrom(
      { p: [], q: [], j: ['p'], c1: ['j'], c2: ['j', 'q'], c3: ['j'], d1: ['c1'], other: ['q'] },
      { p: EXTERNAL, q: EXTERNAL },
    );
    const h = await createHarness(emulator(), dag);
    await h.handler(h.snsEvent(h.marker('p', DATE), h.marker('q', DATE)));
    const counted = await countRequests(h, h.snsEvent(h.marker('j', DATE, 'failed')));
    // D = 4 (c1, c2, c3, d1); `other` is not downstream of j and is not touched. The alert is
    // recorded (Put), published, then marked sent (one more Update): at-least-once delivery.
    expect(counted).toEqual({ GetItemCommand: 1, UpdateItemCommand: 1 + 4 + 1 + 1, PutItemCommand: 1 });
    expect(h.alerts.kinds()).toEqual(['FAILED:j']);
    for (const job of ['c1', 'c2', 'c3', 'd1']) expect((await h.run(job, DATE))?.state).toBe('UPSTREAM_FAILED');
    expect((await h.run('other', DATE))?.state).toBe('SUBMITTED');
  });
});
