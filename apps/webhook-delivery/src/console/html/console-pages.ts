import type { DeadLetterListing } from '../dead-letters/dead-letter-reader';
import type { AuditChainStatus } from '../queries/get-audit-chain-status.handler';
import type { TenantOverview } from '../queries/console-read-model';
import type { ConsoleSession } from '../session/console-session';
import { html } from './html-template';
import { renderPage, statusBadge, timeOf } from './layout';

export function tenantsPage(session: ConsoleSession, tenants: TenantOverview[]): string {
  const rows = tenants.map((t) => {
    const base = `/console/tenants/${encodeURIComponent(t.tenantId)}`;
    return html`<tr data-tenant-id="${t.tenantId}">
      <th scope="row"><a href="${base}/deliveries">${t.name ?? t.tenantId}</a>${t.name ? html`<br><span class="muted mono">${t.tenantId}</span>` : ''}</th>
      <td>${t.subscriptions}</td>
      <td>${t.failingSubscriptions > 0 ? statusBadge(`${t.failingSubscriptions} failing`, 'bad') : '0'}${t.disabledSubscriptions > 0 ? html` · ${t.disabledSubscriptions} disabled` : ''}</td>
      <td>${t.delivered24h}</td>
      <td>${t.failed24h > 0 ? statusBadge(String(t.failed24h), 'bad') : '0'}</td>
      <td>${t.pending}</td>
      <td><a href="${base}/stream">Live<span class="visually-hidden"> events of ${t.name ?? t.tenantId}</span></a> · <a href="${base}/subscriptions">Subscriptions<span class="visually-hidden"> of ${t.name ?? t.tenantId}</span></a> · <a href="${base}/charts">Charts<span class="visually-hidden"> of ${t.name ?? t.tenantId}</span></a></td>
    </tr>`;
  });
  return renderPage(
    { title: 'Tenants', session, active: 'tenants' },
    tenants.length === 0
      ? html`<p>No tenants yet. Create one with <code>idsync tenant create</code>.</p>`
      : html`<table class="data">
      <caption>Every tenant with its webhook figures; deliveries counted over the last 24 hours.</caption>
      <thead><tr><th scope="col">Tenant</th><th scope="col">Subscriptions</th><th scope="col">Unhealthy</th><th scope="col">Delivered (24 h)</th><th scope="col">Failed (24 h)</th><th scope="col">Pending</th><th scope="col">Pages</th></tr></thead>
      <tbody>${rows}</tbody></table>`,
  );
}

export function deadLettersPage(session: ConsoleSession, listing: DeadLetterListing, limit: number, tenantId: string | undefined): string {
  const rows = [...listing.letters].reverse().map(
    (l) => html`<tr>
      <th scope="row" class="mono">${l.position}</th>
      <td>${timeOf(l.failedAt)}</td>
      <td class="excerpt">${l.error ?? '–'}</td>
      <td class="mono">${l.originalTopic ?? '–'}${l.originalPosition ? html`<br>${l.originalPosition}` : ''}</td>
      <td>${l.tenantId ? html`<a href="/console/tenants/${encodeURIComponent(l.tenantId)}/deliveries">${l.tenantId}</a>` : '–'}</td>
      <td class="mono">${l.key ?? '–'}</td>
      <td>${l.valueBytes} B</td>
    </tr>`,
  );
  return renderPage(
    { title: 'Dead letters', session, active: 'dead-letters' },
    html`<p>Records sync-worker could not process, newest first, from <span class="mono">${listing.topic}</span> (read ${timeOf(listing.readAt)}; the newest ${limit}${tenantId ? html`, only tenant <span class="mono">${tenantId}</span>` : ''}).
      Values are not shown: they hold identity data. Re-drive one with <code>idsync deadletter redrive --offset &lt;position&gt;</code> once its cause is fixed.</p>
    ${listing.problem ? html`<p class="notice notice-bad" role="alert">${listing.problem}</p>` : ''}
    ${listing.letters.length === 0 && !listing.problem
      ? html`<p role="status">No dead letters.</p>`
      : listing.letters.length === 0
        ? ''
        : html`<table class="data">
      <caption class="visually-hidden">Dead letters</caption>
      <thead><tr><th scope="col">Position</th><th scope="col">Failed at</th><th scope="col">Error</th><th scope="col">Original record</th><th scope="col">Tenant</th><th scope="col">Key</th><th scope="col">Size</th></tr></thead>
      <tbody>${rows}</tbody></table>`}`,
  );
}

