import type { Delivery, DeliveryStatus } from '../../delivery/delivery.repository';
import type { DeliveryWithAttempts } from '../../delivery/queries/get-delivery.handler';
import type { Subscription } from '../../subscriptions/subscription.repository';
import type { MinuteFigures, SubscriptionActivity } from '../queries/console-read-model';
import type { ConsoleSession } from '../session/console-session';
import { html, queryString, type SafeHtml } from './html-template';
import { deliveryStatusBadge, renderPage, statusBadge, timeOf, type TenantRef } from './layout';
import { lineChart, stackedBarChart } from './svg-charts';

function tenantPath(t: TenantRef, rest: string): string {
  return `/console/tenants/${encodeURIComponent(t.id)}${rest}`;
}

function subscriptionName(s: Pick<Subscription, 'id' | 'description'> | undefined, id: string): string {
  return s?.description ? s.description : `Subscription ${id.slice(0, 8)}`;
}

// ---- live events ---------------------------------------------------------------------------------

export function streamPage(session: ConsoleSession, tenant: TenantRef): string {
  return renderPage(
    { title: 'Live events', session, tenant, active: 'stream' },
    html`<p>Identity events of this tenant as they are published on the public stream (newest first; the page keeps the last 200).
      Attribute names are shown, never their values.</p>
    <p id="stream-status" class="stream-status" role="status" aria-live="polite" data-status="connecting">Connecting to the event stream…</p>
    <noscript><p class="notice notice-warn">The live view needs JavaScript; the delivery log works without it.</p></noscript>
    <table class="data" id="stream-table" data-stream-url="${tenantPath(tenant, '/stream/events')}">
      <caption class="visually-hidden">Live identity events</caption>
      <thead><tr><th scope="col">Time</th><th scope="col">Type</th><th scope="col">Subject</th><th scope="col">Changed attributes</th><th scope="col">Actor</th><th scope="col">Event id</th></tr></thead>
      <tbody id="stream-events"></tbody>
    </table>`,
  );
}

// ---- subscriptions --------------------------------------------------------------------------------

function health(s: Subscription): SafeHtml {
  if (!s.enabled) return s.disabledReason ? statusBadge('auto-disabled', 'bad') : statusBadge('disabled', 'neutral');
  if (s.failingSince) return statusBadge('failing', 'bad');
  return statusBadge('healthy', 'ok');
}

function successRate(a: SubscriptionActivity | undefined): SafeHtml | string {
  if (!a || a.attempts === 0) return 'no attempts';
  const pct = (100 * a.succeeded) / a.attempts;
  const tone = pct >= 99 ? 'rate-ok' : pct >= 90 ? 'rate-warn' : 'rate-bad';
  return html`<span class="${tone}">${Number.isInteger(pct) ? pct : pct.toFixed(1)}%</span> of ${a.attempts}`;
}

export function subscriptionsPage(session: ConsoleSession, tenant: TenantRef, subscriptions: Subscription[], activity: SubscriptionActivity[]): string {
  const byId = new Map(activity.map((a) => [a.subscriptionId, a]));
  const rows = subscriptions.map(
    (s) => html`<tr data-subscription-id="${s.id}">
      <th scope="row">${subscriptionName(s, s.id)}<br><span class="muted mono">${s.url}</span></th>
      <td>${s.eventTypes.join(', ')}</td>
      <td>${health(s)}${s.disabledReason ? html`<br><span class="muted">${s.disabledReason}</span>` : ''}</td>
      <td>${timeOf(s.failingSince)}</td>
      <td>${successRate(byId.get(s.id))}</td>
      <td>${timeOf(byId.get(s.id)?.lastAttemptAt)}</td>
      <td><a href="${tenantPath(tenant, `/deliveries${queryString({ subscriptionId: s.id })}`)}">Deliveries<span class="visually-hidden"> of ${subscriptionName(s, s.id)}</span></a>
        · <a href="${tenantPath(tenant, `/deliveries${queryString({ subscriptionId: s.id, status: 'failed' })}`)}">Failed<span class="visually-hidden"> deliveries of ${subscriptionName(s, s.id)}</span></a></td>
    </tr>`,
  );
  return renderPage(
    { title: 'Subscriptions', session, tenant, active: 'subscriptions' },
    subscriptions.length === 0
      ? html`<p>This tenant has no webhook subscriptions. Create one with <code>idsync subscription create</code> or <code>POST /admin/subscriptions</code>.</p>`
      : html`<table class="data">
      <caption>Webhook endpoints and their health. Success rate: attempts answered 2xx, over deliveries of the last 24 hours.</caption>
      <thead><tr><th scope="col">Subscription</th><th scope="col">Event types</th><th scope="col">Health</th><th scope="col">Failing since</th><th scope="col">Success rate (24 h)</th><th scope="col">Last attempt</th><th scope="col">Log</th></tr></thead>
      <tbody>${rows}</tbody></table>`,
  );
}

