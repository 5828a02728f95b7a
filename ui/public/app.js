// The rsched web UI: one page over the JSON API of ui/server.ts. No framework, no build.

const $ = (selector) => document.querySelector(selector);
const state = { meta: null, status: null, selected: null, date: null };

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

/**
 * The token that changes need: the server prints the UI's address with `#token=…`
 * (a fragment never reaches a server or a Referer). Kept for this tab so a reload
 * without the fragment still works.
 */
const token = (() => {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) sessionStorage.setItem('rsched-token', fromHash);
  return fromHash || sessionStorage.getItem('rsched-token') || '';
})();

async function api(path, body) {
  const response = await fetch(
    path,
    body === undefined
      ? {}
      : {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-rsched-token': token },
          body: JSON.stringify(body),
        },
  );
  const text = await response.text();
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    data = { error: text.trim() };
  }
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

const time = (iso) => (iso ? iso.slice(11, 16) : '');
const minutes = (m) =>
  m === null || m === undefined ? '' : m >= 60 ? `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m` : `${m}m`;

/** Columns by longest path from the roots; rows in topological order within a column. */
function layout(jobs) {
  const depth = new Map();
  for (const job of jobs) depth.set(job.name, Math.max(0, ...job.dependsOn.map((u) => depth.get(u) + 1)));
  const columns = new Map();
  for (const job of jobs) {
    const d = depth.get(job.name);
    if (!columns.has(d)) columns.set(d, []);
    columns.get(d).push(job.name);
  }
  const pos = new Map();
  for (const [d, names] of columns) {
    names.forEach((name, i) => {
      pos.set(name, { x: 10 + d * 180, y: 10 + i * 40 });
    });
  }
  return pos;
}

function renderGraph() {
  const { meta, status } = state;
  const pos = layout(meta.jobs);
  const width = Math.max(...[...pos.values()].map((p) => p.x)) + 170;
  const height = Math.max(...[...pos.values()].map((p) => p.y)) + 40;
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  for (const job of meta.jobs) {
    for (const up of job.dependsOn) {
      const a = pos.get(up);
      const b = pos.get(job.name);
      const mid = (a.x + 150 + b.x) / 2;
      root.append(svg('path', { class: 'edge', d: `M${a.x + 150},${a.y + 14} C${mid},${a.y + 14} ${mid},${b.y + 14} ${b.x},${b.y + 14}` }));
    }
  }
  for (const job of meta.jobs) {
    const p = pos.get(job.name);
    const s = status.jobs[job.name]?.state ?? 'PENDING';
    const g = svg('g', { class: 'node', 'data-job': job.name, transform: `translate(${p.x},${p.y})` });
    const shadow = job.mode === 'shadow';
    g.append(svg('rect', { width: 150, height: 28, class: `fill-${s}${shadow ? ' shadow' : ''}` }));
    const label = svg('text', { x: 6, y: 18 });
    label.textContent = shadow ? `${job.name} · shadow` : job.name;
    g.append(label);
    const title = svg('title');
    // docs/shadow.md: a shadow job is never submitted; the old scheduler's markers drive it.
    title.textContent = `${job.name}: ${s}${shadow ? ' (shadow mode: nothing is submitted)' : ''}`;
    g.append(title);
    g.addEventListener('click', () => select(job.name));
    root.append(g);
  }
  $('#graph').replaceChildren(root);
}

function renderTable() {
  const rows = Object.entries(state.status.jobs).map(([name, job]) => {
    const tr = el('tr', { 'data-job': name }, [
      el('td', { text: name }),
      el('td', { class: `state ${job.state}`, text: job.state }),
      el('td', { text: job.attempts ? String(job.attempts) : '' }),
      job.mode === 'shadow'
        ? el('td', { class: 'shadow', text: job.shadow?.decidedAt ? `shadow ${time(job.shadow.decidedAt)}` : 'shadow' })
        : el('td', { text: time(job.submittedAt) }),
      el('td', { text: time(job.finishedAt) }),
      el('td', { text: minutes(job.durationMinutes) }),
      el('td', { text: job.cluster ?? '' }),
      el('td', { class: 'muted', text: job.waitingOn.length ? `waiting on ${job.waitingOn.join(', ')}` : (job.reason ?? '') }),
    ]);
    tr.addEventListener('click', () => select(name));
    return tr;
  });
  $('#jobs tbody').replaceChildren(...rows);
  const counts = {};
  for (const job of Object.values(state.status.jobs)) counts[job.state] = (counts[job.state] || 0) + 1;
  $('#summary').replaceChildren(...Object.entries(counts).map(([s, n]) => el('span', { class: `state ${s}`, text: `${n} ${s} ` })));
}

function renderSide() {
  const { clusters, alerts } = state.status;
  $('#clusters').replaceChildren(
    ...(clusters.length
      ? clusters.map((c) =>
          el('li', { text: `${c.name} ${c.state} ${c.clusterId ?? ''} ${c.masterIp ?? ''} (${time(c.windowStart)}–${time(c.windowEnd)})` }),
        )
      : [el('li', { class: 'muted', text: 'none' })]),
  );
  $('#alerts').replaceChildren(
    ...(alerts.length
      ? alerts.map((a) =>
          el('li', {}, [
            el('strong', { class: 'FAILED', text: `${a.kind} ` }),
            a.shadow ? el('span', { class: 'muted', text: '(shadow: recorded, not sent) ' }) : '',
            `${time(a.at)} ${a.message}`,
          ]),
        )
      : [el('li', { class: 'muted', text: 'none' })]),
  );
}

