import { createHash } from 'node:crypto';

// The console's only stylesheet and script, served by ConsoleAssetsController from this module
// (no build step, no CDN; the Content-Security-Policy allows nothing but 'self'). Kept as strings
// in TypeScript so the app bundle carries them.

/** Colours meet WCAG AA contrast on their backgrounds; focus is always visible. */
export const CONSOLE_CSS = `
:root { --fg: #1a1a1a; --muted: #555; --bg: #fff; --panel: #f5f6f8; --line: #d0d4da; --link: #0b57d0; --focus: #0b57d0;
  --ok-fg: #0f5132; --ok-bg: #d1e7dd; --bad-fg: #842029; --bad-bg: #f8d7da; --warn-fg: #664d03; --warn-bg: #fff3cd; --neutral-fg: #41464b; --neutral-bg: #e2e3e5; }
* { box-sizing: border-box; }
html { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
body { margin: 0; }
a { color: var(--link); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip-link { position: absolute; left: -9999px; top: 0; background: var(--bg); padding: .5rem 1rem; z-index: 10; }
.skip-link:focus { left: .5rem; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.site-header { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem 2rem; padding: .6rem 1.5rem; background: #1f2d3d; color: #fff; }
.site-header a { color: #fff; }
.site-header a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
.brand { margin: 0; font-weight: 700; }
.nav { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; list-style: none; margin: 0; padding: 0; }
.signed-in { margin: 0 0 0 auto; }
.site-header .signed-in { color: #fff; }
.signed-in + .signout { margin-left: 0; }
.signout { margin-left: auto; }
.tenant-nav { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 2rem; padding: .5rem 1.5rem; background: var(--panel); border-bottom: 1px solid var(--line); }
.tenant-nav a[aria-current="page"] { font-weight: 700; color: var(--fg); }
.tenant-name { margin: 0; }
main { padding: 1rem 1.5rem 2rem; max-width: 1400px; }
main:focus { outline: none; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
.site-footer { padding: 1rem 1.5rem; color: var(--muted); border-top: 1px solid var(--line); }
button { font: inherit; padding: .35rem .9rem; border: 1px solid #5c6670; border-radius: 4px; background: #fff; color: var(--fg); cursor: pointer; }
button.primary { background: var(--link); border-color: var(--link); color: #fff; }
a.button { display: inline-block; padding: .35rem .9rem; border: 1px solid var(--link); border-radius: 4px; text-decoration: none; }
a.button.primary { background: var(--link); color: #fff; }
.site-header button { background: transparent; color: #fff; border-color: #c9d1d9; }
input, select { font: inherit; padding: .3rem .4rem; border: 1px solid #5c6670; border-radius: 4px; background: #fff; color: var(--fg); }
label { display: block; font-weight: 600; font-size: .9rem; margin-bottom: .2rem; }
.filters { display: flex; flex-wrap: wrap; gap: .75rem 1rem; align-items: flex-end; padding: .75rem; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; margin-bottom: 1rem; }
.login { max-width: 28rem; display: grid; gap: .75rem; }
.login input { width: 100%; }
table.data { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
table.data caption { text-align: left; color: var(--muted); padding: .25rem 0; }
table.data th, table.data td { text-align: left; vertical-align: top; padding: .4rem .6rem; border-bottom: 1px solid var(--line); }
table.data thead th { background: var(--panel); font-size: .85rem; }
table.data tbody th { font-weight: 600; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; word-break: break-all; }
.muted { color: var(--muted); }
.excerpt { max-width: 32rem; overflow-wrap: anywhere; font-size: .85rem; }
pre.excerpt { white-space: pre-wrap; margin: 0; font-family: ui-monospace, monospace; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .85rem; font-weight: 600; border: 1px solid currentColor; }
.badge-ok { color: var(--ok-fg); background: var(--ok-bg); }
.badge-bad { color: var(--bad-fg); background: var(--bad-bg); }
.badge-warn { color: var(--warn-fg); background: var(--warn-bg); }
.badge-neutral { color: var(--neutral-fg); background: var(--neutral-bg); }
.rate-ok { color: var(--ok-fg); font-weight: 600; } .rate-warn { color: var(--warn-fg); font-weight: 600; } .rate-bad { color: var(--bad-fg); font-weight: 600; }
.notice { padding: .6rem .9rem; border-radius: 6px; border: 1px solid; }
.notice-ok { color: var(--ok-fg); background: var(--ok-bg); } .notice-bad { color: var(--bad-fg); background: var(--bad-bg); } .notice-warn { color: var(--warn-fg); background: var(--warn-bg); }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1.5rem; margin: 0 0 1rem; }
dl.summary dt { font-weight: 600; } dl.summary dd { margin: 0; }
.inline-form { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; margin: 1rem 0; }
.stream-status { font-weight: 600; }
.stream-status[data-status="live"] { color: var(--ok-fg); } .stream-status[data-status="unavailable"], .stream-status[data-status="disconnected"] { color: var(--bad-fg); }
figure.chart { margin: 0 0 2rem; max-width: 980px; }
figure.chart svg { width: 100%; height: auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
.chart-grid { stroke: #e3e6ea; stroke-width: 1; } .chart-tick { fill: var(--muted); font-size: 11px; }
.series-ok { fill: #198754; } .series-bad { fill: #c42b3a; }
.chart-line { fill: none; stroke-width: 2; }
polyline.series-p50 { stroke: #0b57d0; } circle.series-p50 { fill: #0b57d0; }
polyline.series-p95 { stroke: #a14c00; } circle.series-p95 { fill: #a14c00; }
.legend { display: inline-flex; gap: 1rem; list-style: none; padding: 0; margin: 0 0 0 1rem; }
.legend-swatch { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: middle; border-radius: 2px; }
.legend-swatch.series-ok { background: #198754; } .legend-swatch.series-bad { background: #c42b3a; }
.legend-swatch.series-p50 { background: #0b57d0; } .legend-swatch.series-p95 { background: #a14c00; }
`;

