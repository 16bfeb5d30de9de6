import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AccessGrantStore, AdminApiGuard } from '@idsync/platform';
import { startGateway, type GatewayHarness } from '../scim/scim-harness';
import { jsonOf, runIdsync } from '../cli/cli-runner';
import { concretePath, createAdminToken, handlerOf, nestRoutes, servedRoutes } from './rbac-support';

// Admin RBAC on the scim-gateway, started for real on its own database: every /admin route in
// the Express router declares a scope, and each role gets 200/403/404 as docs/SECURITY.md says.

const BREAK_GLASS = 'rbac-break-glass-admin-token-0123456789';

describe('scim-gateway admin RBAC', () => {
  let gw: GatewayHarness;
  let tenantA: { id: string; name: string };
  let tenantB: { id: string; name: string };
  const tokens: Record<string, string> = {};

  const call = async (token: string | undefined, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    // JSON Lines (the audit export) is kept as text.
    const json = (res.headers.get('content-type') ?? '').startsWith('application/json');
    return { status: res.status, body: json && text ? (JSON.parse(text) as Record<string, unknown>) : { text } };
  };

  before(async () => {
    gw = await startGateway({ ADMIN_API_TOKEN: BREAK_GLASS });
    const a = await call(BREAK_GLASS, 'POST', '/admin/tenants', { name: `rbac-a-${process.pid}` });
    const b = await call(BREAK_GLASS, 'POST', '/admin/tenants', { name: `rbac-b-${process.pid}` });
    tenantA = a.body as { id: string; name: string };
    tenantB = b.body as { id: string; name: string };
    for (const role of ['admin', 'operator', 'auditor'] as const) tokens[role] = (await createAdminToken(gw.dataSource, role)).token;
    tokens['tenant-admin'] = (await createAdminToken(gw.dataSource, 'tenant-admin', tenantA.id)).token;
  });

  after(async () => {
    await gw?.close();
  });

  it('declares a scope on every /admin route the Express router serves, and refuses each without a token', async () => {
    const nest = nestRoutes(gw.app);
    const admin = servedRoutes(gw.app).filter((r) => r.path.startsWith('/admin'));
    assert.ok(admin.length >= 10, `expected the admin routes, found ${admin.length}`);
    for (const route of admin) {
      const handler = handlerOf(nest, route);
      assert.ok(handler, `${route.method} ${route.path} has no Nest handler`);
      assert.ok(handler.adminScope, `${route.method} ${route.path} (${handler.controller}.${handler.handler}) declares no @AdminScope`);
      assert.ok(handler.guards.includes(AdminApiGuard.name), `${route.method} ${route.path} is not behind AdminApiGuard`);
      const res = await call(undefined, route.method, concretePath(route.path), route.method === 'GET' || route.method === 'DELETE' ? undefined : {});
      assert.equal(res.status, 401, `${route.method} ${route.path} without a token`);
    }
  });

  it('bootstraps an admin token from the CLI with database access only', async () => {
    const created = jsonOf<{ id: string; token: string; role: string }>(await runIdsync(['admin-token', 'create', '--name', `cli-admin-${process.pid}`, '--role', 'admin', '--expires-in', '1d', '--json'], { DATABASE_URL: gw.db.url }));
    assert.match(created.token, /^idsa_[A-Za-z0-9_-]{43}$/);
    assert.equal((await call(created.token, 'GET', '/admin/tenants')).status, 200);
    const stored = (await gw.dataSource.query('SELECT token_hash, last_used_at FROM admin_tokens WHERE id = $1', [created.id])) as Array<{ token_hash: Buffer; last_used_at: Date | null }>;
    assert.equal(stored[0].token_hash.length, 32, 'only the SHA-256 is stored');
    assert.ok(stored[0].last_used_at, 'last_used_at is recorded');
    const listed = jsonOf<Array<Record<string, unknown>>>(await runIdsync(['admin-token', 'list', '--json'], { DATABASE_URL: gw.db.url }));
    assert.ok(listed.some((t) => t.id === created.id));
    assert.ok(listed.every((t) => !('token' in t) && !('tokenHash' in t)), 'list never shows token values');
    assert.equal((await runIdsync(['admin-token', 'create', '--name', 'x', '--role', 'tenant-admin'], { DATABASE_URL: gw.db.url })).code, 2, 'tenant-admin needs --tenant');
    jsonOf(await runIdsync(['admin-token', 'revoke', created.id, '--json'], { DATABASE_URL: gw.db.url }));
    assert.equal((await call(created.token, 'GET', '/admin/tenants')).status, 401, 'a revoked token is refused');
  });

  it('answers each role on representative routes with 200/201/204, 403 or 404 as designed', async () => {
    const A = () => tenantA.name;
    const B = () => tenantB.id;
    // [method, path, body, admin, operator, auditor, tenant-admin (of A)]
    const matrix: Array<[string, () => string, unknown, number, number, number, number]> = [
      ['GET', () => '/admin/tenants', undefined, 200, 200, 403, 403],
      ['POST', () => '/admin/tenants', { name: `rbac-new-${randomUUID().slice(0, 8)}` }, 201, 403, 403, 403],
      ['GET', () => `/admin/tenants/${A()}/tokens`, undefined, 200, 200, 403, 200],
      ['GET', () => `/admin/tenants/${B()}/tokens`, undefined, 200, 200, 403, 404],
      ['POST', () => `/admin/tenants/${A()}/tokens`, { description: 'rbac' }, 201, 403, 403, 201],
      ['POST', () => `/admin/tenants/${B()}/tokens`, { description: 'rbac' }, 201, 403, 403, 404],
      ['GET', () => `/admin/tenants/${tenantA.id}/okta`, undefined, 200, 200, 403, 200],
      ['GET', () => `/admin/tenants/${tenantB.name}/okta`, undefined, 200, 200, 403, 404],
      ['DELETE', () => `/admin/tenants/${tenantB.name}/okta/hook`, undefined, 404, 403, 403, 404],
      ['GET', () => `/admin/audit?tenant=${tenantA.id}`, undefined, 200, 200, 200, 200],
      ['GET', () => `/admin/audit?tenant=${tenantB.name}`, undefined, 200, 200, 200, 404],
      ['GET', () => '/admin/audit', undefined, 200, 200, 200, 403],
      ['GET', () => `/admin/audit/export?tenant=${tenantB.id}`, undefined, 200, 200, 200, 404],
    ];
    const roles = ['admin', 'operator', 'auditor', 'tenant-admin'] as const;
    const failures: string[] = [];
    for (const [method, path, body, ...expected] of matrix) {
      for (const [i, role] of roles.entries()) {
        const res = await call(tokens[role], method, path(), body === undefined ? undefined : { ...(body as object), ...(method === 'POST' && path() === '/admin/tenants' ? { name: `rbac-new-${randomUUID().slice(0, 8)}` } : {}) });
        if (res.status !== expected[i]) failures.push(`${role} ${method} ${path()} → ${res.status} (expected ${expected[i]}): ${JSON.stringify(res.body)}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it("lets a tenant-admin revoke its own tenant's SCIM tokens only", async () => {
    const own = await call(BREAK_GLASS, 'POST', `/admin/tenants/${tenantA.id}/tokens`, {});
    const foreign = await call(BREAK_GLASS, 'POST', `/admin/tenants/${tenantB.id}/tokens`, {});
    const ta = tokens['tenant-admin'];
    assert.equal((await call(ta, 'DELETE', `/admin/tokens/${String(foreign.body.id)}`)).status, 403, 'a tenant-admin must name its tenant');
    assert.equal((await call(ta, 'DELETE', `/admin/tokens/${String(foreign.body.id)}?tenant=${tenantB.id}`)).status, 404);
    assert.equal((await call(ta, 'DELETE', `/admin/tokens/${String(foreign.body.id)}?tenant=${tenantA.id}`)).status, 404, "another tenant's token is not found");
    assert.equal((await call(ta, 'DELETE', `/admin/tokens/${String(own.body.id)}?tenant=${tenantA.name}`)).status, 204);
    const [foreignRow] = (await gw.dataSource.query('SELECT revoked_at FROM scim_tokens WHERE id = $1', [foreign.body.id])) as Array<{ revoked_at: Date | null }>;
    assert.equal(foreignRow.revoked_at, null, "the other tenant's token is untouched");
  });

  it('refuses expired, revoked, unknown and malformed tokens with 401', async () => {
    const expired = await createAdminToken(gw.dataSource, 'admin', null, new Date(Date.now() - 1000));
    const revoked = await createAdminToken(gw.dataSource, 'admin');
    await gw.dataSource.query('UPDATE admin_tokens SET revoked_at = now() WHERE id = $1', [revoked.id]);
    for (const token of [expired.token, revoked.token, `idsa_${'A'.repeat(43)}`, 'not-a-token', `${BREAK_GLASS}x`]) {
      assert.equal((await call(token, 'GET', '/admin/audit')).status, 401, token.slice(0, 12));
    }
    assert.equal((await call(undefined, 'GET', '/admin/audit')).status, 401);
    assert.equal((await call(BREAK_GLASS, 'GET', '/admin/audit')).status, 200, 'ADMIN_API_TOKEN still works (break-glass admin)');
  });

  it('names the acting token in the audit records of admin actions', async () => {
    const actor = await createAdminToken(gw.dataSource, 'admin');
    const created = await call(actor.token, 'POST', '/admin/tenants', { name: `rbac-audited-${process.pid}` });
    assert.equal(created.status, 201);
    const rows = (await gw.dataSource.query("SELECT actor_type, actor_id FROM audit_log WHERE action = 'tenant.create' AND resource_id = $1", [created.body.id])) as Array<{ actor_type: string; actor_id: string }>;
    assert.deepEqual(rows, [{ actor_type: 'admin', actor_id: `admin-token:${actor.id}` }]);
  });

  it('elevates a subject just in time: the grant applies at once, ends when revoked or expired, and is audited', async () => {
    const auditor = await createAdminToken(gw.dataSource, 'auditor');
    assert.equal((await call(auditor.token, 'GET', '/admin/tenants')).status, 403);

    const granted = jsonOf<{ id: string; expiresAt: string }>(
      await runIdsync(['access', 'grant', '--subject', auditor.name, '--role', 'operator', '--for', '2h', '--reason', 'INC-123', '--json'], { DATABASE_URL: gw.db.url }),
    );
    assert.ok(Date.parse(granted.expiresAt) > Date.now() + 3_500_000);
    assert.equal((await call(auditor.token, 'GET', '/admin/tenants')).status, 200, 'operator via the grant');
    assert.equal((await call(auditor.token, 'POST', '/admin/tenants', { name: 'nope' })).status, 403, 'still not admin');
    jsonOf(await runIdsync(['access', 'revoke', granted.id, '--json'], { DATABASE_URL: gw.db.url }));
    assert.equal((await call(auditor.token, 'GET', '/admin/tenants')).status, 403, 'revoked grant');

    // Expiry: the grant's end moved into the past is what a lapsed grant looks like at request time.
    const grants = new AccessGrantStore(gw.dataSource);
    const second = await grants.grant({ subject: auditor.name, role: 'operator', tenantId: null, reason: 'CHG-9', durationMs: 3_600_000 }, { actorType: 'cli', actorId: 'cli:test' });
    assert.equal((await call(auditor.token, 'GET', '/admin/tenants')).status, 200);
    await gw.dataSource.query("UPDATE admin_access_grants SET expires_at = now() - interval '1 second' WHERE id = $1", [second.id]);
    assert.equal((await call(auditor.token, 'GET', '/admin/tenants')).status, 403, 'expired by itself');
    const listed = jsonOf<Array<{ id: string }>>(await runIdsync(['access', 'list', '--json'], { DATABASE_URL: gw.db.url }));
    assert.ok(!listed.some((g) => g.id === second.id), 'an expired grant is not in force');
    assert.equal(await grants.recordLapsed(), 0, 'the lapse is recorded once');

    const actions = (await gw.dataSource.query("SELECT action, resource_id FROM audit_log WHERE resource_type = 'AccessGrant' ORDER BY seq")) as Array<{ action: string; resource_id: string }>;
    assert.deepEqual(
      actions.map((a) => `${a.action}:${a.resource_id}`),
      [`access.grant:${granted.id}`, `access.revoke:${granted.id}`, `access.grant:${second.id}`, `access.expire:${second.id}`],
    );
    assert.equal((await runIdsync(['access', 'grant', '--subject', 'x', '--role', 'admin', '--for', '30d', '--reason', 'r'], { DATABASE_URL: gw.db.url })).code, 2, 'grants are bounded');
  });
});
