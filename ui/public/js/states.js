// Run states (docs/runs.md) as the page shows them: one CSS class per state
// (colours in style.css), the state's name always written out, and a legend.
import { el } from './dom.js';

/** Every state, in the order a run passes through them, with what it means for the operator. */
export const STATES = [
  ['PENDING', 'nothing has happened yet'],
  ['WAITING', 'waiting for upstreams'],
  ['WAITING_FOR_CLUSTER', 'upstreams done; no cluster up for its pool'],
  ['SUBMITTING', 'being submitted'],
  ['SUBMITTED', 'running on its target'],
  ['SHADOW_SUBMITTED', 'shadow: would have been submitted'],
  ['SUBMIT_UNCERTAIN', 'submit may have happened; not resent'],
  ['RETRYING', 'failed; a retry is due'],
  ['SUCCEEDED', 'done'],
  ['FAILED', 'the job failed'],
  ['TIMED_OUT', 'upstreams, cluster or marker too late'],
  ['UPSTREAM_FAILED', 'an upstream failed or timed out'],
  ['SKIPPED', 'not a run date of its calendar'],
];

const KNOWN = new Set(STATES.map(([s]) => s));

/** The classes that colour an element by state (`st-UNKNOWN` for a state this page does not know). */
export function stateClass(state) {
  return `st st-${KNOWN.has(state) ? state : 'UNKNOWN'}`;
}

/** A coloured chip with the state's name. */
export function stateChip(state, extra = '') {
  return el('span', { class: `chip ${stateClass(state)} ${extra}`.trim(), text: state });
}

/** The legend: every state's colour, name and meaning, plus the Gantt chart's two kinds of bar. */
export function renderLegend(container) {
  container.replaceChildren(
    ...STATES.map(([state, meaning]) => el('span', { class: 'legend-item', title: meaning }, [stateChip(state)])),
    el('span', { class: 'legend-item' }, [el('span', { class: 'swatch wait-swatch' }), 'waiting']),
    el('span', { class: 'legend-item' }, [el('span', { class: 'swatch run-swatch' }), 'running']),
    el('span', { class: 'legend-item' }, [el('span', { class: 'swatch window-swatch' }), 'cluster window']),
  );
}
