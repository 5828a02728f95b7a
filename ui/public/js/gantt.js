// The Gantt chart of a day: one lane per cluster (its windows drawn behind its
// runs), lanes for the other targets; per run, each attempt's wait (hatched,
// from its start to its submission) and run (solid, from submission to end).
import { svg } from './dom.js';
import { stateClass } from './states.js';

const LABEL_W = 190;
const LANE_HEAD = 22;
const ROW_H = 22;
const AXIS_H = 24;
const HOUR = 3_600_000;

const clock = (ms) => new Date(ms).toISOString().slice(11, 16);

function hourLabel(ms, dayStart) {
  const iso = new Date(ms).toISOString();
  return ms >= dayStart && ms < dayStart + 24 * HOUR ? iso.slice(11, 16) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

/** Draws `gantt` (GET /api/gantt) into `container`, as wide as the container; a click on a run calls onSelect(job). */
export function renderGantt(container, gantt, selected, onSelect) {
  const width = Math.max(720, container.clientWidth - 4);
  const from = Date.parse(gantt.from);
  const to = Date.parse(gantt.to);
  const dayStart = Date.parse(`${gantt.date}T00:00:00.000Z`);
  const plotW = width - LABEL_W - 12;
  const x = (ms) => LABEL_W + ((Math.min(Math.max(ms, from), to) - from) / (to - from)) * plotW;
  const now = Date.parse(gantt.now);
  const lanes = gantt.lanes.map((lane) => ({ ...lane, height: LANE_HEAD + Math.max(1, lane.rows.length) * ROW_H }));
  const height = AXIS_H + lanes.reduce((sum, l) => sum + l.height, 0) + 4;
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `Gantt chart of ${gantt.date}` });
  const defs = svg('defs');
  const hatch = svg('pattern', { id: 'hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' });
  hatch.append(svg('rect', { width: 6, height: 6, class: 'hatch-bg' }), svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, class: 'hatch-line' }));
  defs.append(hatch);
  root.append(defs);

  // The axis: an hour a tick, or every few hours when the chart spans more than a day.
  const hours = (to - from) / HOUR;
  const step = hours > 36 ? 6 : hours > 18 ? 2 : 1;
  for (let t = from; t <= to; t += step * HOUR) {
    root.append(svg('line', { x1: x(t), x2: x(t), y1: AXIS_H - 4, y2: height, class: 'tick' }));
    if (t < to) root.append(svg('text', { x: x(t) + 2, y: AXIS_H - 8, class: 'tick-label', text: hourLabel(t, dayStart) }));
  }
  root.append(svg('text', { x: 4, y: AXIS_H - 8, class: 'tick-label', text: 'UTC' }));

  let y = AXIS_H;
  for (const lane of lanes) {
    const g = svg('g', { class: `lane lane-${lane.kind}`, 'data-lane': lane.key });
    g.append(svg('rect', { x: 0, y, width, height: lane.height, class: 'lane-bg' }));
    for (const w of lane.windows) {
      const start = Date.parse(w.windowStart);
      const end = Date.parse(w.terminatedAt ?? w.windowEnd);
      if (end < from || start > to) continue;
      const rect = svg('rect', { x: x(start), y: y + 2, width: Math.max(1, x(end) - x(start)), height: lane.height - 4, class: 'window' });
      rect.append(
        svg('title', {
          text: `${w.name} window ${w.windowStart.slice(11, 16)}–${w.windowEnd.slice(11, 16)}: ${w.state}${w.readyAt ? `, ready ${w.readyAt.slice(11, 16)}` : ''}`,
        }),
      );
      g.append(rect);
      if (w.readyAt)
        g.append(
          svg('line', { x1: x(Date.parse(w.readyAt)), x2: x(Date.parse(w.readyAt)), y1: y + 2, y2: y + lane.height - 2, class: 'ready' }),
        );
    }
    g.append(svg('text', { x: 6, y: y + 15, class: 'lane-label', text: lane.label }));
    if (lane.rows.length === 0) g.append(svg('text', { x: 14, y: y + LANE_HEAD + 15, class: 'muted-label', text: 'no runs' }));
    lane.rows.forEach((row, i) => {
      const top = y + LANE_HEAD + i * ROW_H;
      const r = svg('g', { class: `gantt-row${selected === row.job ? ' selected' : ''}`, 'data-job': row.job, 'data-state': row.state });
      r.append(svg('text', { x: 14, y: top + 15, class: 'row-label', text: row.job }));
      let firstX = null;
      let lastX = 0;
      let lastDrawn = null;
      const later = [];
      for (const a of row.attempts) {
        const start = Date.parse(a.startedAt);
        // An attempt begun after the axis ends (a replay days later) is named, not drawn.
        if (start >= to) {
          later.push(a);
          continue;
        }
        const submitted = a.submittedAt ? Date.parse(a.submittedAt) : null;
        const end = a.endedAt ? Date.parse(a.endedAt) : now;
        const waitEnd = submitted ?? end;
        const wait = svg('rect', {
          x: x(start),
          y: top + 4,
          width: Math.max(2, x(waitEnd) - x(start)),
          height: ROW_H - 8,
          class: `wait ${stateClass(a.state)}`,
          fill: 'url(#hatch)',
        });
        wait.append(svg('title', { text: `${row.job} attempt ${a.attempt}: waited ${clock(start)}–${clock(waitEnd)} (${a.state})` }));
        r.append(wait);
        if (submitted !== null) {
          const run = svg('rect', {
            x: x(submitted),
            y: top + 3,
            width: Math.max(2, x(end) - x(submitted)),
            height: ROW_H - 6,
            class: `run ${stateClass(a.state)}`,
          });
          run.append(
            svg('title', {
              text: `${row.job} attempt ${a.attempt}: ran ${clock(submitted)}–${clock(end)}${a.endedAt ? '' : ' (still running)'} → ${a.state}`,
            }),
          );
          r.append(run);
        }
        firstX ??= x(start);
        lastX = Math.max(lastX, x(end));
        lastDrawn = a;
      }
      // The state in words: after the bars, or before them, or (no room either side) at the right edge.
      const shown = lastDrawn?.state ?? row.state;
      const then = later.length
        ? ` → attempt ${later.at(-1).attempt} ${new Date(Date.parse(later.at(-1).startedAt)).toISOString().slice(5, 16).replace('T', ' ')}: ${row.state}`
        : '';
      const text = `${shown}${then}`;
      const room = text.length * 6.5 + 8;
      const label = svg('text', { y: top + 15, class: `bar-state ${stateClass(later.length ? row.state : shown)}`, text });
      if (lastX + room < width) label.setAttribute('x', String(lastX + 4));
      else if (firstX !== null && firstX - room > LABEL_W) {
        label.setAttribute('x', String(firstX - 4));
        label.setAttribute('text-anchor', 'end');
      } else {
        label.setAttribute('x', String(width - 4));
        label.setAttribute('text-anchor', 'end');
        label.classList.add('on-bar');
      }
      r.append(label);
      r.addEventListener('click', () => onSelect(row.job));
      g.append(r);
    });
    root.append(g);
    y += lane.height;
  }
  if (now >= from && now <= to) {
    root.append(svg('line', { x1: x(now), x2: x(now), y1: AXIS_H - 4, y2: height, class: 'now' }));
    root.append(svg('text', { x: x(now) + 3, y: height - 4, class: 'now-label', text: `now ${gantt.now.slice(11, 16)}` }));
  }
  container.replaceChildren(root);
}
