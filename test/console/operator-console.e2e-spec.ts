import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { testKafkaBrokers, waitFor } from '@idsync/testing';
import { ADMIN_TOKEN, TestReceiver, WebhookHarness } from '../webhooks/webhook-harness';
import { assertBasicAccessibility, launchChromium } from './console-browser';

// The operator console in a real headless Chromium, against the real webhook-delivery app, Kafka,
// PostgreSQL and a local webhook receiver that answers 500 first and 200 afterwards. One attempt
// per delivery (WEBHOOK_RETRY_SCHEDULE_MS=0), so the first delivery ends "failed" until replayed.

/** An element's computed background colour; runs in the page (typed without the DOM library, which the repository's TypeScript does not load). */
const backgroundColor = (el: unknown): string => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor;

interface DeliveryJson {
  id: string;
  status: string;
  attemptCount: number;
}

describe('operator console (headless Chromium)', () => {
  let harness: WebhookHarness;
  let receiver: TestReceiver;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const tenantId = randomUUID();
  const tenantName = `Acme <b>Corp</b> ${tenantId.slice(0, 6)}`;
  let deliveryId = '';
  const cspViolations: string[] = [];

  before(async () => {
    receiver = await TestReceiver.start((n) => (n === 1 ? { status: 500, body: 'receiver is down for maintenance' } : 200));
    // Chromium missing fails here (never a skip) with the apt-get hint; it starts alongside the app.
    [browser, harness] = await Promise.all([launchChromium(), WebhookHarness.start({ WEBHOOK_RETRY_SCHEDULE_MS: '0' })]);
    const db = new pg.Client({ connectionString: harness.db.url });
    await db.connect();
    await db.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [tenantId, tenantName]);
    await db.end();
    await harness.subscribe(tenantId, receiver.url, { description: 'CRM sync' });
    await harness.publishIdentityEvent(tenantId, { type: 'idsync.user.created' });
    const failed = await waitFor(
      async () => {
        const res = await harness.admin<DeliveryJson[]>('GET', `/admin/deliveries?tenantId=${tenantId}`);
        return res.body.find((d) => d.status === 'failed');
      },
      { what: 'the first delivery to fail' },
    );
    deliveryId = failed.id;
    context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await harness?.close();
    await receiver?.close();
  });

  const consoleUrl = (path: string) => `${harness.url}/console${path}`;
  const tenantUrl = (path: string) => consoleUrl(`/tenants/${tenantId}${path}`);

  it('sends a signed-out person to the sign-in form, and back to the page they asked for after signing in', async () => {
    await page.goto(tenantUrl('/deliveries'));
    assert.match(new URL(page.url()).pathname, /^\/console\/login$/);
    await assertBasicAccessibility(page);

    await page.getByLabel('Admin API token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not the admin API token' }).waitFor();

    await page.getByLabel('Admin API token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === `/console/tenants/${tenantId}/deliveries`);

    const [cookie] = await context.cookies();
    assert.equal(cookie.name, 'idsync_console_session');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/console');
    assert.ok(!cookie.value.includes(ADMIN_TOKEN), 'the cookie never carries the admin token');
  });

  it('shows the failed delivery in red in the delivery log, with its failed attempt', async () => {
    await assertBasicAccessibility(page);
    // The tenant name is data: shown as text, never as markup.
    await page.getByText(tenantName, { exact: false }).first().waitFor();
    assert.equal(await page.locator('nav[aria-label="Tenant"] b').count(), 0);

    const row = page.locator(`tr[data-delivery-id="${deliveryId}"]`);
    const badge = row.locator('.badge');
    assert.equal((await badge.textContent())?.trim(), 'failed');
    assert.equal(await badge.evaluate(backgroundColor), 'rgb(248, 215, 218)', 'failed is shown in red');

    // The filters narrow the log: outcome "delivered" hides it, "failed" shows it.
    await page.getByLabel('Outcome').selectOption('delivered');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No deliveries match these filters.').waitFor();
    await page.getByLabel('Outcome').selectOption('failed');
    await page.getByLabel('Subscription').selectOption({ label: 'CRM sync' });
    await page.getByLabel('Event type').fill('idsync.user.created');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await row.waitFor();

    await row.getByRole('link', { name: /Attempts/ }).click();
    await page.waitForURL((u) => u.pathname.endsWith(`/deliveries/${deliveryId}`));
    await assertBasicAccessibility(page);
    const attempts = page.getByRole('table', { name: 'Attempts' });
    assert.equal(await attempts.locator('tbody tr').count(), 1);
    assert.match((await attempts.locator('tbody tr').first().textContent()) ?? '', /500[\s\S]*receiver is down for maintenance/);
  });

  it('refuses a replay without the session CSRF token or from another origin', async () => {
    const replayUrl = tenantUrl(`/deliveries/${deliveryId}/replay`);
    const missing = await context.request.post(replayUrl, { form: {}, maxRedirects: 0 });
    assert.equal(missing.status(), 403);
    assert.match(await missing.text(), /CSRF token missing or invalid/);
    const wrong = await context.request.post(replayUrl, { form: { _csrf: 'forged' }, maxRedirects: 0 });
    assert.equal(wrong.status(), 403);
    const csrf = await page.locator('form[action$="/replay"] input[name="_csrf"]').getAttribute('value');
    const crossSite = await context.request.post(replayUrl, { form: { _csrf: csrf ?? '' }, headers: { origin: 'https://evil.example' }, maxRedirects: 0 });
    assert.equal(crossSite.status(), 403);
    // Without a session at all (another browser): 401, nothing replayed.
    const anonymous = await fetch(replayUrl, { method: 'POST', body: new URLSearchParams({ _csrf: csrf ?? '' }), redirect: 'manual' });
    assert.equal(anonymous.status, 401);
    const after = await harness.admin<DeliveryJson>('GET', `/admin/deliveries/${deliveryId}?tenantId=${tenantId}`);
    assert.equal(after.body.status, 'failed', 'none of the refused posts replayed the delivery');
  });

  it("answers another tenant's delivery and bad filters with 4xx pages, never a 500", async () => {
    const otherTenant = randomUUID();
    const foreign = await context.request.get(consoleUrl(`/tenants/${otherTenant}/deliveries/${deliveryId}`));
    assert.equal(foreign.status(), 404);
    assert.match(await foreign.text(), new RegExp(`No delivery ${deliveryId}`));
    const csrf = await page.locator('form[action$="/replay"] input[name="_csrf"]').getAttribute('value');
    const foreignReplay = await context.request.post(consoleUrl(`/tenants/${otherTenant}/deliveries/${deliveryId}/replay`), { form: { _csrf: csrf ?? '' }, maxRedirects: 0 });
    assert.equal(foreignReplay.status(), 404);
    for (const [query, message] of [
      ['?status=bogus', /outcome must be pending, delivered or failed/],
      ['?since=yesterday', /from must be a date and time/],
      ['?subscriptionId=%3Cscript%3E', /subscriptionId must be a UUID/],
      ['?limit=100000', /limit must not be greater than 500/],
    ] as const) {
      const res = await context.request.get(tenantUrl(`/deliveries${query}`));
      assert.equal(res.status(), 400, query);
      assert.match(await res.text(), message, query);
    }
    assert.equal((await context.request.get(consoleUrl('/tenants/not-a-uuid/deliveries'))).status(), 400);
    assert.equal((await harness.admin<DeliveryJson>('GET', `/admin/deliveries/${deliveryId}?tenantId=${tenantId}`)).body.status, 'failed');
  });

  it('Replay turns the delivery green ("delivered")', async () => {
    await page.getByRole('button', { name: 'Replay delivery' }).click();
    await page.getByRole('status').filter({ hasText: 'Replay queued' }).waitFor();
    // The page refreshes itself while the delivery is pending.
    const badge = page.locator('#delivery-status .badge');
    await waitFor(async () => (await badge.textContent())?.trim() === 'delivered', { what: 'the delivery to show "delivered"', timeoutMs: 20_000 });
    assert.equal(await badge.evaluate(backgroundColor), 'rgb(209, 231, 221)', 'delivered is shown in green');
    const attempts = page.getByRole('table', { name: 'Attempts' }).locator('tbody tr');
    assert.equal(await attempts.count(), 2);
    assert.match((await attempts.nth(1).textContent()) ?? '', /200/);
    assert.equal(receiver.requests.length, 2);

    await page.goto(tenantUrl('/deliveries'));
    assert.equal((await page.locator(`tr[data-delivery-id="${deliveryId}"] .badge`).textContent())?.trim(), 'delivered');
  });

  it('lists the subscription with its health and success rate', async () => {
    await page.getByRole('navigation', { name: 'Tenant' }).getByRole('link', { name: 'Subscriptions' }).click();
    await assertBasicAccessibility(page);
    const row = page.locator('tr[data-subscription-id]');
    assert.equal(await row.count(), 1);
    const text = (await row.textContent()) ?? '';
    assert.match(text, /CRM sync/);
    assert.match(text, /healthy/);
    assert.match(text, /50% of 2/);
  });

  it('charts the last hour: attempts by outcome and pipeline latency, as SVG with a data table', async () => {
    await page.goto(tenantUrl('/charts'));
    await assertBasicAccessibility(page);
    assert.equal(await page.locator('svg[role="img"]').count(), 2);
    assert.ok((await page.locator('#chart-outcomes rect.series-bad').count()) >= 1, 'a failed bar');
    assert.ok((await page.locator('#chart-outcomes rect.series-ok').count()) >= 1, 'a succeeded bar');
    assert.ok((await page.locator('#chart-latency circle.series-p50').count()) >= 1, 'a latency point');
    const totals = await page.locator('#chart-outcomes tbody tr').evaluateAll((rows) =>
      rows.reduce((sum, r) => [sum[0] + Number(r.children[1].textContent), sum[1] + Number(r.children[2].textContent)], [0, 0]),
    );
    assert.deepEqual(totals, [1, 1], 'one succeeded and one failed attempt in the data table');
  });

  it('the live stream page shows an event published after it opened', async () => {
    await page.goto(tenantUrl('/stream'));
    await assertBasicAccessibility(page);
    await page.locator('#stream-status[data-status="live"]').waitFor({ timeout: 20_000 });
    const other = await harness.publishIdentityEvent(randomUUID(), { type: 'idsync.user.deleted' });
    const event = await harness.publishIdentityEvent(tenantId, { type: 'idsync.user.updated' });
    const row = page.locator(`tr[data-event-id="${event.id}"]`);
    await row.waitFor({ timeout: 15_000 });
    assert.match((await row.textContent()) ?? '', /idsync\.user\.updated/);
    assert.equal(await page.locator(`tr[data-event-id="${other.id}"]`).count(), 0, "another tenant's events are not shown");
  });

  it('lists dead letters from Kafka, and verifies the audit chain on request', async () => {
    const kafka = new Kafka({ clientId: 'console-test-dlq', brokers: testKafkaBrokers().split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: `${harness.prefix}.idsync.deadletter.v1`,
      messages: [{ key: `${tenantId}:${randomUUID()}`, value: '{"broken":', headers: { 'idsync-dlq-error': 'value is not valid JSON <script>', 'idsync-dlq-original-topic': `${harness.prefix}.idsync.scim.changes.v1`, 'idsync-dlq-failed-at': new Date().toISOString() } }],
    });
    await producer.disconnect();
    await page.goto(consoleUrl('/dead-letters'));
    await assertBasicAccessibility(page);
    await page.getByRole('cell', { name: 'value is not valid JSON <script>' }).waitFor();

    // The audit chain: the webhook app's own audit events (none yet here) verify as intact.
    await page.getByRole('link', { name: 'Audit chain' }).click();
    await assertBasicAccessibility(page);
    await page.getByText('This console has not verified the chains since it started.').waitFor();
    await page.getByRole('button', { name: 'Verify now' }).click();
    await page.locator('#audit-verification .badge[data-status="intact"]').waitFor({ timeout: 15_000 });
  });

  it('the tenants overview links to the tenant; signing out ends the session', async () => {
    await page.goto(consoleUrl(''));
    await assertBasicAccessibility(page);
    const row = page.locator(`tr[data-tenant-id="${tenantId}"]`);
    assert.match((await row.textContent()) ?? '', /Acme <b>Corp<\/b>/);

    // Keyboard: the skip link is the first thing Tab reaches, and it moves focus to the main content.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement && document.activeElement.textContent'), 'Skip to main content');

    for (const path of ['', `/tenants/${tenantId}/deliveries`, '/assets/console.js', '/login']) {
      const headers = (await page.request.get(consoleUrl(path))).headers();
      assert.match(headers['content-security-policy'] ?? '', /default-src 'none'; script-src 'self'; style-src 'self'/, path);
      assert.doesNotMatch(headers['content-security-policy'], /unsafe-inline|unsafe-eval/, path);
      assert.equal(headers['x-frame-options'], 'DENY', path);
    }
    assert.deepEqual(cspViolations, [], 'no Content-Security-Policy violations on any page');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.pathname === '/console/login');
    await page.goto(tenantUrl('/deliveries'));
    assert.equal(new URL(page.url()).pathname, '/console/login');
  });
});
