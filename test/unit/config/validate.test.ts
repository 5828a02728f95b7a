import { describe, expect, it } from 'vitest';
import { findCycles } from '../../../lambdas/domain/config/checks/cycles';
import { ConfigInvalidError, didYouMean } from '../../../lambdas/domain/config/issues';
import { loadDag, validateConfig } from '../../../lambdas/domain/config/validate';
import { clusterSpec, configFile, emrJob, issuesOf, isWritersAdvisory, pipelineJob } from '../../support/config-files';

/** One test per check (SPEC §2): every message names the file, the job or cluster, the field and what is wrong. */

const external = (name: string, extra: Record<string, unknown> = {}) => ({ name, target: { type: 'external' }, ...extra });

describe('dependencies', () => {
  it('reports an unknown dependency with a did-you-mean hint when a known name is close', () => {
    const issues = issuesOf(
      configFile('jobs.json', {
        jobs: [pipelineJob('sessions'), pipelineJob('revenue', { dependsOn: ['sesions', 'payments_ledger_v2'] })],
      }),
    );
    expect(issues).toEqual([
      'jobs.json: job "revenue": dependsOn[0]: unknown dependency "sesions" (did you mean "sessions"?)',
      'jobs.json: job "revenue": dependsOn[1]: unknown dependency "payments_ledger_v2"',
    ]);
  });

  it('reports a dependency listed twice and a job that depends on itself', () => {
    const issues = issuesOf(configFile('jobs.json', { jobs: [pipelineJob('a'), pipelineJob('b', { dependsOn: ['a', 'b', 'a'] })] }));
    expect(issues).toEqual(
      expect.arrayContaining([
        'jobs.json: job "b": dependsOn[1]: a job cannot depend on itself',
        'jobs.json: job "b": dependsOn[2]: "a" is listed twice',
      ]),
    );
  });

  it('does not call a job that failed the schema an unknown dependency', () => {
    const issues = issuesOf(configFile('jobs.json', { jobs: [pipelineJob('Bad'), pipelineJob('b', { dependsOn: ['Bad'] })] }));
    expect(issues).toEqual([
      'jobs.json: job "Bad": name: job name must match ^[a-z0-9][a-z0-9_-]*$',
      'jobs.json: job "b": dependsOn[0]: job name must match ^[a-z0-9][a-z0-9_-]*$',
    ]);
  });
});

describe('cycles', () => {
  it('prints a two-job cycle as a -> b -> a', () => {
    const issues = issuesOf(
      configFile('jobs.json', { jobs: [pipelineJob('a', { dependsOn: ['b'] }), pipelineJob('b', { dependsOn: ['a'] })] }),
    );
    expect(issues).toEqual(['jobs.json: job "a": dependsOn: dependency cycle: a -> b -> a (each job depends on the next)']);
  });

  it('prints a longer cycle across files once, from its alphabetically first job, in the file of that job', () => {
    const issues = issuesOf(
      configFile('one.json', { jobs: [pipelineJob('root'), pipelineJob('c', { dependsOn: ['b', 'root'] })] }),
      configFile('two.json', { jobs: [pipelineJob('a', { dependsOn: ['c'] }), pipelineJob('b', { dependsOn: ['a'] })] }),
    );
    expect(issues).toEqual(['two.json: job "a": dependsOn: dependency cycle: a -> c -> b -> a (each job depends on the next)']);
  });

  it('finds every cycle, the shortest through each, and none in a DAG (literal edge lists)', () => {
    const edges = new Map<string, string[]>([
      ['a', ['b']],
      ['b', ['c', 'a']],
      ['c', ['a']],
      ['x', ['x']],
      ['ok', ['a', 'unknown']],
    ]);
    expect(findCycles(edges)).toEqual(
      expect.arrayContaining([
        ['a', 'b', 'a'],
        ['x', 'x'],
      ]),
    );
    expect(findCycles(edges)).toHaveLength(2);
    expect(
      findCycles(
        new Map([
          ['a', []],
          ['b', ['a']],
          ['c', ['a', 'b']],
        ]),
      ),
    ).toEqual([]);
  });

  it('handles a chain of 10,000 jobs without overflowing the stack', () => {
    const edges = new Map(Array.from({ length: 10_000 }, (_, i) => [`j${i}`, i === 0 ? ['j9999'] : [`j${i - 1}`]]));
    const [cycle] = findCycles(edges);
    expect(cycle).toHaveLength(10_001);
    expect(cycle?.[0]).toBe('j0');
  });
});

