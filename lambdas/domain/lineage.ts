import { type Dag, type Job, jobOf } from './config/dag';

/**
 * The transitive downstream closure of `job`, in topological order (every job
 * after its upstreams), excluding `job` itself. Replay and backfill follow it.
 */
export function downstreamClosure(dag: Dag, job: string): string[] {
  const seen = new Set<string>();
  const stack = [...((dag.jobs.get(job) as Job | undefined)?.dependents ?? [])];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    stack.push(...jobOf(dag, name).dependents);
  }
  return dag.topologicalOrder.filter((name) => seen.has(name));
}
