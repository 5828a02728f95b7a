// How fresh the page is: "updated 3 s ago" while polling works; a banner that says
// the page can no longer refresh (and since when its data is) once a poll fails or
// hangs. Nothing is swallowed: the banner carries the error.
import { $ } from './dom.js';

const state = { lastOk: null, error: null, serverNow: null };

function ago(ms) {
  const s = Math.round(ms / 1000);
  return s < 90 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
}

function show() {
  const since = state.lastOk ? ago(Date.now() - state.lastOk) : 'never';
  $('#freshness').textContent = state.lastOk ? `updated ${since}` : 'loading…';
  const banner = $('#stale-banner');
  if (state.error) {
    banner.hidden = false;
    banner.textContent = `This page can no longer refresh: ${state.error}. What it shows is from ${
      state.lastOk ? `${new Date(state.lastOk).toLocaleTimeString()} (${since})` : 'before the failure'
    }; it keeps trying every few seconds.`;
    document.body.classList.add('stale');
  } else {
    banner.hidden = true;
    document.body.classList.remove('stale');
  }
  if (state.serverNow) $('#clock').textContent = `clock ${state.serverNow.slice(0, 10)} ${state.serverNow.slice(11, 19)} UTC`;
}

/** A poll succeeded; `serverNow` is the scheduler's (dev) clock it reported. */
export function refreshed(serverNow) {
  state.lastOk = Date.now();
  state.error = null;
  state.serverNow = serverNow;
  show();
}

/** A poll failed (server stopped, network, an error answer). */
export function refreshFailed(error) {
  state.error = error instanceof Error ? error.message : String(error);
  show();
}

/** Keeps "N s ago" current between polls. */
export function startTicking() {
  show();
  setInterval(show, 1000);
}
