// The rsched web UI: one page over the JSON API of ui/server.ts (docs/ui.md). Plain
// ES modules, no framework and no build step. One rule keeps the run panel honest:
// it always shows the page's date, so an action can only ever act on the job and
// date the panel names (changing the date re-targets the panel).
import { renderAlerts } from './alerts.js';
import { api, query } from './api.js';
import { renderBackfillDates, renderBackfillList } from './backfills.js';
import { renderDetail, renderHistory } from './detail.js';
import { $, el } from './dom.js';
import { refreshed, refreshFailed, startTicking } from './freshness.js';
import { renderGantt } from './gantt.js';
import { renderGraph } from './graph.js';
import { renderGrid } from './grid.js';
import { renderClusters, renderRunsTable, renderSummary } from './runs-table.js';
import { renderLegend } from './states.js';

const params = new URLSearchParams(location.search);
/** Poll interval; `?poll=ms` (at least 500) lets tests see staleness sooner. */
const POLL_MS = Math.max(500, Number(params.get('poll')) || 5000);
const VIEWS = ['day', 'grid', 'gantt', 'backfills'];

const state = {
  meta: null,
  today: null,
  date: null,
  view: VIEWS.includes(params.get('view')) ? params.get('view') : 'day',
  /** The run in the panel: { job, date }, date always the page's date. */
  selected: null,
  /** Incremented per panel load: an answer for an earlier selection is dropped. */
  detailSeq: 0,
  gridTo: null,
  backfillOpen: params.get('backfill'),
};

const selectedJob = () => state.selected?.job ?? null;

function writeUrl() {
  const q = new URLSearchParams({ date: state.date, view: state.view });
  history.replaceState(null, '', `?${q}${location.hash}`);
}

function setView(view) {
  state.view = view;
  for (const v of VIEWS) $(`#view-${v}`).hidden = v !== view;
  for (const b of document.querySelectorAll('#views button')) b.setAttribute('aria-pressed', String(b.dataset.view === view));
  writeUrl();
  void poll();
}

/** Moves the page to `date`; an open run panel follows to the same job on that date. */
function setDate(date) {
  if (date === state.date) return;
  state.date = date;
  $('#date').value = date;
  writeUrl();
  if (state.selected) {
    state.selected = { job: state.selected.job, date };
    showDetailLoading();
    void loadDetail();
  }
  void poll();
}

function showDetailLoading() {
  const { job, date } = state.selected;
  $('#detail').hidden = false;
  $('#detail').dataset.job = job;
  $('#detail').dataset.date = date;
  $('#detail-title').textContent = `${job} — ${date}`;
  $('#detail-body').replaceChildren(el('p', { class: 'muted', text: 'loading…' }));
  $('#action-result').textContent = '';
  // Force is chosen for one run at a time: it never carries over to another job or date.
  $('#force').checked = false;
  setActionsEnabled(false);
}

function setActionsEnabled(enabled) {
  for (const b of document.querySelectorAll('#detail .actions button')) b.disabled = !enabled;
}

/** Opens the panel on `job`'s run of `date` (the page moves to that date). */
function select(job, date = state.date) {
  if (date !== state.date) {
    state.selected = null;
    setDate(date);
  }
  state.selected = { job, date };
  showDetailLoading();
  $('#detail').scrollIntoView({ block: 'nearest', behavior: 'instant' });
  void loadDetail();
  void poll();
}

function closeDetail() {
  state.selected = null;
  state.detailSeq++;
  $('#detail').hidden = true;
  void poll();
}

async function loadDetail() {
  if (!state.selected) return;
  const seq = ++state.detailSeq;
  const { job, date } = state.selected;
  try {
    const [detail, history] = await Promise.all([api(query('/api/detail', { job, date })), api(query('/api/history', { job, days: 14 }))]);
    if (seq !== state.detailSeq) return;
    renderDetail(detail);
    renderHistory(history);
    setActionsEnabled(true);
  } catch (err) {
    if (seq === state.detailSeq)
      $('#detail-body').replaceChildren(el('p', { class: 'error', text: `could not read the run: ${err.message}` }));
  }
}

// ---------------------------------------------------------------------------
// Actions: the same operations as rsched replay / run / mark, on the run the panel shows.

function say(text) {
  $('#action-result').textContent = text;
}

async function act(path, body, question) {
  if (!window.confirm(question)) return say('cancelled; nothing changed');
  try {
    const result = await api(path, body);
    say(`done: ${JSON.stringify(result)}`);
  } catch (err) {
    say(`refused: ${err.message}`);
  }
  await loadDetail();
  await poll();
}

function target() {
  const { job, date } = state.selected;
  return { job, date, force: $('#force').checked };
}

async function replayWithPlan(downstream) {
  const body = { ...target(), downstream };
  try {
    const plan = await api('/api/replay-plan', body);
    if (plan.refusals.length) return say(`refused: ${plan.refusals.join('; ')}`);
    const jobs = plan.runs.map((r) => r.job).join(', ');
    await act(
      '/api/replay',
      body,
      `Replay ${body.job} for ${body.date}${downstream ? ' with its downstream' : ''}: start new attempts of ${jobs}?`,
    );
  } catch (err) {
    say(`refused: ${err.message}`);
  }
}