/**
 * Progressive enhancement only: pages work without it except the live stream. Data is put in the
 * page with textContent, never as markup.
 */
export const CONSOLE_JS = `
(function () {
  'use strict';
  var refresh = document.querySelector('[data-auto-refresh]');
  if (refresh) {
    setTimeout(function () { window.location.reload(); }, Number(refresh.getAttribute('data-auto-refresh')) || 3000);
  }

  var table = document.getElementById('stream-table');
  var status = document.getElementById('stream-status');
  if (!table || !status) return;
  var body = document.getElementById('stream-events');
  var MAX_ROWS = 200;
  var messages = {
    connecting: 'Connecting to the event stream…',
    live: 'Live: new events appear below as they are published.',
    reconnecting: 'Connection lost; reconnecting…',
    disconnected: 'Disconnected. Reload the page (you may need to sign in again).'
  };
  function setStatus(name, problem) {
    status.setAttribute('data-status', name);
    status.textContent = name === 'unavailable' ? 'The live stream is unavailable: ' + (problem || 'Kafka is not reachable') : (messages[name] || name);
  }
  function cell(row, text, className) {
    var td = document.createElement('td');
    td.textContent = text == null || text === '' ? '–' : String(text);
    if (className) td.className = className;
    row.appendChild(td);
  }
  function addEvent(e) {
    if (body.querySelector('tr[data-event-id="' + (window.CSS && CSS.escape ? CSS.escape(e.id) : e.id) + '"]')) return;
    var row = document.createElement('tr');
    row.setAttribute('data-event-id', e.id);
    cell(row, e.time ? e.time.replace('T', ' ').slice(0, 19) + ' UTC' : '');
    cell(row, e.type, 'mono');
    cell(row, e.subject, 'mono');
    cell(row, (e.changedAttributes || []).join(', '));
    cell(row, e.actor);
    cell(row, e.id, 'mono');
    body.insertBefore(row, body.firstChild);
    while (body.rows.length > MAX_ROWS) body.deleteRow(body.rows.length - 1);
  }
  if (!window.EventSource) { setStatus('unavailable', 'this browser has no EventSource'); return; }
  var source = new EventSource(table.getAttribute('data-stream-url'));
  source.addEventListener('status', function (m) { var s = JSON.parse(m.data); setStatus(s.status, s.problem); });
  source.addEventListener('identity-event', function (m) { addEvent(JSON.parse(m.data)); });
  source.onerror = function () { setStatus(source.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting'); };
})();
`;

/** Strong validators: the assets change only with a new build. */
export const CONSOLE_CSS_ETAG = `"${createHash('sha256').update(CONSOLE_CSS).digest('base64url').slice(0, 16)}"`;
export const CONSOLE_JS_ETAG = `"${createHash('sha256').update(CONSOLE_JS).digest('base64url').slice(0, 16)}"`;
