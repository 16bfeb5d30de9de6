import type { ConsoleSession } from '../session/console-session';
import { html, type HtmlValue, type SafeHtml } from './html-template';

/** The tenant a page is about (per-tenant pages get the tenant navigation). */
export interface TenantRef {
  id: string;
  name: string | null;
}

export type TenantTab = 'stream' | 'subscriptions' | 'deliveries' | 'charts';
export type GlobalTab = 'tenants' | 'dead-letters' | 'audit';

export interface PageContext {
  title: string;
  session?: ConsoleSession;
  tenant?: TenantRef;
  active?: TenantTab | GlobalTab;
}

/** `2026-11-24 08:41:03 UTC` inside a machine-readable <time>. */
export function timeOf(iso: string | null | undefined): SafeHtml | string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return html`<time datetime="${d.toISOString()}">${d.toISOString().slice(0, 19).replace('T', ' ')} UTC</time>`;
}

/** A status word with its colour; the word itself carries the meaning (never colour alone). */
export function statusBadge(status: string, tone: 'ok' | 'bad' | 'warn' | 'neutral'): SafeHtml {
  return html`<span class="badge badge-${tone}" data-status="${status}">${status}</span>`;
}

export function deliveryStatusBadge(status: string): SafeHtml {
  return statusBadge(status, status === 'delivered' ? 'ok' : status === 'failed' ? 'bad' : 'warn');
}

export function tenantLabel(t: TenantRef): string {
  return t.name ? `${t.name} (${t.id})` : t.id;
}

function navLink(href: string, label: string, current: boolean): SafeHtml {
  return html`<li><a href="${href}"${current ? html` aria-current="page"` : ''}>${label}</a></li>`;
}

/** The whole HTML document: skip link, landmarks (header/nav/main/footer), one h1 per page. */
export function renderPage(ctx: PageContext, body: HtmlValue): string {
  const signedIn = ctx.session
    ? html`<p class="signed-in muted" id="signed-in-as">Signed in as <strong>${ctx.session.displayName ?? ctx.session.subject}</strong>${ctx.session.method === 'oidc' ? html` <span class="mono">(${ctx.session.subject})</span>` : ''}</p><form class="signout" method="post" action="/console/logout"><input type="hidden" name="_csrf" value="${ctx.session.csrfToken}"><button type="submit">Sign out</button></form>`
    : '';
  const mainNav = ctx.session
    ? html`<nav aria-label="Console"><ul class="nav">
        ${navLink('/console', 'Tenants', ctx.active === 'tenants')}
        ${navLink('/console/dead-letters', 'Dead letters', ctx.active === 'dead-letters')}
        ${navLink('/console/audit', 'Audit chain', ctx.active === 'audit')}
      </ul></nav>`
    : '';
  const t = ctx.tenant;
  const base = t ? `/console/tenants/${encodeURIComponent(t.id)}` : '';
  const tenantNav = t
    ? html`<nav aria-label="Tenant" class="tenant-nav"><p class="tenant-name">Tenant <strong>${tenantLabel(t)}</strong></p><ul class="nav">
        ${navLink(`${base}/stream`, 'Live events', ctx.active === 'stream')}
        ${navLink(`${base}/subscriptions`, 'Subscriptions', ctx.active === 'subscriptions')}
        ${navLink(`${base}/deliveries`, 'Delivery log', ctx.active === 'deliveries')}
        ${navLink(`${base}/charts`, 'Charts', ctx.active === 'charts')}
      </ul></nav>`
    : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${ctx.title} · idsync console</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site-header">
  <p class="brand"><a href="/console">idsync console</a></p>
  ${mainNav}
  ${signedIn}
</header>
${tenantNav}
<main id="main" tabindex="-1">
<h1>${ctx.title}</h1>
${body}
</main>
<footer class="site-footer"><p>idsync webhook-delivery · times in UTC</p></footer>
</body>
</html>
`.value;
}
