/**
 * The strings inside a JSON value (a state machine's input, a function's
 * payload): where templates may appear in those targets. Only string values
 * are templated; object keys, numbers, booleans and null are passed as they are.
 */

/** Every string value with its path, e.g. `["target.input.tables[1]", "events_{{yyyymmdd}}"]`. */
export function stringsIn(value: unknown, path: string): [path: string, text: string][] {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsIn(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) =>
      stringsIn(v, /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`),
    );
  }
  return [];
}

/** A copy of `value` with every string value replaced by `fn(string)`. */
export function mapStrings(value: unknown, fn: (text: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, fn);
    return out;
  }
  return value;
}
