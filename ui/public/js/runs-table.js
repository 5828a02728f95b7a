// The runs of one date as a table, the day's counts by state, and its clusters.
import { el, minutes, time } from './dom.js';
import { stateChip } from './states.js';

export function renderRunsTable(tbody, status, selected, onSelect) {
  const rows = Object.entries(status.jobs).map(([name, job]) => {
    const tr = el('tr', { 'data-job': name, class: selected === name ? 'selected' : undefined }, [
      el('td', { text: name }),
      el('td', {}, [stateChip(job.state, 'state')]),
      el('td', { text: job.attempts ? String(job.attempts) : '' }),
      job.mode === 'shadow'
        ? el('td', { class: 'shadow', text: job.shadow?.decidedAt ? `shadow ${time(job.shadow.decidedAt)}` : 'shadow' })
        : el('td', { text: time(job.submittedAt) }),
      el('td', { text: time(job.finishedAt) }),
      el('td', { text: minutes(job.durationMinutes) }),
      el('td', { text: job.cluster ?? '' }),
      el('td', { class: 'muted', text: job.waitingOn.length ? `waiting on ${job.waitingOn.join(', ')}` : (job.reason ?? '') }),
    ]);
    tr.addEventListener('click', () => onSelect(name));
    return tr;
  });
  tbody.replaceChildren(...rows);
}

/** "3 SUCCEEDED 1 FAILED …" for the header. */
export function renderSummary(container, status) {
  const counts = {};
  for (const job of Object.values(status.jobs)) counts[job.state] = (counts[job.state] || 0) + 1;
  container.replaceChildren(...Object.entries(counts).map(([s, n]) => el('span', { class: 'count' }, [`${n} `, stateChip(s)])));
}

export function renderClusters(list, clusters) {
  list.replaceChildren(
    ...(clusters.length
      ? clusters.map((c) =>
          el('li', {
            text: `${c.name} ${c.state} ${c.clusterId ?? ''} ${c.masterIp ?? ''} (${time(c.windowStart)}–${time(c.windowEnd)})`,
          }),
        )
      : [el('li', { class: 'muted', text: 'none' })]),
  );
}