describe('duplicate names', () => {
  it('reports a job defined in two files, in the second file, pointing at the first', () => {
    const issues = issuesOf(
      configFile('dag/a.json', { jobs: [pipelineJob('sessions')] }),
      configFile('dag/b.json', { jobs: [pipelineJob('other'), pipelineJob('sessions')] }),
    );
    expect(issues).toEqual(['dag/b.json: job "sessions": duplicate job name (first defined in dag/a.json, job #1)']);
  });

  it('reports a duplicate cluster the same way', () => {
    const issues = issuesOf(
      configFile('a.json', { clusters: [clusterSpec('etl', ['etl'])] }),
      configFile('b.json', { clusters: [clusterSpec('etl', ['etl'])] }),
    );
    expect(issues).toEqual(['b.json: cluster "etl": duplicate cluster name (first defined in a.json, cluster #1)']);
  });
});

describe('names', () => {
  it('rejects upper case, a leading separator, "__" and bad names in references, naming each', () => {
    const issues = issuesOf(
      configFile('jobs.json', {
        jobs: [pipelineJob('Bad'), pipelineJob('a__b'), pipelineJob('-x'), pipelineJob('ok', { dependsOn: ['Bad'] })],
        clusters: [clusterSpec('Big', ['ETL'])],
      }),
    );
    expect(issues).toEqual([
      'jobs.json: job "Bad": name: job name must match ^[a-z0-9][a-z0-9_-]*$',
      'jobs.json: job "a__b": name: job name must not contain "__" (it separates job and date in marker keys)',
      'jobs.json: job "-x": name: job name must match ^[a-z0-9][a-z0-9_-]*$',
      'jobs.json: job "ok": dependsOn[0]: job name must match ^[a-z0-9][a-z0-9_-]*$',
      'jobs.json: cluster "Big": name: cluster name must match ^[a-z0-9][a-z0-9_-]*$',
      'jobs.json: cluster "Big": pools[0]: pool name must match ^[a-z0-9][a-z0-9_-]*$',
    ]);
  });

  it('names an entity without a name by its position', () => {
    expect(issuesOf(configFile('jobs.json', { jobs: [pipelineJob('a'), { target: { type: 'external' } }] }))).toEqual([
      'jobs.json: job "#2": name: Invalid input: expected string, received undefined',
    ]);
  });
});

