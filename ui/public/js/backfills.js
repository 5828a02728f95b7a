// Backfills (docs/scheduling.md#backfills): the list, one backfill's dates with
// the runs of each date and why they wait, fail or were skipped, and cancel.
import { dateTime, el } from './dom.js';
import { stateChip } from './states.js';

function progress(b) {
  const counts = {};
  for (const d of Object.values(b.dates)) counts[d.status] = (counts[d.status] ?? 0) + 1;
  return Object.entries(counts)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
}

/** The list; `onOpen(id)` shows one, `onCancel(backfill)` cancels it. */
export function renderBackfillList(container, backfills, openId, { onOpen, onCancel }) {
  if (backfills.length === 0) {
    return container.replaceChildren(
      el('p', { class: 'muted', text: 'No backfills. Start one with: rsched backfill JOB --from D --to D' }),
    );
  }
  const rows = backfills.map((b) => {
    const open = el('button', { type: 'button', class: 'open-backfill', text: openId === b.id ? 'shown' : 'show' });
    open.addEventListener('click', () => onOpen(b.id));
    const cancel = b.state === 'RUNNING' ? el('button', { type: 'button', class: 'cancel-backfill', text: 'Cancel' }) : '';
    if (cancel) cancel.addEventListener('click', () => onCancel(b));
    return el('tr', { 'data-backfill': b.id, class: openId === b.id ? 'selected' : undefined }, [
      el('td', { text: b.id }),
      el('td', { text: `${b.job}${b.downstream ? ' + downstream' : ''}` }),
      el('td', { text: `${b.from} … ${b.to}` }),
      el('td', { class: `bf-state bf-${b.state}`, text: b.state }),
      el('td', { text: progress(b) }),
      el('td', { class: 'muted', text: `${dateTime(b.createdAt)} by ${b.createdBy}` }),
      el('td', {}, [open, ' ', cancel]),
    ]);
  });
  container.replaceChildren(
    el('table', { class: 'backfills' }, [
      el('thead', {}, [
        el(
          'tr',
          {},
          ['id', 'job', 'dates', 'state', 'progress', 'created', ''].map((h) => el('th', { text: h })),
        ),
      ]),
      el('tbody', {}, rows),
    ]),
  );
}

/** One backfill's dates (GET /api/backfill): status, note, and each run's state, attempt and reason. */
export function renderBackfillDates(container, backfill) {
  if (!backfill) return container.replaceChildren();
  container.replaceChildren(
    el('h3', {
      text: `${backfill.id}: ${backfill.job}${backfill.downstream ? ' + downstream' : ''}, reprocess ${backfill.reprocess}, ${backfill.parallel} in flight at most`,
    }),
    el('table', { class: 'backfill-dates' }, [
      el('thead', {}, [
        el(
          'tr',
          {},
          ['date', 'status', 'runs'].map((h) => el('th', { text: h })),
        ),
      ]),
      el(
        'tbody',
        {},
        backfill.status.map((d) =>
          el('tr', { 'data-date': d.date }, [
            el('td', { text: d.date }),
            el('td', {}, [
              el('span', { class: `bf-status bf-${d.status}`, text: d.status }),
              d.note ? el('div', { class: 'muted', text: d.note }) : '',
            ]),
            el('td', {}, [
              el(
                'table',
                { class: 'compact bf-runs' },
                d.runs.map((r) =>
                  el('tr', { class: 'bf-run' }, [
                    el('td', { text: r.job }),
                    el('td', {}, [stateChip(r.state)]),
                    el('td', { text: `attempt ${r.attempt}` }),
                    el('td', { class: 'muted', text: r.reason ?? '' }),
                  ]),
                ),
              ),
            ]),
          ]),
        ),
      ),
    ]),
  );
}
