// The DAG: jobs in columns by their longest path from a root, each node coloured by
// its run's state with the state written under the name. Edges run only through
// the gaps between columns and between rows, never under a node: a node sits at
// the same row heights in every column, so the band between two rows is clear
// from one side of the graph to the other.
import { svg } from './dom.js';
import { stateClass } from './states.js';

const NODE_H = 38;
const COL_GAP = 48;
const ROW_GAP = 18;
const PAD = ROW_GAP;

/** Positions of the nodes and the sizes of the drawing. */
export function layout(jobs) {
  const depth = new Map();
  for (const job of jobs) depth.set(job.name, Math.max(0, ...job.dependsOn.map((u) => depth.get(u) + 1)));
  const rows = new Map();
  const perColumn = new Map();
  for (const job of jobs) {
    const d = depth.get(job.name);
    rows.set(job.name, perColumn.get(d) ?? 0);
    perColumn.set(d, (perColumn.get(d) ?? 0) + 1);
  }
  // Wide enough for the longest label at 12px (about 7.2px a character).
  const longest = Math.max(...jobs.map((j) => j.name.length + (j.mode === 'shadow' ? 9 : 0)));
  const nodeW = Math.max(150, Math.ceil(longest * 7.2) + 20);
  const colPitch = nodeW + COL_GAP;
  const rowPitch = NODE_H + ROW_GAP;
  const pos = new Map();
  for (const job of jobs) {
    pos.set(job.name, { x: PAD + depth.get(job.name) * colPitch, y: PAD + rows.get(job.name) * rowPitch, depth: depth.get(job.name), row: rows.get(job.name) });
  }
  const columns = Math.max(1, ...perColumn.keys()) + 1;
  const maxRows = Math.max(1, ...perColumn.values());
  return { pos, nodeW, rowPitch, width: PAD * 2 + columns * colPitch - COL_GAP, height: PAD * 2 + maxRows * rowPitch - ROW_GAP };
}

/** The path of an edge: right out of the upstream, through the gaps, left into the downstream. */
function edgePath(a, b, nodeW, rowPitch, lane) {
  const ay = a.y + NODE_H / 2;
  const by = b.y + NODE_H / 2;
  const spread = ((lane % 5) - 2) * 3;
  const outX = a.x + nodeW + COL_GAP / 2 + spread;
  const inX = b.x - COL_GAP / 2 + spread;
  if (b.depth === a.depth + 1) return `M${a.x + nodeW},${ay} H${outX} V${by} H${b.x}`;
  // Over one or more columns: along the clear band just below the higher of the two rows.
  const band = PAD + (Math.min(a.row, b.row) + 1) * rowPitch - ROW_GAP / 2 + spread / 2;
  return `M${a.x + nodeW},${ay} H${outX} V${band} H${inX} V${by} H${b.x}`;
}

/** Draws the DAG of `jobs` with the states of `status` into `container`; a click on a node calls onSelect(job). */
export function renderGraph(container, jobs, status, selected, onSelect) {
  const { pos, nodeW, rowPitch, width, height } = layout(jobs);
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'job graph' });
  const defs = svg('defs');
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 8 8', refX: 8, refY: 4, markerWidth: 7, markerHeight: 7, orient: 'auto' });
  marker.append(svg('path', { d: 'M0,0 L8,4 L0,8 z', class: 'arrow' }));
  defs.append(marker);
  root.append(defs);
  let lane = 0;
  for (const job of jobs) {
    for (const up of job.dependsOn) {
      const d = edgePath(pos.get(up), pos.get(job.name), nodeW, rowPitch, lane++);
      root.append(svg('path', { class: 'edge', d, 'marker-end': 'url(#arrow)', 'data-from': up, 'data-to': job.name }));
    }
  }
  for (const job of jobs) {
    const p = pos.get(job.name);
    const state = status.jobs[job.name]?.state ?? 'PENDING';
    const shadow = job.mode === 'shadow';
    const g = svg('g', {
      // The state's class on the group: the box and the state's name share its colours.
      class: `node ${stateClass(state)}${selected === job.name ? ' selected' : ''}`,
      'data-job': job.name,
      'data-state': state,
      transform: `translate(${p.x},${p.y})`,
      tabindex: 0,
    });
    g.append(svg('rect', { width: nodeW, height: NODE_H, rx: 4, class: shadow ? 'shadow' : 'box' }));
    g.append(svg('text', { x: 8, y: 16, class: 'name', text: shadow ? `${job.name} · shadow` : job.name }));
    g.append(svg('text', { x: 8, y: 31, class: 'state-label', text: state }));
    // docs/shadow.md: a shadow job is never submitted; the old scheduler's markers drive it.
    g.append(svg('title', { text: `${job.name}: ${state}${shadow ? ' (shadow mode: nothing is submitted)' : ''}` }));
    g.addEventListener('click', () => onSelect(job.name));
    g.addEventListener('keydown', (e) => e.key === 'Enter' && onSelect(job.name));
    root.append(g);
  }
  container.replaceChildren(root);
}
