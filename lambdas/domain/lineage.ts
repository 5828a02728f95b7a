import { type Dag, type Job, jobOf } from './config/dag';

/** Every job reachable from `job` along `next`, in topological order, excluding `job` itself. */
function closure(dag: Dag, job: string, next: (j: Job) => readonly string[]): string[] {
  const seen = new Set<string>();
  const start = dag.jobs.get(job) as Job | undefined;
  const stack = start ? [...next(start)] : [];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    stack.push(...next(jobOf(dag, name)));
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
