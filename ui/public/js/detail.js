// The run panel: one job's run of one date (GET /api/detail) — its facts, attempts,
// every transition (when, from, to, by whom, why), the marker's params and meta,
// the submission, and the run's alerts.
import { renderAlerts } from './alerts.js';
import { $, el, minutes, minutesBetween, shortTime, withWidth } from './dom.js';
import { stateChip } from './states.js';

/** A shadow run (docs/shadow.md): when we would have submitted, next to the old scheduler's real marker. */
function shadowFacts(s) {
  if (!s) return [];
  return [
    ['mode', 'shadow: nothing is submitted; the old scheduler runs the job'],
    ['would have submitted', s.decidedAt ? `${s.decidedAt} (attempt ${s.attempt})` : 'not yet'],
    ['old scheduler started', s.startedAt ?? 'unknown (no meta.startedAt)'],
    ['old scheduler marker', s.markerAt ? `${s.markerAt} (${s.markerKey})` : 'not yet'],
    ['would have sent', s.request ? JSON.stringify(s.request) : ''],
  ];
}

function table(headers, rows) {
  return el('table', { class: 'compact' }, [
    el('thead', {}, [
      el(
        'tr',
        {},
        headers.map((h) => el('th', { text: h })),
      ),
    ]),
    el('tbody', {}, rows),
  ]);
}

const json = (value) => JSON.stringify(value, null, 2);

export function renderDetail(d) {
  $('#detail-title').textContent = `${d.job} — ${d.date}`;
  const facts = [
    ['state', d.state],
    ['target', d.target],
    ['attempt', d.attempt ? `${d.attempt}${d.manual ? ' (started by an operator)' : ''}` : ''],
    ['cluster', d.cluster ?? ''],
    ['submission id', d.submissionId ?? ''],
    ['marker', d.markerKey ?? ''],
    ['waiting on', d.waitingOn.join(', ')],
    ['reason', d.reason ?? ''],
    ...shadowFacts(d.shadow),
  ].filter(([, v]) => v);
  $('#detail-body').replaceChildren(
    el(
      'dl',
      {},
      facts.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]),
    ),
  );
  $('#detail').dataset.state = d.state;
  $('#force-hint').textContent = d.inFlight ? `${d.state}: replay, run and mark need force` : '';

  $('#attempts').replaceChildren(
    d.attempts.length === 0
      ? el('p', { class: 'muted', text: 'no attempt yet' })
      : table(
          ['#', 'started', 'by', 'waited', 'ran', 'state'],
          d.attempts.map((a) =>
            el('tr', { 'data-attempt': a.attempt, title: a.why }, [
              el('td', { text: String(a.attempt) }),
              el('td', { text: shortTime(a.startedAt) }),
              el('td', {}, [a.startedBy, el('div', { class: 'muted', text: a.why })]),
              el('td', { text: minutes(minutesBetween(a.startedAt, a.submittedAt ?? a.endedAt)) }),
              el('td', { text: a.submittedAt ? minutes(minutesBetween(a.submittedAt, a.endedAt)) || (a.endedAt ? '0m' : 'running') : '' }),
              el('td', {}, [stateChip(a.state)]),
            ]),
          ),
        ),
  );
  $('#transitions').replaceChildren(
    d.transitions.length === 0
      ? el('p', { class: 'muted', text: 'no transitions yet' })
      : table(
          ['at', '#', 'to', 'by', 'why'],
          d.transitions.map((t) =>
            el('tr', {}, [
              el('td', { text: shortTime(t.at) }),
              el('td', { text: String(t.attempt ?? '') }),
              el('td', { title: `from ${t.from}` }, [stateChip(t.to), el('div', { class: 'muted', text: `from ${t.from}` })]),
              el('td', { text: t.by }),
              el('td', { class: 'muted', text: t.why }),
            ]),
          ),
        ),
  );
  $('#marker').textContent = d.params || d.meta ? json({ params: d.params ?? {}, meta: d.meta ?? {} }) : 'no marker yet';
  const s = d.submission;
  $('#submission-title').textContent =
    s.kind === 'shadow'
      ? 'Submission (shadow: recorded, not sent)'
      : s.kind === 'rendered'
        ? `Submission (attempt ${d.attempt}, rendered now)`
        : 'Submission';
  $('#submission').textContent = s.kind === 'none' ? s.why : json(s.request);
  renderAlerts($('#run-alerts'), d.alerts, { flat: true });
}

export function renderHistory(history) {
  const max = Math.max(1, ...history.runs.map((r) => r.durationMinutes ?? 0));
  const rate = history.stats.successRate === null ? 'n/a' : `${Math.round(history.stats.successRate * 100)}%`;
  $('#history').replaceChildren(
    el('p', {
      class: 'muted',
      text: `success rate ${rate}, p50 ${minutes(history.stats.p50Minutes)}, p95 ${minutes(history.stats.p95Minutes)}`,
    }),
    el(
      'table',
      { class: 'compact' },
      history.runs.map((r) =>
        el('tr', {}, [
          el('td', { text: r.date }),
          el('td', {}, [stateChip(r.state)]),
          el('td', { text: minutes(r.durationMinutes) }),
          el('td', {}, [withWidth(el('span', { class: 'bar' }), Math.round(((r.durationMinutes ?? 0) / max) * 160))]),
        ]),
      ),
    ),
  );
}