describe('schedules', () => {
  const withSchedule = (name: string, schedule: string) => pipelineJob(name, { schedule });

  it('rejects crons with 4 fields, out-of-range values, both day fields, and a step in day-of-week', () => {
    const issues = issuesOf(
      configFile('jobs.json', {
        jobs: [
          withSchedule('four', '0 1 * *'),
          withSchedule('range', '61 * * * *'),
          withSchedule('both', '0 0 1 * MON'),
          withSchedule('step', '0 0 * * */2'),
          withSchedule('fine', '30 1 * * 1-5'),
        ],
      }),
    );
    expect(issues).toEqual([
      'jobs.json: job "four": schedule: cron "0 1 * *" must have 5 fields (minute hour day-of-month month day-of-week), got 4',
      'jobs.json: job "range": schedule: cron "61 * * * *" is invalid: Constraint error, got value 61 expected range 0-59',
      'jobs.json: job "both": schedule: cron "0 0 1 * MON" restricts both day-of-month and day-of-week; EventBridge Scheduler cannot express that, use one of them',
      'jobs.json: job "step": schedule: cron "0 0 * * */2" uses a step in day-of-week; list the days instead (e.g. 1,3,5)',
    ]);
  });

  it('rejects a schedule on a job with upstreams, and warns about one on an external job', () => {
    const result = validateConfig([
      configFile('jobs.json', {
        jobs: [pipelineJob('a'), pipelineJob('b', { dependsOn: ['a'], schedule: '0 1 * * *' }), external('ext', { schedule: '0 1 * * *' })],
      }),
    ]);
    expect(result.issues.filter((i) => !isWritersAdvisory(i))).toEqual([
      {
        severity: 'error',
        file: 'jobs.json',
        entity: { kind: 'job', name: 'b' },
        field: 'schedule',
        message: 'only root jobs (no dependsOn) have a schedule: this job starts when its upstreams succeed',
      },
      {
        severity: 'warning',
        file: 'jobs.json',
        entity: { kind: 'job', name: 'ext' },
        field: 'schedule',
        message: 'external jobs are never submitted, so their schedule has no effect',
      },
    ]);
  });

  it('rejects bad cluster crons and a cluster that starts and stops at the same time', () => {
    const issues = issuesOf(
      configFile('clusters.json', {
        clusters: [clusterSpec('a', ['etl'], { start: '0 25 * * *' }), clusterSpec('b', ['etl'], { stop: '0 0 * * *' })],
      }),
    );
    expect(issues).toEqual([
      'clusters.json: cluster "a": start: cron "0 25 * * *" is invalid: Constraint error, got value 25 expected range 0-23',
      'clusters.json: cluster "b": stop: start and stop are the same time: the cluster would never be up',
    ]);
  });

  it('rejects an unknown time zone, in a job, a cluster and the defaults', () => {
    const issues = issuesOf(
      configFile('x.json', {
        defaults: { timezone: 'Mars/Olympus' },
        jobs: [pipelineJob('a', { timezone: 'Europe/Berlinn' })],
        clusters: [clusterSpec('c', ['etl'], { timezone: 'CEST' })],
      }),
    );
    expect(issues).toEqual([
      'x.json: job "a": timezone: unknown time zone "Europe/Berlinn" (use an IANA name such as "UTC" or "Europe/Berlin")',
      'x.json: cluster "c": timezone: unknown time zone "CEST" (use an IANA name such as "UTC" or "Europe/Berlin")',
      'x.json: defaults: timezone: unknown time zone "Mars/Olympus" (use an IANA name such as "UTC" or "Europe/Berlin")',
    ]);
  });
});

describe('pools', () => {
  it('rejects an emr-step pool that no cluster serves, listing the pools that are served', () => {
    const issues = issuesOf(configFile('x.json', { jobs: [emrJob('train', 'gpu')], clusters: [clusterSpec('etl', ['etl', 'adhoc'])] }));
    expect(issues).toEqual(['x.json: job "train": target.pool: unknown pool "gpu": no cluster serves it (served pools: adhoc, etl)']);
  });

  it('suggests the close pool name, and says when no clusters exist at all', () => {
    expect(
      issuesOf(
        configFile('x.json', {
          jobs: [pipelineJob('p', { target: { type: 'datapipeline', pipeline: 'p', pool: 'etll' } })],
          clusters: [clusterSpec('etl', ['etl'])],
        }),
      ),
    ).toEqual(['x.json: job "p": target.pool: unknown pool "etll": no cluster serves it (did you mean "etl"?)']);
    expect(issuesOf(configFile('x.json', { jobs: [emrJob('train', 'etl')] }))).toEqual([
      'x.json: job "train": target.pool: unknown pool "etl": no cluster serves it (no clusters are defined)',
    ]);
  });

  it('accepts a pool served by a cluster in another file', () => {
    expect(
      issuesOf(
        configFile('jobs.json', { jobs: [emrJob('a', 'etl')] }),
        configFile('clusters.json', { clusters: [clusterSpec('c', ['etl'])] }),
      ),
    ).toEqual([]);
  });
});

