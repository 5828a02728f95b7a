// Jobs × run dates: each cell the run's state (colour and a short label, the full
// state in its title); a click opens that job's run of that date.
import { el } from './dom.js';
import { stateClass } from './states.js';

/** Short labels that fit a cell; the title carries the full state. */
const SHORT = {
  PENDING: '·',
  WAITING: 'wait',
  WAITING_FOR_CLUSTER: 'clstr',
  SUBMITTING: 'sub…',
  SUBMITTED: 'run',
  SHADOW_SUBMITTED: 'shdw',
  SUBMIT_UNCERTAIN: 'unc?',
  RETRYING: 'retry',
  SUCCEEDED: 'ok',
  FAILED: 'FAIL',
  TIMED_OUT: 'T/O',
  UPSTREAM_FAILED: 'up✗',
  SKIPPED: 'skip',
};

export function renderGrid(container, grid, selected, onSelect) {
  const head = el('tr', {}, [
    el('th', { class: 'job-col', text: 'job' }),
    ...grid.dates.map((d) => el('th', { class: `date-col${selected?.date === d ? ' selected' : ''}`, title: d, text: d.slice(5) })),
  ]);
  const rows = grid.jobs.map((job) =>
    el('tr', { 'data-job': job.name }, [
      el('th', { class: 'job-col', scope: 'row', text: job.name }),
      ...grid.dates.map((date) => {
        const cell = job.cells[date];
        const hours = cell.hoursDone !== undefined ? ` (${cell.hoursDone}/24 hours done)` : '';
        const title = `${job.name} ${date}: ${cell.state}${hours}${cell.attempt > 1 ? ` (attempt ${cell.attempt})` : ''}${cell.manual ? ', manual' : ''}${cell.reason ? ` — ${cell.reason}` : ''}`;
        const isSelected = selected?.job === job.name && selected?.date === date;
        const button = el('button', {
          type: 'button',
          class: `cell ${stateClass(cell.state)}${isSelected ? ' selected' : ''}`,
          title,
          'aria-label': title,
          'data-date': date,
          'data-state': cell.state,
          // An hourly job's day shows its count of hours done (docs/hourly.md#status).
          text: cell.hoursDone !== undefined ? `${cell.hoursDone}/24` : (SHORT[cell.state] ?? cell.state),
        });
        button.addEventListener('click', () => onSelect(job.name, date));
        return el('td', {}, [button]);
      }),
    ]),
  );
  container.replaceChildren(el('table', { class: 'grid' }, [el('thead', {}, [head]), el('tbody', {}, rows)]));
}
