import type { ConfigIssue } from '../issues';
import type { ParsedConfig } from '../parse';

/**
 * Finds dependency cycles with Tarjan's strongly connected components and
 * returns one concrete cycle per component, e.g. ["a", "b", "c", "a"].
 * Edges point from a job to its dependencies; unknown names are ignored here
 * (checkDependencies reports them).
 */
export function findCycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;

  // Iterative Tarjan: deep chains (10,000 jobs) must not overflow the call stack.
  for (const root of edges.keys()) {
    if (index.has(root)) continue;
    const work: { node: string; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: string; next: number };
      const deps = (edges.get(frame.node) ?? []).filter((d) => edges.has(d));
      if (frame.next < deps.length) {
        const dep = deps[frame.next++] as string;
        if (!index.has(dep)) {
          index.set(dep, counter);
          low.set(dep, counter++);
          stack.push(dep);
          onStack.add(dep);
          work.push({ node: dep, next: 0 });
        } else if (onStack.has(dep)) {
          low.set(frame.node, Math.min(low.get(frame.node) as number, index.get(dep) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(frame.node) as number));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = component.length === 1 && (edges.get(frame.node) ?? []).includes(frame.node);
        if (component.length > 1 || selfLoop) components.push(component);
      }
    }
  }
  return components.map((component) => cycleWithin(component, edges));
}

/** A concrete cycle through the component, starting at its alphabetically first job. */
function cycleWithin(component: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0] as string;
  // BFS from start back to start inside the component gives the shortest cycle through it.
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift() as string;
    for (const dep of edges.get(node) ?? []) {
      if (!members.has(dep)) continue;
      if (dep === start) {
        const path = [node];
        for (let n = node; n !== start; ) {
          n = parent.get(n) as string;
          path.push(n);
        }
        path.reverse();
        return [...path, start];
      }
      if (!parent.has(dep)) {
        parent.set(dep, node);
        queue.push(dep);
      }
    }
  }
  return [start, start];
}

export function checkCycles(config: ParsedConfig): ConfigIssue[] {
  // The first definition of a duplicated name counts (duplicates are reported elsewhere).
  const edges = new Map<string, readonly string[]>();
  const fileOf = new Map<string, string>();
  for (const { value, file } of config.jobs) {
    if (edges.has(value.name)) continue;
    edges.set(value.name, value.dependsOn);
    fileOf.set(value.name, file);
  }
  // A job that depends on itself is reported by checkDependencies, not again as a cycle.
  return findCycles(edges)
    .filter((cycle) => cycle.length > 2)
    .map((cycle) => ({
      severity: 'error',
      file: fileOf.get(cycle[0] as string) as string,
      entity: { kind: 'job', name: cycle[0] as string },
      field: 'dependsOn',
      message: `dependency cycle: ${cycle.join(' -> ')} (each job depends on the next)`,
    }));
}
