// Small DOM helpers shared by the views: elements, SVG elements, time formats.

export const $ = (selector) => document.querySelector(selector);

/** An HTML element; attrs.text sets textContent, other attrs are attributes; children may be strings. */
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const child of children) if (child !== null && child !== undefined && child !== '') node.append(child);
  return node;
}

/** An SVG element; `text` sets its text. */
export function svg(tag, attrs = {}) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  return node;
}

/** HH:MM of an ISO instant (UTC, as the server reports). */
export const time = (iso) => (iso ? iso.slice(11, 16) : '');

/** YYYY-MM-DD HH:MM:SS of an ISO instant. */
export const dateTime = (iso) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : '');

/** MM-DD HH:MM of an ISO instant: compact, for tables. */
export const shortTime = (iso) => (iso ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : '');

/** Minutes as "45m" or "2h 05m". */
export const minutes = (m) =>
  m === null || m === undefined ? '' : m >= 60 ? `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m` : `${m}m`;

/** Whole minutes between two ISO instants (null when either is missing). */
export const minutesBetween = (from, to) => (from && to ? Math.round((Date.parse(to) - Date.parse(from)) / 60_000) : null);

/** A width set through the CSSOM, which the page's CSP allows (inline style attributes it does not). */
export function withWidth(node, px) {
  node.style.width = `${px}px`;
  return node;
}
