// Alerts of a date, grouped by kind and then by job, each open or resolved (its run
// later SUCCEEDED), with its `next:` step. Groups start folded but for their first
// few open alerts, and the list scrolls on its own: a flood of alerts never pushes
// the runs off the screen.
import { el, time } from './dom.js';

/** At most this many alerts are listed per group; the rest are counted. */
const PER_GROUP = 20;

function groupBy(items, key) {
  const groups = new Map();
  for (const item of items) {
    const k = key(item);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(item);
  }
  return groups;
}

function alertItem(a) {
  return el('li', { class: `alert ${a.open ? 'open' : 'resolved'}`, 'data-kind': a.kind, 'data-job': a.job ?? '' }, [
    el('span', { class: `badge ${a.open ? 'badge-open' : 'badge-resolved'}`, text: a.open ? 'open' : 'resolved' }),
    ' ',
    el('span', { class: 'muted', text: `${time(a.at)} ` }),
    a.shadow ? el('span', { class: 'muted', text: '(shadow: recorded, not sent) ' }) : '',
    el('span', { text: a.message }),
    a.next ? el('div', { class: 'next' }, [el('strong', { text: 'next: ' }), el('code', { text: a.next })]) : '',
    a.resolvedBy ? el('div', { class: 'muted', text: `resolved: ${a.resolvedBy}` }) : '',
  ]);
}

/** `flat`: the alerts of one run (the run panel), listed without groups. */
export function renderAlerts(container, alerts, { flat = false } = {}) {
  if (alerts.length === 0) return container.replaceChildren(el('p', { class: 'muted', text: 'none' }));
  if (flat) return container.replaceChildren(el('ul', { class: 'alerts' }, alerts.map(alertItem)));
  const byKind = [...groupBy(alerts, (a) => a.kind)].sort(
    ([, a], [, b]) => b.filter((x) => x.open).length - a.filter((x) => x.open).length,
  );
  container.replaceChildren(
    ...byKind.map(([kind, list]) => {
      const open = list.filter((a) => a.open).length;
      const jobs = [...groupBy(list, (a) => a.job ?? a.subject ?? '—')];
      const details = el('details', { class: 'alert-group', 'data-kind': kind, open: open > 0 && open <= 5 }, [
        el('summary', {}, [
          el('strong', { class: 'kind', text: kind }),
          ` ${list.length} alert${list.length === 1 ? '' : 's'}, `,
          el('span', { class: open ? 'badge badge-open' : 'badge badge-resolved', text: `${open} open` }),
          el('span', {
            class: 'muted',
            text: ` — ${jobs
              .map(([job]) => job)
              .slice(0, 4)
              .join(', ')}${jobs.length > 4 ? ', …' : ''}`,
          }),
        ]),
      ]);
      const items = jobs.flatMap(([, items]) => items).slice(0, PER_GROUP);
      details.append(el('ul', { class: 'alerts' }, items.map(alertItem)));
      if (list.length > PER_GROUP) details.append(el('p', { class: 'muted', text: `… and ${list.length - PER_GROUP} more` }));
      return details;
    }),
  );
}
