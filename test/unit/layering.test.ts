/**
 * The layering rules of issue 16, checked over the import graph: `cdk synth`
 * (lib/) never loads Lambda runtime code (adapters, handlers) nor an AWS SDK
 * client, and the domain stays pure — nothing from @aws-sdk, nothing outside
 * lambdas/domain. Type-only and dynamic imports count too: TypeScript's own
 * pre-parser lists every import of a file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

/** A relative specifier as the file it names (`./x.js` and `./x` are `./x.ts`); undefined for packages and built-ins. */
function resolveRelative(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier.replace(/\.js$/, ''));
  const file = [`${base}.ts`, join(base, 'index.ts')].find((f) => existsSync(f));
  if (!file) throw new Error(`${relative(ROOT, from)} imports ${specifier}, which is no .ts file`);
  return file;
}

interface Edge {
  readonly from: string;
  readonly specifier: string;
  /** The file, for a relative import. */
  readonly file?: string;
}

/** Every import reachable from `roots`, following relative imports file by file. */
function reachableImports(roots: readonly string[]): Edge[] {
  const edges: Edge[] = [];
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const from = queue.pop() as string;
    if (seen.has(from)) continue;
    seen.add(from);
    for (const { fileName: specifier } of ts.preProcessFile(readFileSync(from, 'utf8'), true, true).importedFiles) {
      const file = resolveRelative(from, specifier);
      edges.push({ from, specifier, ...(file ? { file } : {}) });
      if (file) queue.push(file);
    }
  }
  return edges;
}

const show = (e: Edge) => `${relative(ROOT, e.from)} imports ${e.specifier}`;
const under = (dir: string) => (file: string | undefined) => file?.startsWith(`${join(ROOT, dir)}/`) === true;

describe('layering', () => {
  it('lets nothing lib/ loads reach lambdas/adapters, lambdas/handlers or an AWS SDK package', () => {
    const edges = reachableImports(tsFiles(join(ROOT, 'lib')));
    expect(edges.length).toBeGreaterThan(50); // the walk really walked
    const leaks = edges.filter(
      (e) => under('lambdas/adapters')(e.file) || under('lambdas/handlers')(e.file) || e.specifier.startsWith('@aws-sdk/'),
    );
    expect(leaks.map(show)).toEqual([]);
  });

  it('keeps lambdas/domain free of @aws-sdk and of every layer above it', () => {
    const domain = join(ROOT, 'lambdas', 'domain');
    const edges = reachableImports(tsFiles(domain));
    const leaks = edges.filter((e) => e.specifier.startsWith('@aws-sdk/') || (e.file !== undefined && !under('lambdas/domain')(e.file)));
    expect(leaks.map(show)).toEqual([]);
  });

  it('would notice a leak: the adapters themselves import @aws-sdk', () => {
    const edges = reachableImports([join(ROOT, 'lambdas', 'adapters', 'aws', 'sns-alert-sink.ts')]);
    expect(edges.map((e) => e.specifier)).toContain('@aws-sdk/client-sns');
  });
});