function wireActions() {
  const force = () => ($('#force').checked ? ' (force: even if it is in flight)' : '');
  $('#replay').addEventListener('click', () => replayWithPlan(false));
  $('#replay-downstream').addEventListener('click', () => replayWithPlan(true));
  $('#run').addEventListener('click', () => {
    const t = target();
    return act('/api/run', t, `Run ${t.job} for ${t.date} now, regardless of its upstreams${force()}?`);
  });
  $('#mark').addEventListener('click', () => {
    const t = target();
    return act('/api/mark', t, `Mark ${t.job} for ${t.date} done: write its .done marker${force()}?`);
  });
  $('#mark-failed').addEventListener('click', () => {
    const t = target();
    return act('/api/mark', { ...t, failed: true }, `Mark ${t.job} for ${t.date} failed: write its .failed marker${force()}?`);
  });
  $('#detail-close').addEventListener('click', closeDetail);
}

// ---------------------------------------------------------------------------
// Polling: every view re-reads its data; a failure shows in the banner (freshness.js).

async function readDay(date) {
  const [status, alerts] = await Promise.all([api(query('/api/status', { date })), api(query('/api/alerts', { date }))]);
  if (date !== state.date) return;
  renderGraph($('#graph'), state.meta.jobs, status, selectedJob(), (job) => select(job));
  renderRunsTable($('#jobs tbody'), status, selectedJob(), (job) => select(job));
  renderSummary($('#summary'), status);
  renderClusters($('#clusters'), status.clusters);
  $('#alerts-date').textContent = date;
  renderAlerts($('#alerts'), alerts.alerts);
}

async function readView(date) {
  if (state.view === 'grid') {
    const to = state.gridTo ?? state.today;
    const grid = await api(query('/api/grid', { to }));
    $('#grid-range').textContent = `${grid.dates[0]} … ${grid.dates[grid.dates.length - 1]}`;
    renderGrid($('#grid'), grid, state.selected, (job, day) => select(job, day));
  } else if (state.view === 'gantt') {
    const gantt = await api(query('/api/gantt', { date }));
    if (date === state.date) renderGantt($('#gantt'), gantt, selectedJob(), (job) => select(job));
  } else if (state.view === 'backfills') {
    const list = await api('/api/backfills');
    renderBackfillList($('#backfill-list'), list, state.backfillOpen, { onOpen: openBackfill, onCancel: cancelBackfill });
    const open = state.backfillOpen ? await api(query('/api/backfill', { id: state.backfillOpen })) : null;
    renderBackfillDates($('#backfill-dates'), open);
  }
}

function openBackfill(id) {
  state.backfillOpen = id;
  void poll();
}

async function cancelBackfill(b) {
  if (
    !window.confirm(
      `Cancel backfill ${b.id} (${b.job} ${b.from} … ${b.to})? Dates not started are dropped; runs already started finish on their own.`,
    )
  )
    return;
  try {
    const result = await api('/api/backfill-cancel', { id: b.id });
    $('#backfill-result').textContent = `done: ${result.id} ${result.state}`;
  } catch (err) {
    $('#backfill-result').textContent = `refused: ${err.message}`;
  }
  await poll();
}

let polling = null;
/** One refresh of everything shown; concurrent callers share it. */
function poll() {
  polling ??= (async () => {
    try {
      const clock = await api('/api/clock');
      state.today = clock.today;
      const date = state.date;
      await Promise.all([readDay(date), readView(date), state.selected ? loadDetail() : null]);
      refreshed(clock.now);
    } catch (err) {
      refreshFailed(err);
    } finally {
      polling = null;
    }
  })();
  return polling;
}

function schedule() {
  setTimeout(() => void poll().finally(schedule), POLL_MS);
}

async function main() {
  renderLegend($('#legend'));
  startTicking();
  state.meta = await api('/api/meta');
  state.today = state.meta.today;
  state.date = params.get('date') || state.meta.today;
  $('#target').textContent = state.meta.description;
  $('#date').value = state.date;
  $('#date').addEventListener('change', (e) => e.target.value && setDate(e.target.value));
  for (const b of document.querySelectorAll('#views button')) b.addEventListener('click', () => setView(b.dataset.view));
  $('#grid-earlier').addEventListener('click', () => {
    state.gridTo = shiftDate(state.gridTo ?? state.today, -14);
    void poll();
  });
  $('#grid-later').addEventListener('click', () => {
    state.gridTo = shiftDate(state.gridTo ?? state.today, 14);
    void poll();
  });
  wireActions();
  setView(state.view);
  await poll();
  schedule();
}

function shiftDate(date, days) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

main().catch((err) => {
  refreshFailed(err);
  document.body.prepend(el('p', { class: 'error', text: `rsched UI could not load: ${err.message}` }));
});