// A bar of `px` pixels; set through the CSSOM, which the page's CSP allows (inline style attributes it does not).
function bar(px) {
  const span = el('span', { class: 'bar' });
  span.style.width = `${px}px`;
  return span;
}

/** A shadow run (docs/shadow.md): when we would have submitted, next to the old scheduler's real marker. */
function shadowFacts(job) {
  if (job.mode !== 'shadow') return [];
  const s = job.shadow ?? {};
  return [
    ['mode', 'shadow: nothing is submitted; the old scheduler runs the job'],
    ['would have submitted', s.decidedAt ? `${s.decidedAt} (attempt ${s.attempt})` : 'not yet'],
    ['old scheduler started', s.startedAt ?? 'unknown (no meta.startedAt)'],
    ['old scheduler marker', s.markerAt ? `${s.markerAt} (${s.markerKey})` : 'not yet'],
    ['would have sent', s.request ? JSON.stringify(s.request) : ''],
  ];
}

async function select(name) {
  state.selected = name;
  const job = state.status.jobs[name];
  $('#detail').hidden = false;
  $('#detail-title').textContent = `${name} — ${state.date}`;
  const facts = [
    ['state', job.state],
    ['attempts', String(job.attempts)],
    ['submissions', String(job.submissions)],
    ['submitted', job.submittedAt ?? ''],
    ['finished', job.finishedAt ?? ''],
    ['cluster', job.cluster ?? ''],
    ['waiting on', job.waitingOn.join(', ')],
    ['reason', job.reason ?? ''],
    ['meta', job.meta ? JSON.stringify(job.meta) : ''],
    ...shadowFacts(job),
  ].filter(([, v]) => v);
  $('#detail-body').replaceChildren(
    el(
      'dl',
      {},
      facts.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]),
    ),
  );
  $('#action-result').textContent = '';
  const history = await api(`/api/history?job=${encodeURIComponent(name)}&days=14`);
  const max = Math.max(1, ...history.runs.map((r) => r.durationMinutes ?? 0));
  $('#history').replaceChildren(
    el('p', {
      class: 'muted',
      text: `success rate ${history.stats.successRate === null ? 'n/a' : `${Math.round(history.stats.successRate * 100)}%`}, p50 ${minutes(history.stats.p50Minutes)}, p95 ${minutes(history.stats.p95Minutes)}`,
    }),
    el(
      'table',
      {},
      history.runs.map((r) =>
        el('tr', {}, [
          el('td', { text: r.date }),
          el('td', { class: `state ${r.state}`, text: r.state }),
          el('td', { text: minutes(r.durationMinutes) }),
          el('td', {}, [bar(Math.round(((r.durationMinutes ?? 0) / max) * 200))]),
        ]),
      ),
    ),
  );
}

async function act(path, body, question) {
  if (question && !window.confirm(question)) return;
  try {
    const result = await api(path, body);
    $('#action-result').textContent = `done: ${JSON.stringify(result)}`;
    await refresh();
  } catch (err) {
    $('#action-result').textContent = `refused: ${err.message}`;
  }
}

async function replayWithPlan(downstream) {
  const body = { job: state.selected, date: state.date, downstream };
  try {
    const plan = await api('/api/replay-plan', body);
    if (plan.refusals.length) {
      $('#action-result').textContent = `refused: ${plan.refusals.join('; ')}`;
      return;
    }
    await act('/api/replay', body, `Start new attempts of: ${plan.runs.map((r) => r.job).join(', ')}?`);
  } catch (err) {
    $('#action-result').textContent = `refused: ${err.message}`;
  }
}

async function refresh() {
  state.status = await api(`/api/status?date=${state.date}`);
  renderGraph();
  renderTable();
  renderSide();
  $('#updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
}

async function main() {
  state.meta = await api('/api/meta');
  state.date = new URLSearchParams(location.search).get('date') || state.meta.today;
  $('#target').textContent = state.meta.description;
  $('#date').value = state.date;
  $('#date').addEventListener('change', (e) => {
    state.date = e.target.value;
    void refresh();
  });
  $('#replay').addEventListener('click', () => replayWithPlan(false));
  $('#replay-downstream').addEventListener('click', () => replayWithPlan(true));
  $('#run').addEventListener('click', () =>
    act('/api/run', { job: state.selected, date: state.date }, `Run ${state.selected} now, regardless of its upstreams?`),
  );
  $('#mark').addEventListener('click', () =>
    act('/api/mark', { job: state.selected, date: state.date }, `Write ${state.selected}'s .done marker?`),
  );
  await refresh();
  setInterval(() => void refresh().catch(() => {}), 5000);
}

main().catch((err) => {
  document.body.prepend(el('p', { class: 'FAILED', text: `rsched UI could not load: ${err.message}` }));
});
