// The DAG, top to bottom: jobs in rows by their longest path from a root (so a
// deep chain costs height, not width), each node coloured by its run's state with
// the state written under the name. Edges run only through the gaps between rows
// and between columns, never under a node: nodes sit at the same x in every row
// and at the same y within a row, so those gaps are clear from edge to edge.
import { svg } from './dom.js';
import { stateClass } from './states.js';

const NODE_H = 38;
const COL_GAP = 28;
const ROW_GAP = 34;
const PAD = 16;

/** Positions of the nodes and the sizes of the drawing. */
export function layout(jobs) {
  const depth = new Map();
  for (const job of jobs) depth.set(job.name, Math.max(0, ...job.dependsOn.map((u) => depth.get(u) + 1)));
  const columns = new Map();
  const perRow = new Map();
  for (const job of jobs) {
    const d = depth.get(job.name);
    columns.set(job.name, perRow.get(d) ?? 0);
    perRow.set(d, (perRow.get(d) ?? 0) + 1);
  }
  // Wide enough for the longest label at 12px (about 7.2px a character).
  const longest = Math.max(...jobs.map((j) => j.name.length + (j.mode === 'shadow' ? 9 : 0)));
  const nodeW = Math.max(140, Math.ceil(longest * 7.2) + 20);
  const colPitch = nodeW + COL_GAP;
  const rowPitch = NODE_H + ROW_GAP;
  const pos = new Map();
  for (const job of jobs) {
    const d = depth.get(job.name);
    const c = columns.get(job.name);
    pos.set(job.name, { x: PAD + c * colPitch, y: PAD + d * rowPitch, depth: d, column: c });
  }
  const rows = Math.max(0, ...perRow.keys()) + 1;
  const widest = Math.max(1, ...perRow.values());
  // One gap more than the widest row: the band right of its last node carries edges too.
  return { pos, nodeW, width: PAD * 2 + widest * colPitch, height: PAD * 2 + rows * rowPitch - ROW_GAP };
}

/** The path of an edge: down out of the upstream, through the gaps, down into the downstream. */
function edgePath(a, b, nodeW, lane) {
  const spread = ((lane % 5) - 2) * 4;
  const outX = a.x + nodeW / 2 + spread;
  const inX = b.x + nodeW / 2 + spread / 2;
  const below = a.y + NODE_H + ROW_GAP / 2 + spread / 2;
  if (b.depth === a.depth + 1) return `M${outX},${a.y + NODE_H} V${below} H${inX} V${b.y}`;
  // Over one or more rows: down the clear band right of the upstream's column.
  const band = a.x + nodeW + COL_GAP / 2 + spread / 2;
  const above = b.y - ROW_GAP / 2 + spread / 2;
  return `M${outX},${a.y + NODE_H} V${below} H${band} V${above} H${inX} V${b.y}`;
}

/** Draws the DAG of `jobs` with the states of `status` into `container`; a click on a node calls onSelect(job). */
export function renderGraph(container, jobs, status, selected, onSelect) {
  const { pos, nodeW, width, height } = layout(jobs);
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'job graph' });
  const defs = svg('defs');
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 8 8', refX: 8, refY: 4, markerWidth: 7, markerHeight: 7, orient: 'auto' });
  marker.append(svg('path', { d: 'M0,0 L8,4 L0,8 z', class: 'arrow' }));
  defs.append(marker);
  root.append(defs);
  let lane = 0;
  for (const job of jobs) {
    for (const up of job.dependsOn) {
      const d = edgePath(pos.get(up), pos.get(job.name), nodeW, lane++);
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
