import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { AdminApiGuard } from '@idsync/platform';
import { ADMIN_TOKEN, WebhookHarness } from '../webhooks/webhook-harness';
import { ConsoleSessionGuard, REQUIRED_ROLE } from '../../apps/webhook-delivery/src/console/session/console-session.guard';
import { concretePath, createAdminToken, handlerOf, nestRoutes, servedRoutes } from './rbac-support';

// Admin RBAC on webhook-delivery, started for real: every /admin and /console route declares a
// scope or console role (sign-in, SSO and static assets are the only public console routes), each
// role gets 200/403/404 as designed, and the console maps admin token roles onto its own.

const PUBLIC_CONSOLE_ROUTES = new Set(['GET /console/login', 'POST /console/login', 'GET /console/sso/start', 'GET /console/sso/callback', 'GET /console/assets/console.css', 'GET /console/assets/console.js']);

describe('webhook-delivery admin RBAC and console roles', () => {
  let harness: WebhookHarness;
  let db: DataSource;
  const tenantA = randomUUID();
  const tenantB = randomUUID();
  const tokens: Record<string, string> = {};
  const tokenIds: Record<string, string> = {};

  before(async () => {
    harness = await WebhookHarness.start();
    db = harness.app.get(DataSource);
    await db.query('INSERT INTO tenants (id, name) VALUES ($1, $2), ($3, $4)', [tenantA, `wh-rbac-a-${process.pid}`, tenantB, `wh-rbac-b-${process.pid}`]);
    for (const role of ['admin', 'operator', 'auditor'] as const) ({ token: tokens[role], id: tokenIds[role] } = await createAdminToken(db, role));
    ({ token: tokens['tenant-admin'], id: tokenIds['tenant-admin'] } = await createAdminToken(db, 'tenant-admin', tenantA));
  });

  after(async () => {
    await harness?.close();
  });

  it('declares a scope on every /admin route and a role on every non-public /console route the router serves', async () => {
    const nest = nestRoutes(harness.app);
    const served = servedRoutes(harness.app);
    const admin = served.filter((r) => r.path.startsWith('/admin'));
    const console = served.filter((r) => r.path.startsWith('/console') && !PUBLIC_CONSOLE_ROUTES.has(`${r.method} ${r.path}`));
    assert.ok(admin.length >= 11, `expected the admin routes, found ${admin.length}`);
    assert.ok(console.length >= 9, `expected the console routes, found ${console.length}`);
    for (const route of admin) {
      const handler = handlerOf(nest, route);
      assert.ok(handler, `${route.method} ${route.path} has no Nest handler`);
      assert.ok(handler.adminScope, `${route.method} ${route.path} (${handler.controller}.${handler.handler}) declares no @AdminScope`);
      assert.ok(handler.guards.includes(AdminApiGuard.name), `${route.method} ${route.path} is not behind AdminApiGuard`);
      const res = await fetch(`${harness.url}${concretePath(route.path)}`, { method: route.method });
      assert.equal(res.status, 401, `${route.method} ${route.path} without a token`);
    }
    for (const route of console) {
      const handler = handlerOf(nest, route);
      assert.ok(handler, `${route.method} ${route.path} has no Nest handler`);
      assert.ok(handler.metadata(REQUIRED_ROLE), `${route.method} ${route.path} (${handler.controller}.${handler.handler}) declares no console role`);
      assert.ok(handler.guards.includes(ConsoleSessionGuard.name), `${route.method} ${route.path} is not behind ConsoleSessionGuard`);
    }
  });

  it('answers each role on representative routes as designed, and hides other tenants (404)', async () => {
    const subscription = await harness.subscribe(tenantA, 'http://127.0.0.1:9/hook');
    const foreign = await harness.subscribe(tenantB, 'http://127.0.0.1:9/hook');
    const missing = randomUUID();
    const newSubscription = (tenantId: string) => ({ tenantId, url: 'http://127.0.0.1:9/other', eventTypes: ['idsync.user.*'] });
    // [method, path, body, admin, operator, auditor, tenant-admin (of A)]
    const matrix: Array<[string, string, unknown, number, number, number, number]> = [
      ['GET', `/admin/subscriptions?tenantId=${tenantA}`, undefined, 200, 200, 200, 200],
      ['GET', `/admin/subscriptions?tenantId=${tenantB}`, undefined, 200, 200, 200, 404],
      ['GET', `/admin/subscriptions/${subscription.id}?tenantId=${tenantA}`, undefined, 200, 200, 200, 200],
      ['GET', `/admin/subscriptions/${foreign.id}?tenantId=${tenantA}`, undefined, 404, 404, 404, 404],
      ['GET', `/admin/subscriptions/${foreign.id}?tenantId=${tenantB}`, undefined, 200, 200, 200, 404],
      ['POST', '/admin/subscriptions', newSubscription(tenantA), 201, 201, 403, 201],
      ['POST', '/admin/subscriptions', newSubscription(tenantB), 201, 201, 403, 404],
      // Its own tenant in the query does not let another one through in the body.
      ['POST', `/admin/subscriptions?tenantId=${tenantA}`, newSubscription(tenantB), 201, 201, 403, 404],
      ['PATCH', `/admin/subscriptions/${foreign.id}?tenantId=${tenantB}`, { enabled: true }, 200, 200, 403, 404],
      ['GET', `/admin/deliveries?tenantId=${tenantA}`, undefined, 200, 200, 200, 200],
      ['GET', `/admin/deliveries?tenantId=${tenantB}`, undefined, 200, 200, 200, 404],
      ['POST', `/admin/deliveries/${missing}/replay?tenantId=${tenantA}`, undefined, 404, 404, 403, 404],
      ['POST', `/admin/subscriptions/${missing}/resync?tenantId=${tenantB}`, undefined, 404, 404, 403, 404],
    ];
    const roles = ['admin', 'operator', 'auditor', 'tenant-admin'] as const;
    const failures: string[] = [];
    for (const [method, path, body, ...expected] of matrix) {
      for (const [i, role] of roles.entries()) {
        const res = await harness.admin(method, path, body, tokens[role]);
        if (res.status !== expected[i]) failures.push(`${role} ${method} ${path} → ${res.status} (expected ${expected[i]}): ${JSON.stringify(res.body)}`);
      }
    }
    assert.deepEqual(failures, []);
    // Admin actions are audited with the acting token; refused ones leave nothing.
    const audited = (await db.query("SELECT actor_id, tenant_id FROM audit_log WHERE action = 'subscriptions.create'")) as Array<{ actor_id: string; tenant_id: string }>;
    const tenantAdminActor = `admin-token:${tokenIds['tenant-admin']}`;
    assert.deepEqual(audited.filter((r) => r.actor_id === tenantAdminActor).map((r) => r.tenant_id), [tenantA]);
    assert.equal(audited.filter((r) => r.actor_id === `admin-token:${tokenIds.auditor}`).length, 0);
    assert.equal(audited.filter((r) => r.actor_id === `admin-token:${tokenIds.operator}`).length, 3);
  });

  it('refuses expired and revoked tokens with 401 and keeps ADMIN_API_TOKEN as break-glass admin', async () => {
    const expired = await createAdminToken(db, 'operator', null, new Date(Date.now() - 1000));
    const revoked = await createAdminToken(db, 'operator');
    await db.query('UPDATE admin_tokens SET revoked_at = now() WHERE id = $1', [revoked.id]);
    for (const token of [expired.token, revoked.token]) assert.equal((await harness.admin('GET', `/admin/subscriptions?tenantId=${tenantA}`, undefined, token)).status, 401);
    assert.equal((await harness.admin('GET', `/admin/subscriptions?tenantId=${tenantA}`, undefined, ADMIN_TOKEN)).status, 200);
  });

  it('signs admin tokens in to the console with the console roles of their role', async () => {
    const signIn = async (token: string) => {
      const res = await fetch(`${harness.url}/console/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
      await res.text();
      return { status: res.status, cookie: res.headers.get('set-cookie')?.split(';')[0] };
    };
    const page = async (cookie: string | undefined, method: string, path: string) => {
      const res = await fetch(`${harness.url}${path}`, { method, redirect: 'manual', headers: cookie ? { cookie } : {} });
      return { status: res.status, text: await res.text() };
    };
    const replayPath = `/console/tenants/${tenantA}/deliveries/${randomUUID()}/replay`;

    const auditor = await signIn(tokens.auditor);
    assert.equal(auditor.status, 303);
    assert.equal((await page(auditor.cookie, 'GET', '/console')).status, 200, 'an auditor reads the console');
    const refused = await page(auditor.cookie, 'POST', replayPath);
    assert.equal(refused.status, 403, 'an auditor cannot replay');
    assert.match(refused.text, /console:operate/);

    const operator = await signIn(tokens.operator);
    assert.equal(operator.status, 303);
    const operatorReplay = await page(operator.cookie, 'POST', replayPath);
    assert.equal(operatorReplay.status, 403, 'without the CSRF token');
    assert.doesNotMatch(operatorReplay.text, /needs the console:operate role/, 'the operator holds the role; only CSRF stops it');

    assert.equal((await signIn(tokens['tenant-admin'])).status, 401, 'a tenant-admin has no console role (the console spans tenants)');
    assert.equal((await signIn(`idsa_${'B'.repeat(43)}`)).status, 401);
  });

  it('has no single sign-on while OIDC_ISSUER is unset: no SSO link, SSO routes 404, JWT-shaped bearers refused', async () => {
    const form = await (await fetch(`${harness.url}/console/login`)).text();
    assert.doesNotMatch(form, /Sign in with SSO/);
    for (const path of ['/console/sso/start', '/console/sso/callback?code=x&state=y']) assert.equal((await fetch(`${harness.url}${path}`, { redirect: 'manual' })).status, 404, path);
    const jwtShaped = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    assert.equal((await harness.admin('GET', `/admin/subscriptions?tenantId=${tenantA}`, undefined, jwtShaped)).status, 401);
  });
});