export function auditPage(session: ConsoleSession, status: AuditChainStatus): string {
  if (!status.available) {
    return renderPage({ title: 'Audit chain', session, active: 'audit' }, html`<p class="notice notice-warn" role="status"><strong>Not available.</strong> ${status.reason}</p>`);
  }
  const { heads, lastVerification: v, verifying } = status;
  const checkpoint = heads.latestCheckpoint;
  const result = v
    ? html`<dl class="summary" id="audit-verification">
      <dt>Result</dt><dd>${v.error ? statusBadge('could not run', 'bad') : v.ok ? statusBadge('intact', 'ok') : statusBadge('broken', 'bad')}</dd>
      <dt>Finished</dt><dd>${timeOf(v.finishedAt)} (started ${timeOf(v.startedAt)})</dd>
      <dt>Records verified</dt><dd>${v.records} in ${v.chains} chain(s)</dd>
      ${v.brokenChains > 0 ? html`<dt>Broken chains</dt><dd>${v.brokenChains}</dd>` : ''}
      ${v.firstBreak ? html`<dt>First break</dt><dd class="excerpt">${v.firstBreak}</dd>` : ''}
      ${v.checkpointMismatches > 0 ? html`<dt>Checkpoint mismatches</dt><dd>${v.checkpointMismatches}</dd>` : ''}
      ${v.error ? html`<dt>Error</dt><dd class="excerpt">${v.error}</dd>` : ''}
    </dl>`
    : html`<p id="audit-verification">This console has not verified the chains since it started.</p>`;
  const canVerify = session.roles.includes('console:operate');
  return renderPage(
    { title: 'Audit chain', session, active: 'audit' },
    html`<p>Every identity change is recorded in a per-tenant SHA-256 hash chain (docs/AUDIT.md). A verification recomputes every record and compares it with the chain heads and checkpoints.</p>
    <h2>Chains</h2>
    <dl class="summary">
      <dt>Chains</dt><dd>${heads.chains}</dd>
      <dt>Records appended</dt><dd>${heads.recordsAppended}</dd>
      <dt>Latest checkpoint</dt><dd>${checkpoint
        ? html`${timeOf(checkpoint.createdAt)} · chain ${checkpoint.tenantId ?? 'system'} at seq ${checkpoint.seq} (${checkpoint.reason}, ${checkpoint.signed ? 'signed' : 'unsigned'})`
        : 'none yet'}</dd>
    </dl>
    <h2>Latest verification</h2>
    ${verifying ? html`<p class="notice notice-warn" role="status" data-auto-refresh="2000">Verifying… this page refreshes by itself.</p>` : ''}
    ${result}
    ${canVerify && !verifying
      ? html`<form method="post" action="/console/audit/verify" class="inline-form"><input type="hidden" name="_csrf" value="${session.csrfToken}"><button type="submit" class="primary">Verify now</button>
        <span class="muted">Reads the whole audit log; signatures are checked by <code>idsync audit verify</code> with the checkpoint public key.</span></form>`
      : ''}`,
  );
}

export function loginPage(opts: { next: string; error?: string; sso?: boolean }): string {
  // A link, not a form: CSP form-action 'self' would block the redirect on to the identity provider.
  const sso = opts.sso
    ? html`<p><a class="button primary" id="sso-sign-in" href="/console/sso/start?next=${encodeURIComponent(opts.next)}">Sign in with SSO</a></p>
    <p class="muted">With your company account, through its identity provider (multi-factor sign-in required). Or with an admin token:</p>`
    : '';
  return renderPage(
    { title: 'Sign in' },
    html`${opts.error ? html`<p class="notice notice-bad" role="alert" id="login-error">${opts.error}</p>` : ''}
    ${sso}
    <form method="post" action="/console/login" class="login"${opts.error ? html` aria-describedby="login-error"` : ''}>
      <input type="hidden" name="next" value="${opts.next}">
      <div><label for="token">Admin API token</label>
        <input id="token" name="token" type="password" autocomplete="off" required autofocus spellcheck="false"></div>
      <p class="muted">The same token as the admin API (<code>ADMIN_API_TOKEN</code>). It is checked once; the browser keeps only a session cookie.</p>
      <button type="submit" class="primary">Sign in</button>
    </form>`,
  );
}

/** An SSO sign-in that was refused (no MFA, no mapped group, a failed check): why, and the way back. */
export function ssoRefusedPage(message: string): string {
  return renderPage(
    { title: 'Sign-in refused' },
    html`<p class="notice notice-bad" role="alert" id="sso-error">${message}</p><p><a href="/console/login">Back to sign-in</a></p>`,
  );
}

/**
 * After the identity provider's redirect: a page that moves on to the console itself. A redirect
 * straight from the callback would carry the cross-site navigation along, and the browser would
 * hold back the new SameSite=Strict session cookie on it; this same-site step sends it.
 */
export function ssoContinuePage(next: string): string {
  return renderPage(
    { title: 'Signed in' },
    html`<meta http-equiv="refresh" content="0;url=${next}"><p>You are signed in. <a id="sso-continue" href="${next}">Continue to the console</a></p>`,
  );
}

export function errorPage(session: ConsoleSession | undefined, status: number, message: string): string {
  return renderPage(
    { title: status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : status >= 500 ? 'Something went wrong' : 'That did not work', session },
    html`<p class="notice notice-bad" role="alert">${message}</p><p><a href="/console">Back to the console</a></p>`,
  );
}