// ---- delivery log ---------------------------------------------------------------------------------

/** The delivery log's filters as the form holds them (strings; `since`/`until` are UTC `YYYY-MM-DDTHH:MM`). */
export interface DeliveryLogFilters {
  subscriptionId?: string;
  status?: DeliveryStatus;
  eventType?: string;
  since?: string;
  until?: string;
}

function option(value: string, label: string, selected: boolean): SafeHtml {
  return html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
}

export function deliveriesPage(session: ConsoleSession, tenant: TenantRef, filters: DeliveryLogFilters, deliveries: Delivery[], subscriptions: Subscription[], limit: number): string {
  const subs = new Map(subscriptions.map((s) => [s.id, s]));
  const form = html`<form class="filters" method="get" action="${tenantPath(tenant, '/deliveries')}" role="search" aria-label="Filter deliveries">
    <div><label for="f-subscription">Subscription</label>
      <select id="f-subscription" name="subscriptionId">${option('', 'Any', !filters.subscriptionId)}${subscriptions.map((s) => option(s.id, subscriptionName(s, s.id), filters.subscriptionId === s.id))}</select></div>
    <div><label for="f-status">Outcome</label>
      <select id="f-status" name="status">${option('', 'Any', !filters.status)}${(['failed', 'pending', 'delivered'] as const).map((s) => option(s, s, filters.status === s))}</select></div>
    <div><label for="f-type">Event type</label>
      <input id="f-type" name="eventType" type="text" value="${filters.eventType ?? ''}" placeholder="idsync.user.created" maxlength="200"></div>
    <div><label for="f-since">From (UTC)</label>
      <input id="f-since" name="since" type="datetime-local" value="${filters.since ?? ''}"></div>
    <div><label for="f-until">Until (UTC)</label>
      <input id="f-until" name="until" type="datetime-local" value="${filters.until ?? ''}"></div>
    <div class="filter-actions"><button type="submit">Apply filters</button> <a href="${tenantPath(tenant, '/deliveries')}">Clear</a></div>
  </form>`;
  const rows = deliveries.map(
    (d) => html`<tr data-delivery-id="${d.id}" data-status="${d.status}">
      <td>${timeOf(d.createdAt)}</td>
      <td class="mono">${d.eventType}</td>
      <td>${subscriptionName(subs.get(d.subscriptionId), d.subscriptionId)}</td>
      <td>${deliveryStatusBadge(d.status)}</td>
      <td>${d.attemptCount}</td>
      <td>${d.lastStatusCode ?? '–'}</td>
      <td class="excerpt">${d.lastError ?? ''}</td>
      <td><a href="${tenantPath(tenant, `/deliveries/${d.id}`)}">Attempts<span class="visually-hidden"> of the ${d.eventType} delivery created ${d.createdAt}</span></a></td>
    </tr>`,
  );
  return renderPage(
    { title: 'Delivery log', session, tenant, active: 'deliveries' },
    html`${form}
    ${deliveries.length === 0
      ? html`<p role="status">No deliveries match these filters.</p>`
      : html`<table class="data" id="delivery-log">
      <caption>Newest first${deliveries.length === limit ? html` (the newest ${limit}; narrow the filters to see older ones)` : ''}.</caption>
      <thead><tr><th scope="col">Created</th><th scope="col">Event type</th><th scope="col">Subscription</th><th scope="col">Outcome</th><th scope="col">Attempts</th><th scope="col">Last HTTP status</th><th scope="col">Last error</th><th scope="col">Detail</th></tr></thead>
      <tbody>${rows}</tbody></table>`}`,
  );
}

// ---- one delivery ---------------------------------------------------------------------------------

