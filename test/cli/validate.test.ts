import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readConfigDir } from '../../lambdas/domain/config/read-dir';
import { validateConfig } from '../../lambdas/domain/config/validate';

/**
 * `rsched validate` and `rsched graph` as a user runs them: `node bin/rsched.js`
 * in a child process, from the repository root. Each process costs about a
 * second of start-up, so all of them start together in beforeAll (two at a
 * time) and the tests read their results. The bad-name fixture is checked
 * through --json only.
 */

const ROOT = join(__dirname, '..', '..');
const FIXTURES = 'test/fixtures/configs';

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function rsched(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/rsched.js', ...args], { cwd: ROOT, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts every command, at most `limit` processes at once; each result is awaited where it is checked. */
function runAll(commands: Record<string, readonly string[]>, limit: number): Record<string, Promise<CliResult>> {
  const lanes: Promise<unknown>[] = Array.from({ length: limit }, () => Promise.resolve());
  return Object.fromEntries(
    Object.entries(commands).map(([name, args], i) => {
      const result = (lanes[i % limit] as Promise<unknown>).then(() => rsched(args));
      lanes[i % limit] = result;
      return [name, result];
    }),
  );
}

const INVALID = {
  cycle: { file: 'cycle/jobs.json', job: 'clean', says: 'dependency cycle: clean -> enrich -> clean' },
  'unknown-dep': { file: 'unknown-dep/jobs.json', job: 'revenue', says: 'unknown dependency "sesions" (did you mean "sessions"?)' },
  duplicate: {
    file: 'duplicate/nightly.json',
    job: 'sessions',
    says: `duplicate job name (first defined in ${FIXTURES}/duplicate/ingest.json`,
  },
  'bad-cron': { file: 'bad-cron/jobs.json', job: 'player_entry', says: 'cron "0 1 * *" must have 5 fields' },
  'unknown-pool': { file: 'unknown-pool/jobs.json', job: 'churn_model', says: 'unknown pool "gpu": no cluster serves it' },
} as const;

let results: Record<string, Promise<CliResult>>;

beforeAll(() => {
  results = runAll(
    {
      example: ['validate', 'dag-config'],
      json: ['validate', `${FIXTURES}/bad-name`, '--json'],
      mermaid: ['graph', 'dag-config', '--format', 'mermaid'],
      dot: ['graph', 'dag-config', '--format', 'dot'],
      ...Object.fromEntries(Object.keys(INVALID).map((name) => [name, ['validate', `${FIXTURES}/${name}`]])),
    },
    2,
  );
});

describe('rsched validate', () => {
  it('exits 0 on the example dag-config and says what it found', async () => {
    const { code, stdout, stderr } = await (results.example as Promise<CliResult>);
    // Two advisories, still exit 0: the example names no marker writers (docs/threat-model.md), and it
    // uses Data Pipeline, closed to new customers.
    const warnings = stderr.trimEnd().split('\n');
    expect(warnings).toHaveLength(2);
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^warning: dag-config\/jobs\/[a-z]+\.json: no job names "markers": \{"writers"/),
        expect.stringMatching(
          /^warning: dag-config\/jobs\/[a-z]+\.json: job "[a-z_]+": target\.type: AWS Data Pipeline is closed to new customers/,
        ),
      ]),
    );
    expect(stdout).toMatch(/^dag-config: valid — \d+ jobs \(\d+ roots\), 5 clusters, \d+ files\n$/);
    expect(code).toBe(0);
  });

  it.each(Object.entries(INVALID))('exits 2 on %s and names the file and job on stderr', async (name, { file, job, says }) => {
    const { code, stdout, stderr } = await (results[name] as Promise<CliResult>);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${FIXTURES}/${file}: job "${job}": `);
    expect(stderr).toContain(says);
    expect(stderr).toMatch(new RegExp(`${FIXTURES}/${name}: invalid — \\d+ problems?\\n$`));
    expect(code).toBe(2);
  });

  it('exits 2 on bad-name and, with --json, lists every problem with its file, job and field', async () => {
    const { code, stdout } = await (results.json as Promise<CliResult>);
    const report = JSON.parse(stdout) as { valid: boolean; files: string[]; jobs: number | null; issues: unknown[] };
    expect(report).toMatchObject({ valid: false, files: [`${FIXTURES}/bad-name/jobs.json`], jobs: null });
    expect(report.issues).toEqual([
      expect.objectContaining({
        severity: 'error',
        file: `${FIXTURES}/bad-name/jobs.json`,
        entity: { kind: 'job', name: 'Daily_KPIs' },
        field: 'name',
      }),
      expect.objectContaining({ entity: { kind: 'job', name: 'kpi__export' }, field: 'name', message: expect.stringContaining('"__"') }),
    ]);
    expect(code).toBe(2);
  });
});

describe('rsched graph', () => {
  const dag = validateConfig(readConfigDir(join(ROOT, 'dag-config'))).dag;
  const edges = [...(dag?.jobs.values() ?? [])].flatMap((job) => job.dependsOn.map((up) => [up, job.name] as const));

  it('prints every edge of the example as Mermaid', async () => {
    const { code, stdout } = await (results.mermaid as Promise<CliResult>);
    expect(code).toBe(0);
    expect(stdout.startsWith('flowchart LR\n')).toBe(true);
    expect(edges.length).toBeGreaterThan(10);
    for (const [from, to] of edges) expect(stdout).toContain(`  ${from} --> ${to}\n`);
    expect(stdout.split('\n').filter((l) => l.includes('-->'))).toHaveLength(edges.length);
  });

  it('prints every edge of the example as Graphviz dot', async () => {
    const { code, stdout } = await (results.dot as Promise<CliResult>);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^digraph rsched \{\n[\s\S]*\}\n$/);
    for (const [from, to] of edges) expect(stdout).toContain(`  "${from}" -> "${to}";\n`);
    expect(stdout.split('\n').filter((l) => l.includes('->'))).toHaveLength(edges.length);
  });
});