describe('templates', () => {
  it('rejects an unknown variable, a cluster variable without a pool, a bad param key and an unclosed brace', () => {
    const issues = issuesOf(
      configFile('x.json', {
        jobs: [
          pipelineJob('a', {
            target: {
              type: 'datapipeline',
              pipeline: 'p-{{dat}}',
              parameters: { ip: '{{cluster.masterIp}}', k: '{{params.bad key}}', open: 'day={{date' },
            },
          }),
        ],
      }),
    );
    expect(issues).toEqual([
      'x.json: job "a": target.pipeline: unknown template variable {{dat}}; known: date, yyyymmdd, yyyy, mm, dd, job, attempt, hour, cluster.masterIp, cluster.id, cluster.name, params.<key>',
      'x.json: job "a": target.parameters.ip: {{cluster.masterIp}} needs a cluster: only emr-step targets, or datapipeline targets with a "pool", have one',
      'x.json: job "a": target.parameters.k: {{params.bad key}}: param key must match [A-Za-z0-9_.-]+',
      'x.json: job "a": target.parameters.open: "{{" without a closing "}}" in "day={{date"',
    ]);
  });

  it('accepts every known variable where it applies, including cluster variables on emr-step targets', () => {
    const everything = '{{date}} {{yyyymmdd}} {{yyyy}}/{{mm}}/{{dd}} {{job}} {{attempt}} {{ params.rows }}';
    const issues = issuesOf(
      configFile('x.json', {
        jobs: [
          pipelineJob('p', { target: { type: 'datapipeline', pipeline: 'p', parameters: { all: everything } } }),
          emrJob('e', 'etl', {
            target: { type: 'emr-step', pool: 'etl', step: { args: [everything, '{{cluster.masterIp}}:{{cluster.id}}:{{cluster.name}}'] } },
          }),
          pipelineJob('pp', { target: { type: 'datapipeline', pipeline: 'p', pool: 'etl', parameters: { ip: '{{cluster.masterIp}}' } } }),
        ],
        clusters: [clusterSpec('c', ['etl'])],
      }),
    );
    expect(issues).toEqual([]);
  });

  it('checks the jar of an emr step too', () => {
    const job = emrJob('e', 'etl', { target: { type: 'emr-step', pool: 'etl', step: { args: ['x'], jar: 's3://jars/{{version}}.jar' } } });
    expect(issuesOf(configFile('x.json', { jobs: [job], clusters: [clusterSpec('c', ['etl'])] }))).toEqual([
      expect.stringMatching(/^x\.json: job "e": target\.step\.jar: unknown template variable \{\{version\}\}/),
    ]);
  });
});

describe('unknown fields', () => {
  it('reports every unknown field at every level, by its path', () => {
    const issues = issuesOf(
      configFile('a.json', {
        extra: 1,
        defaults: { timezon: 'UTC' },
        clusters: [
          clusterSpec('c', ['etl'], {
            colour: 'blue',
            instances: {
              master: 'm5.xlarge',
              mastr: 'x',
              core: { type: 't', count: 1, spot: true },
              task: { type: 't', count: 1, bid: 1 },
            },
            simulation: { provision: 3 },
          }),
        ],
        jobs: [
          emrJob('a', 'etl', {
            sched: '0 1 * * *',
            target: { type: 'emr-step', pool: 'etl', cluster: 'c', step: { args: ['x'], jarr: 'y' } },
            simulation: { duration: 3 },
          }),
          pipelineJob('b', { target: { type: 'datapipeline', pipeline: 'p', params: {} } }),
        ],
      }),
    );
    expect(issues).toEqual([
      'a.json: extra: unknown field (expected "jobs", "clusters", "defaults", "calendars" or "$schema")',
      'a.json: job "a": target.step.jarr: unknown field',
      'a.json: job "a": target.cluster: unknown field',
      'a.json: job "a": simulation.duration: unknown field',
      'a.json: job "a": sched: unknown field',
      'a.json: job "b": target.params: unknown field',
      'a.json: cluster "c": instances.core.spot: unknown field',
      'a.json: cluster "c": instances.task.bid: unknown field',
      'a.json: cluster "c": instances.mastr: unknown field',
      'a.json: cluster "c": simulation.provision: unknown field',
      'a.json: cluster "c": colour: unknown field',
      'a.json: defaults: timezon: unknown field',
    ]);
  });

  it('still checks the rest of a job that only has unknown fields', () => {
    const issues = issuesOf(configFile('a.json', { jobs: [pipelineJob('a', { colour: 'red', dependsOn: ['nope'] })] }));
    expect(issues).toEqual(['a.json: job "a": colour: unknown field', 'a.json: job "a": dependsOn[0]: unknown dependency "nope"']);
  });
});

