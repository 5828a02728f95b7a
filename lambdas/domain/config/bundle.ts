import { createHash } from 'node:crypto';
import { BUILTIN_DEFAULTS, type Cluster, clustersByPool, type Dag, JOB_INDEX_FIELDS, type Job, type JobIndexEntry } from './dag';
import { LazyMap } from './lazy-map';

/**
 * The config as shipped inside each Lambda bundle: the resolved DAG, compiled
 * by `cdk synth` after the same validation as `rsched validate` (an invalid
 * config fails the synth). A cold start validates nothing again and parses
 * only a small index; each job's other fields are parsed when an event first
 * reaches the job (issue 16: cold init with a 10,000-job config).
 *
 * The file is one JSON document, laid out so that its parts can be found by
 * byte offset without parsing the whole:
 *
 * ```
 *   {"version":3,"indexSha256":"<64 hex>","indexBytes":<n>,"index":<index>,"bodies":[<body>,<body>,…]}
 *   <index>  the clusters and every job's JOB_INDEX_FIELDS, body length and body hash (CompiledIndex)
 *   <body>   the job's every other field; the i-th body belongs to the i-th job of the index
 * ```
 *
 * Integrity without hashing megabytes at every cold start: the SHA-256 of the
 * index is checked at load, each body's hash (the first 16 hex digits of its
 * SHA-256) when that body is parsed, and the file's length at load (a
 * truncated file fails there). The hashes catch a file changed or damaged
 * after synthesis; they are not a signature.
 */
export const CONFIG_BUNDLE_FILE = 'dag-config.json';

