// The JSON API of ui/server.ts, with the token that changes need.

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

/** GET `path`, or POST `body` as JSON with the token; throws an Error carrying the server's message. */
export async function api(path, body) {
  const response = await fetch(
    path,
    body === undefined
      ? // A read that hangs counts as a failure (the page then says it cannot refresh) rather than stalling the polls.
        { cache: 'no-store', signal: AbortSignal.timeout(15_000) }
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
  if (!response.ok) throw new Error(data.error || `${response.status} ${response.statusText}`);
  return data;
}

/** `path` with query parameters (undefined ones left out). */
export function query(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) q.set(k, String(v));
  return `${path}?${q}`;
}
