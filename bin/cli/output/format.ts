/** Small helpers for terminal output: colour only on a TTY that wants it. */
const useColour = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;

const paint = (code: number) => (text: string) => (useColour ? `\u001b[${code}m${text}\u001b[0m` : text);
export const red = paint(31);
export const green = paint(32);
export const yellow = paint(33);
export const dim = paint(2);
export const bold = paint(1);

export function stateColour(state: string): (text: string) => string {
  if (state === 'SUCCEEDED') return green;
  // Not run on purpose (docs/calendars.md): neither a success nor a problem.
  if (state === 'SKIPPED') return dim;
  if (['FAILED', 'TIMED_OUT', 'UPSTREAM_FAILED'].includes(state) || state.startsWith('ALERT')) return red;
  if (['WAITING', 'WAITING_FOR_CLUSTER', 'RETRYING', 'SUBMITTING', 'SUBMITTED', 'SUBMIT_UNCERTAIN', 'SHADOW_SUBMITTED'].includes(state))
    return yellow;
  return (t) => t;
}

/** "3h 05m" from minutes. */
export function formatMinutes(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m`;
}

/** HH:MM of an ISO instant in UTC, with "+1d" when it is past the reference day. */
export function clockTime(iso: string, day: string): string {
  const time = iso.slice(11, 16);
  const days = Math.round((Date.parse(iso.slice(0, 10)) - Date.parse(day)) / 86_400_000);
  return days === 0 ? time : `${time}${days > 0 ? `+${days}d` : `${days}d`}`;
}

/** Renders rows as aligned columns. */
export function table(rows: readonly (readonly string[])[], header?: readonly string[]): string {
  const all = header ? [header, ...rows] : rows;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strip ANSI colour codes to measure width.
  const visible = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '').length;
  const widths: number[] = [];
  for (const row of all) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visible(cell));
    });
  }
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visible(cell))))
      .join('  ')
      .trimEnd();
  const out = all.map(line);
  if (header) out.splice(1, 0, widths.map((w) => '─'.repeat(w)).join('  '));
  return `${out.join('\n')}\n`;
}
