import { type Dag, type JobIndexEntry, jobIndexOf } from './config/dag';

/** Every job reachable from `job` along `next`, in topological order, excluding `job` itself. */
function closure(dag: Dag, job: string, next: (j: JobIndexEntry) => readonly string[]): string[] {
  const seen = new Set<string>();
  const start = dag.index.get(job);
  const stack = start ? [...next(start)] : [];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    // Edges are in the index: a walk over the graph parses no job (config/bundle.ts).
    stack.push(...next(jobIndexOf(dag, name)));
  }
  return dag.topologicalOrder.filter((name) => seen.has(name));
}

/**
 * The transitive downstream closure of `job`, in topological order (every job
 * after its upstreams), excluding `job` itself. Replay and backfill follow it.
 */
export function downstreamClosure(dag: Dag, job: string): string[] {
  return closure(dag, job, (j) => j.dependents);
}

/** The transitive upstream closure of `job`, in topological order, excluding `job` itself (predicted-late follows it). */
export function upstreamClosure(dag: Dag, job: string): string[] {
  return closure(dag, job, (j) => j.dependsOn);
}