const VERSION = 3;
const HEADER = /^\{"version":(\d+),(?:"indexSha256":"([0-9a-f]{64})","indexBytes":(\d+),"index":)?/;
const BODIES_OPEN = ',"bodies":[';
const BODY_HASH_DIGITS = 16;

/** Indexed fields stored otherwise than as columns: `dependsOn` as positions in `names`, `dependents` derived from it. */
const EDGES: readonly string[] = ['dependsOn', 'dependents'];
const COLUMNS = JOB_INDEX_FIELDS.filter((f) => f !== 'name' && !EDGES.includes(f));

/** A list of positions in `names` per job, flattened: job i's are `to[starts[i]]` … `to[starts[i + 1] - 1]`. */
interface FlatLists {
  readonly starts: ArrayLike<number>;
  readonly to: ArrayLike<number>;
}

/**
 * The index, in columns rather than one object per job: flat arrays of small
 * integers, which JSON.parse reads several times faster than the same data as
 * names and objects, and from which a job's entry is built when first read.
 */
interface CompiledIndex {
  readonly clusters: readonly Cluster[];
  /** Job names in topological order: job i of every column below is `names[i]`. */
  readonly names: readonly string[];
  /** Each job's upstreams (its dependents are the jobs that list it here). */
  readonly dependsOn: FlatLists;
  /**
   * Each other indexed field: its distinct values and, over the jobs in order,
   * runs of the same value as pairs [position in values (-1: not set), jobs in the run].
   */
  readonly columns: Readonly<Record<string, { readonly values: readonly unknown[]; readonly runs: readonly number[] }>>;
  /** Each job's body, its length in bytes. */
  readonly bodyBytes: readonly number[];
  /** Each job's body hash, BODY_HASH_DIGITS hex digits a job, concatenated. */
  readonly bodyHashes: string;
  /** defaults.maxConcurrentReruns (docs/markers.md); absent: the built-in default. */
  readonly maxConcurrentReruns?: number;
}

function flatten(lists: readonly (readonly number[])[]): FlatLists {
  const starts = [0];
  for (const list of lists) starts.push((starts.at(-1) as number) + list.length);
  return { starts, to: lists.flat() };
}

/** The lists reversed: for each position, the positions whose lists hold it (a counting sort, no per-job arrays). */
function reversed({ starts, to }: FlatLists, count: number): FlatLists {
  const revStarts = new Int32Array(count + 1);
  for (let k = 0; k < to.length; k++) {
    const next = (to[k] as number) + 1;
    revStarts[next] = (revStarts[next] as number) + 1;
  }
  for (let i = 0; i < count; i++) revStarts[i + 1] = (revStarts[i + 1] as number) + (revStarts[i] as number);
  const fill = revStarts.slice(0, count);
  const revTo = new Int32Array(to.length);
  for (let i = 0; i < count; i++) {
    for (let k = starts[i] as number; k < (starts[i + 1] as number); k++) {
      const up = to[k] as number;
      const slot = fill[up] as number;
      fill[up] = slot + 1;
      revTo[slot] = i;
    }
  }
  return { starts: revStarts, to: revTo };
}

/** [value, jobs] runs over the jobs in order, -1 for a job without the field. */
function runsOf(positions: readonly number[]): number[] {
  const runs: number[] = [];
  for (const at of positions) {
    if (runs.length > 0 && runs[runs.length - 2] === at) runs[runs.length - 1] = (runs[runs.length - 1] as number) + 1;
    else runs.push(at, 1);
  }
  return runs;
}

function positionsOf(runs: readonly number[], count: number): Int32Array {
  const out = new Int32Array(count);
  let i = 0;
  for (let r = 0; r < runs.length; r += 2) {
    const end = i + (runs[r + 1] as number);
    out.fill(runs[r] as number, i, end);
    i = end;
  }
  return out;
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const INDEXED = new Set<string>(JOB_INDEX_FIELDS);

/** The JSON of a job's fields that are not indexed: whatever fields Job gains later pass through here. */
function bodyOf(job: Job): string {
  return JSON.stringify(Object.fromEntries(Object.entries(job).filter(([field]) => !INDEXED.has(field))));
}

export function serialiseConfigBundle(dag: Dag): string {
  const names = dag.topologicalOrder;
  const jobs = names.map((name) => dag.jobs.get(name) as Job);
  const position = new Map(names.map((name, i) => [name, i]));
  const columns = Object.fromEntries(
    COLUMNS.map((field) => {
      const values: unknown[] = [];
      const positions = jobs.map((job) => {
        const value = job[field];
        if (value === undefined) return -1;
        const at = values.indexOf(value);
        return at >= 0 ? at : values.push(value) - 1;
      });
      return [field, { values, runs: runsOf(positions) }];
    }),
  );
  const bodies = jobs.map(bodyOf);
  const compiled: CompiledIndex = {
    clusters: [...dag.clusters.values()],
    names,
    dependsOn: flatten(jobs.map((job) => job.dependsOn.map((n) => position.get(n) as number))),
    columns,
    bodyBytes: bodies.map((body) => Buffer.byteLength(body)),
    bodyHashes: bodies.map((body) => sha256(body).slice(0, BODY_HASH_DIGITS)).join(''),
    maxConcurrentReruns: dag.maxConcurrentReruns,
  };
  const index = JSON.stringify(compiled);
  const header = `{"version":${VERSION},"indexSha256":"${sha256(index)}","indexBytes":${Buffer.byteLength(index)},"index":`;
  return `${header}${index}${BODIES_OPEN}${bodies.join(',')}]}`;
}

/** The compiled index, answering for job i: columns as positions, dependents derived once, when first needed. */
function indexReader(compiled: CompiledIndex) {
  const { names } = compiled;
  const columns = Object.entries(compiled.columns).map(([field, c]) => ({
    field,
    values: c.values,
    of: positionsOf(c.runs, names.length),
  }));
  let dependents: FlatLists | undefined;
  const named = ({ starts, to }: FlatLists, i: number) => {
    const out: string[] = [];
    for (let k = starts[i] as number; k < (starts[i + 1] as number); k++) out.push(names[to[k] as number] as string);
    return out;
  };
  return {
    /** The names of the jobs that have `field` set. */
    namesWith(field: string): string[] {
      const column = columns.find((c) => c.field === field);
      return column ? names.filter((_, i) => (column.of[i] as number) >= 0) : [];
    },
    entry(i: number): JobIndexEntry {
      dependents ??= reversed(compiled.dependsOn, names.length);
      const entry: Record<string, unknown> = {
        name: names[i],
        dependsOn: named(compiled.dependsOn, i),
        // In name order, as buildDag gives them (dag.ts).
        dependents: named(dependents, i).sort(),
      };
      for (const { field, values, of } of columns) {
        const at = of[i] as number;
        if (at >= 0) entry[field] = values[at];
      }
      return entry as unknown as JobIndexEntry;
    },
  };
}

const deployAgain = (what: string) => new Error(`${CONFIG_BUNDLE_FILE} ${what}; deploy again (cdk deploy)`);

/**
 * Where the compiled config's bytes come from: a whole file in memory, or a
 * file read piece by piece (lambda-inputs.ts), so that a cold start reads the
 * header and the index, and each body only when its job is first read.
 */
export interface BundleSource {
  readonly size: number;
  read(position: number, length: number): Buffer;
}

function inMemory(file: Buffer): BundleSource {
  return { size: file.length, read: (position, length) => file.subarray(position, position + length) };
}

/** The DAG of a compiled config: the file's bytes, or a source that reads them on demand. */
export function dagFromBundle(bytes: Buffer | BundleSource): Dag {
  const file = Buffer.isBuffer(bytes) ? inMemory(bytes) : bytes;
  const header = HEADER.exec(file.read(0, Math.min(160, file.size)).toString('latin1'));
  if (!header) throw deployAgain(`is not a compiled config of version ${VERSION}`);
  if (Number(header[1]) !== VERSION || !header[2] || !header[3]) {
    throw deployAgain(`is a compiled config of version ${header[1]}, this function reads version ${VERSION}`);
  }
  const indexStart = header[0].length;
  const indexEnd = indexStart + Number(header[3]);
  // The index and the text after it, read at once: the bodies' opening must follow the index.
  const indexAndNext = file.read(indexStart, indexEnd - indexStart + BODIES_OPEN.length);
  const indexBytes = indexAndNext.subarray(0, indexEnd - indexStart);
  if (sha256(indexBytes) !== header[2]) throw deployAgain('does not match its SHA-256: it was changed after cdk synth');
  const compiled = JSON.parse(indexBytes.toString('utf8')) as CompiledIndex;

  // Body i starts after body i-1 and its comma.
  const { bodyBytes, names } = compiled;
  const bodyStarts = new Float64Array(bodyBytes.length);
  let offset = indexEnd + BODIES_OPEN.length;
  for (let i = 0; i < bodyBytes.length; i++) {
    bodyStarts[i] = offset;
    offset += (bodyBytes[i] as number) + 1;
  }
  // The bodies are followed by "]}": a file of any other length was cut short or added to.
  if (indexAndNext.toString('latin1', indexBytes.length) !== BODIES_OPEN || offset + 1 !== file.size) {
    throw deployAgain('does not match its SHA-256: it was changed after cdk synth (its length differs)');
  }
  // A loop, not new Map(names.map(...)): no 10,000 pair arrays to collect at cold start.
  const position = new Map<string, number>();
  for (let i = 0; i < names.length; i++) position.set(names[i] as string, i);
  const reader = indexReader(compiled);
  const index = new LazyMap(position, (i: number) => reader.entry(i));
  const jobs = new LazyMap(position, (i: number, name: string): Job => {
    const start = bodyStarts[i] as number;
    const bytes = file.read(start, compiled.bodyBytes[i] as number);
    if (sha256(bytes).slice(0, BODY_HASH_DIGITS) !== compiled.bodyHashes.slice(i * BODY_HASH_DIGITS, (i + 1) * BODY_HASH_DIGITS)) {
      throw deployAgain(`does not match its SHA-256 at job "${name}": it was changed after cdk synth`);
    }
    return { ...(index.get(name) as JobIndexEntry), ...JSON.parse(bytes.toString('utf8')) } as Job;
  });
  const clusters = new Map(compiled.clusters.map((c) => [c.name, c]));
  return {
    jobs,
    index,
    scheduledRoots: reader.namesWith('schedule'),
    withExpectedBy: reader.namesWith('expectedBy'),
    clusters,
    clustersByPool: clustersByPool(clusters),
    topologicalOrder: compiled.names,
    maxConcurrentReruns: compiled.maxConcurrentReruns ?? BUILTIN_DEFAULTS.maxConcurrentReruns,
  };
}