describe('numbers', () => {
  it('rejects negative, fractional and absurd values with the unit in the message', () => {
    const issues = issuesOf(
      configFile('n.json', {
        defaults: { retries: -1 },
        jobs: [
          pipelineJob('a', { timeoutMinutes: -5, maxRuntimeMinutes: 0, retries: 11, retryDelayMinutes: 1.5 }),
          pipelineJob('b', { timeoutMinutes: 100_000, retryDelayMinutes: 1441 }),
        ],
        clusters: [clusterSpec('c', ['etl'], { instances: { master: 'm', core: { type: 't', count: 5000 } }, graceMinutes: -1 })],
      }),
    );
    expect(issues).toEqual([
      'n.json: job "a": timeoutMinutes: must be at least 1 (minutes)',
      'n.json: job "a": maxRuntimeMinutes: must be at least 1 (minutes)',
      'n.json: job "a": retries: must be at most 10',
      'n.json: job "a": retryDelayMinutes: must be a whole number of minutes',
      'n.json: job "b": timeoutMinutes: must be at most 10080 minutes; larger values are almost certainly a unit mistake',
      'n.json: job "b": retryDelayMinutes: must be at most 1440 minutes; larger values are almost certainly a unit mistake',
      'n.json: cluster "c": instances.core.count: must be at most 1000 instances',
      'n.json: cluster "c": graceMinutes: must be at least 0 (minutes)',
      'n.json: defaults: retries: must be 0 or more',
    ]);
  });
});

describe('files', () => {
  it('reports a JSON syntax error with its line and column and goes on with the other files', () => {
    const broken = { path: 'dag/broken.json', text: '{\n  "jobs": [\n    { "name": "a", }\n  ]\n}\n' };
    const issues = issuesOf(broken, configFile('dag/ok.json', { jobs: [pipelineJob('b', { dependsOn: ['zzz'] })] }));
    expect(issues).toEqual([
      expect.stringMatching(/^dag\/broken\.json: not valid JSON at line 3, column 20: /),
      'dag/ok.json: job "b": dependsOn[0]: unknown dependency "zzz"',
    ]);
  });

  it('rejects a file that is not an object, a jobs field that is not an array, and an empty directory', () => {
    expect(issuesOf({ path: 'e.json', text: '[]' }, configFile('f.json', { jobs: {} }))).toEqual([
      'e.json: must be a JSON object with "jobs", "clusters" and/or "defaults"',
      'f.json: jobs: must be an array, got object',
    ]);
    expect(issuesOf()).toEqual(['(config): no *.json config files found']);
  });

  it('rejects defaults that two files set differently, but not the same value set twice', () => {
    const issues = issuesOf(
      configFile('d1.json', { defaults: { timezone: 'UTC', retries: 1 } }),
      configFile('d2.json', { defaults: { timezone: 'Europe/Berlin', retries: 1 } }),
      configFile('jobs.json', { jobs: [pipelineJob('a')] }),
    );
    expect(issues).toEqual([
      'd2.json: defaults: timezone: set to "Europe/Berlin" here but to "UTC" in d1.json; defaults apply to all files, set it once',
    ]);
  });
});

