import { createHash } from 'node:crypto';
import { BUILTIN_DEFAULTS, type Cluster, clustersByPool, type Dag, type Job } from './dag';

/**
 * The config as shipped inside each Lambda bundle: the resolved DAG, compiled
 * by `cdk synth` after the same validation as `rsched validate` (an invalid
 * config fails the synth). A cold start therefore only parses JSON; nothing
 * is validated again (issue 16: cold init with a 10,000-job config). A
 * SHA-256 of the DAG guards against a file changed after synthesis.
 */
export const CONFIG_BUNDLE_FILE = 'dag-config.json';

const VERSION = 2;
const HEADER = /^\{"version":2,"sha256":"([0-9a-f]{64})","dag":/;

interface CompiledDag {
  readonly jobs: readonly Job[];
  readonly clusters: readonly Cluster[];
  readonly topologicalOrder: readonly string[];
  /** Absent in bundles written before it existed: the built-in default. */
  readonly maxConcurrentReruns?: number;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function serialiseConfigBundle(dag: Dag): string {
  const compiled: CompiledDag = {
    jobs: [...dag.jobs.values()],
    clusters: [...dag.clusters.values()],
    topologicalOrder: dag.topologicalOrder,
    maxConcurrentReruns: dag.maxConcurrentReruns,
  };
  const body = JSON.stringify(compiled);
  return `{"version":${VERSION},"sha256":"${sha256(body)}","dag":${body}}`;
}

export function dagFromBundle(text: string): Dag {
  const header = HEADER.exec(text.slice(0, 100));
  if (!header || !text.endsWith('}')) {
    throw new Error(`${CONFIG_BUNDLE_FILE} is not a compiled config of version ${VERSION}: deploy again with this version (cdk deploy)`);
  }
  const body = text.slice(header[0].length, -1);
  if (sha256(body) !== header[1]) {
    throw new Error(`${CONFIG_BUNDLE_FILE} does not match its SHA-256: it was changed after cdk synth; deploy again (cdk deploy)`);
  }
  const compiled = JSON.parse(body) as CompiledDag;
  const clusters = new Map(compiled.clusters.map((c) => [c.name, c]));
  return {
    jobs: new Map(compiled.jobs.map((j) => [j.name, j])),
    clusters,
    clustersByPool: clustersByPool(clusters),
    topologicalOrder: compiled.topologicalOrder,
    maxConcurrentReruns: compiled.maxConcurrentReruns ?? BUILTIN_DEFAULTS.maxConcurrentReruns,
  };
}