export function deliveryPage(session: ConsoleSession, tenant: TenantRef, d: DeliveryWithAttempts, subscription: Subscription | undefined, flash?: string): string {
  const canReplay = d.status !== 'pending' && session.roles.includes('console:operate');
  const replay = canReplay
    ? html`<form method="post" action="${tenantPath(tenant, `/deliveries/${d.id}/replay`)}" class="inline-form">
        <input type="hidden" name="_csrf" value="${session.csrfToken}">
        <button type="submit" class="primary">Replay delivery</button>
        <span class="muted">Sends the same body with the same webhook-id again, on a fresh retry schedule.</span>
      </form>`
    : d.status === 'pending'
      ? html`<p class="muted" data-auto-refresh="3000">This delivery is pending (next attempt ${timeOf(d.nextAttemptAt)}); this page refreshes by itself.</p>`
      : '';
  const attempts = d.attempts.map(
    (a) => html`<tr>
      <th scope="row">${a.attemptNumber}</th>
      <td>${timeOf(a.startedAt)}</td>
      <td>${a.durationMs} ms</td>
      <td>${a.statusCode === null ? '–' : statusBadge(String(a.statusCode), a.statusCode >= 200 && a.statusCode < 300 ? 'ok' : 'bad')}</td>
      <td class="excerpt">${a.error ?? ''}</td>
      <td>${a.responseBody ? html`<pre class="excerpt">${a.responseBody.slice(0, 500)}${a.responseBody.length > 500 ? '…' : ''}</pre>` : ''}</td>
    </tr>`,
  );
  return renderPage(
    { title: `Delivery ${d.id.slice(0, 8)}`, session, tenant, active: 'deliveries' },
    html`${flash ? html`<p class="notice notice-ok" role="status">${flash}</p>` : ''}
    <dl class="summary">
      <dt>Outcome</dt><dd id="delivery-status">${deliveryStatusBadge(d.status)}</dd>
      <dt>Delivery id</dt><dd class="mono">${d.id}</dd>
      <dt>Event</dt><dd><span class="mono">${d.eventType}</span> · <span class="mono">${d.eventId}</span></dd>
      <dt>Subscription</dt><dd>${subscriptionName(subscription, d.subscriptionId)}${subscription ? html` · <span class="mono">${subscription.url}</span>` : ''}</dd>
      <dt>Created</dt><dd>${timeOf(d.createdAt)}</dd>
      <dt>Completed</dt><dd>${timeOf(d.completedAt)}</dd>
      <dt>Last error</dt><dd class="excerpt">${d.lastError ?? '–'}</dd>
    </dl>
    ${replay}
    <h2 id="attempts-heading">Attempts</h2>
    ${d.attempts.length === 0
      ? html`<p>No attempt yet.</p>`
      : html`<table class="data" aria-labelledby="attempts-heading">
      <thead><tr><th scope="col">#</th><th scope="col">Started</th><th scope="col">Latency</th><th scope="col">HTTP status</th><th scope="col">Error</th><th scope="col">Response excerpt</th></tr></thead>
      <tbody>${attempts}</tbody></table>`}
    <p><a href="${tenantPath(tenant, '/deliveries')}">Back to the delivery log</a></p>`,
  );
}

// ---- charts ---------------------------------------------------------------------------------------

export function chartsPage(session: ConsoleSession, tenant: TenantRef, minutes: MinuteFigures[]): string {
  const label = (iso: string) => iso.slice(11, 16);
  const outcomes = stackedBarChart({
    id: 'chart-outcomes',
    title: 'Delivery attempts per minute by outcome',
    description: 'Attempts of the last 60 minutes, per minute: succeeded (2xx) and failed (any other answer or no answer).',
    unit: 'attempts',
    series: [
      { key: 'ok', label: 'succeeded', cssClass: 'series-ok' },
      { key: 'failed', label: 'failed', cssClass: 'series-bad' },
    ],
    buckets: minutes.map((m) => ({ label: label(m.minute), values: { ok: m.attemptsSucceeded, failed: m.attemptsFailed } })),
  });
  const latency = lineChart({
    id: 'chart-latency',
    title: 'Pipeline latency per minute',
    description: 'From the event time (when sync-worker published the event) to the end of the successful webhook attempt, median and 95th percentile, in milliseconds.',
    unit: 'ms',
    series: [
      { key: 'p50', label: 'median', cssClass: 'series-p50' },
      { key: 'p95', label: '95th percentile', cssClass: 'series-p95' },
    ],
    buckets: minutes.map((m) => ({ label: label(m.minute), values: { p50: m.latencyP50Ms, p95: m.latencyP95Ms } })),
  });
  return renderPage(
    { title: 'Charts', session, tenant, active: 'charts' },
    html`<p>The last 60 minutes of deliveries created in that hour (replays of older deliveries are not counted).</p>${outcomes}${latency}`,
  );
}
