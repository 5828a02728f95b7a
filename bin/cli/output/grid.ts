import { dim, stateColour, table } from './format';

/**
 * Two-character codes for the jobs × dates grid (`rsched status --from --to`):
 * failures in capitals so they stand out even without colour.
 */
export const STATE_CODES: Readonly<Record<string, string>> = {
  PENDING: '·',
  WAITING: 'wt',
  WAITING_FOR_CLUSTER: 'wc',
  SUBMITTING: 'sg',
  SUBMITTED: 'ru',
  SUBMIT_UNCERTAIN: 'U?',
  SHADOW_SUBMITTED: 'sh',
  RETRYING: 'rt',
  SUCCEEDED: 'ok',
  FAILED: 'FA',
  TIMED_OUT: 'TO',
  UPSTREAM_FAILED: 'UF',
  SKIPPED: 'sk',
};

export function stateCode(state: string): string {
  return STATE_CODES[state] ?? state.slice(0, 2);
}

/** One line: "ok SUCCEEDED  wt WAITING  …" for the codes that appear. */
export function legend(states: Iterable<string>): string {
  const seen = new Set(states);
  return Object.entries(STATE_CODES)
    .filter(([state]) => seen.has(state))
    .map(([state, code]) => `${stateColour(state)(code)} ${dim(state)}`)
    .join('  ');
}

/**
 * Rows of jobs, columns of dates ("11-22"), each cell a state code; a last
 * column for notes. An hourly job's cell is its count of hours done (`24` a
 * full day), coloured by the day's rolled-up state (docs/hourly.md#status).
 */
export function renderGrid(
  dates: readonly string[],
  rows: readonly { job: string; states: readonly string[]; counts?: readonly (number | undefined)[]; note: string }[],
): string {
  const cell = (state: string, count: number | undefined) => stateColour(state)(count === undefined ? stateCode(state) : String(count));
  return table(
    rows.map((r) => [r.job, ...r.states.map((s, i) => cell(s, r.counts?.[i])), dim(r.note)]),
    ['job', ...dates.map((d) => d.slice(5)), 'latest'],
  );
}