describe('all problems at once', () => {
  it('reports every problem of a file in one pass, each with file, entity and field, and builds no DAG', () => {
    const result = validateConfig([
      configFile('dag-config/jobs/nightly.json', {
        jobs: [
          pipelineJob('good'),
          pipelineJob('Sessions'),
          pipelineJob('revenue', { dependsOn: ['good', 'sesions'], schedule: '0 1 * * *' }),
          emrJob('kpis', 'gpu', { retries: 99, colour: 'red' }),
          pipelineJob('loop_a', { dependsOn: ['loop_b'] }),
          pipelineJob('loop_b', { dependsOn: ['loop_a'], target: { type: 'datapipeline', pipeline: '{{yesterday}}' } }),
        ],
      }),
    ]);
    expect(result.dag).toBeUndefined();
    const located = result.issues
      .filter((i) => !isWritersAdvisory(i))
      .map((i) => `${i.file} ${i.entity?.kind}:${i.entity?.name} ${i.field}`);
    expect(located.sort()).toEqual(
      [
        'dag-config/jobs/nightly.json job:Sessions name',
        'dag-config/jobs/nightly.json job:revenue dependsOn[1]',
        'dag-config/jobs/nightly.json job:revenue schedule',
        'dag-config/jobs/nightly.json job:kpis retries',
        'dag-config/jobs/nightly.json job:kpis colour',
        'dag-config/jobs/nightly.json job:kpis target.pool',
        'dag-config/jobs/nightly.json job:loop_a dependsOn',
        'dag-config/jobs/nightly.json job:loop_b target.pipeline',
      ].sort(),
    );
  });

  it('throws one ConfigInvalidError listing them all where a DAG is required', () => {
    const files = [
      configFile('x.json', { jobs: [pipelineJob('alpha', { dependsOn: ['missing'] }), pipelineJob('gamma', { retries: -1 })] }),
    ];
    expect(() => loadDag(files)).toThrow(ConfigInvalidError);
    expect(() => loadDag(files)).toThrow(
      'configuration is invalid (2 problems):\n  - x.json: job "gamma": retries: must be 0 or more\n  - x.json: job "alpha": dependsOn[0]: unknown dependency "missing"',
    );
  });
});

describe('did you mean', () => {
  it('suggests the closest name within a third of its length, or nothing', () => {
    expect(didYouMean('sesions', ['sessions', 'revenue'])).toBe(' (did you mean "sessions"?)');
    expect(didYouMean('revenu', ['sessions', 'revenue'])).toBe(' (did you mean "revenue"?)');
    expect(didYouMean('kpi', ['sessions', 'revenue'])).toBe('');
  });
});

describe('mode (docs/shadow.md)', () => {
  it('resolves per job over defaults, "live" when neither sets it', () => {
    const files = [
      configFile('jobs.json', {
        defaults: { mode: 'shadow' },
        jobs: [pipelineJob('a'), pipelineJob('b', { mode: 'live' }), external('ext')],
      }),
    ];
    const dag = loadDag(files);
    expect([...dag.jobs.values()].map((j) => [j.name, j.mode])).toEqual([
      ['a', 'shadow'],
      ['b', 'live'],
      ['ext', 'shadow'],
    ]);
    expect(loadDag([configFile('jobs.json', { jobs: [pipelineJob('a')] })]).jobs.get('a')?.mode).toBe('live');
  });

  it('rejects an unknown mode, and "shadow" set on an external job, naming file, job and field', () => {
    const issues = issuesOf(
      configFile('jobs.json', { jobs: [pipelineJob('a', { mode: 'dry-run' }), external('ext', { mode: 'shadow' })] }),
    );
    expect(issues).toEqual([
      expect.stringMatching(/^jobs\.json: job "a": mode: .*"live".*"shadow"/),
      'jobs.json: job "ext": mode: an external job is never submitted, so "shadow" has nothing to replace; remove "mode" (docs/shadow.md)',
    ]);
  });
});
