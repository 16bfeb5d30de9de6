import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundException, type ExecutionContext } from '@nestjs/common';
import { AdminApiGuard } from '@idsync/platform';
import { ScimClient, startGateway, type GatewayHarness } from './scim-harness';

const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

interface JsonResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & Array<Record<string, unknown>>;
  text: string;
}

describe('scim-gateway admin API (/admin)', () => {
  let gw: GatewayHarness;

  before(async () => {
    gw = await startGateway({ ADMIN_API_TOKEN: ADMIN_TOKEN });
  });
  after(async () => gw?.close());

  async function admin(method: string, path: string, body?: unknown, token = ADMIN_TOKEN): Promise<JsonResponse> {
    const res = await fetch(`${gw.url}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {}, text };
  }

  it('creates a tenant, issues a token that works on /scim/v2, lists it without its value, and revokes it', async () => {
    const tenant = await admin('POST', '/tenants', { name: 'acme' });
    assert.equal(tenant.status, 201, tenant.text);
    assert.match(tenant.headers.get('content-type') ?? '', /^application\/json/);
    assert.match(String(tenant.body.id), /^[0-9a-f-]{36}$/);
    assert.equal(tenant.body.name, 'acme');

    const tenants = await admin('GET', '/tenants');
    assert.equal(tenants.status, 200);
    assert.deepEqual(tenants.body.map((t) => t.name), ['acme']);

    const issued = await admin('POST', '/tenants/acme/tokens', { description: 'Okta production' });
    assert.equal(issued.status, 201, issued.text);
    const id = String(issued.body.id);
    const token = String(issued.body.token);
    assert.match(token, /^idsync_scim_/);
    assert.equal(issued.body.tenantId, tenant.body.id);
    const byId = await admin('POST', `/tenants/${tenant.body.id as string}/tokens`, {});
    assert.equal(byId.status, 201, 'a tenant can be named by id too');

    const scim = new ScimClient(gw.url, token);
    const users = await scim.get('/Users');
    assert.equal(users.status, 200, users.text);
    assert.equal(users.body.totalResults, 0);

    const listed = await admin('GET', '/tenants/acme/tokens');
    assert.equal(listed.status, 200);
    assert.equal(listed.body.length, 2);
    const summary = listed.body.find((t) => t.id === id);
    assert.equal(summary?.description, 'Okta production');
    assert.equal(summary?.revokedAt, null);
    assert.ok(!listed.text.includes(token), 'token values are never listed');
    for (const t of listed.body) assert.deepEqual(Object.keys(t).sort(), ['createdAt', 'description', 'id', 'lastUsedAt', 'revokedAt', 'tenantId']);

    const revoked = await admin('DELETE', `/tokens/${id}`);
    assert.equal(revoked.status, 204, revoked.text);
    assert.equal((await scim.get('/Users')).status, 401);
    assert.equal((await admin('DELETE', `/tokens/${id}`)).status, 404, 'already revoked');
    assert.ok((await admin('GET', '/tenants/acme/tokens')).body.find((t) => t.id === id)?.revokedAt);

    const audit = (await gw.dataSource.query(
      `SELECT action, tenant_id, resource_id FROM audit_log WHERE actor_type = 'admin' ORDER BY id`,
    )) as Array<{ action: string; tenant_id: string; resource_id: string }>;
    assert.deepEqual(audit.map((a) => a.action), ['tenant.create', 'token.issue', 'token.issue', 'token.revoke']);
    assert.ok(audit.every((a) => a.tenant_id === tenant.body.id));
    assert.equal(audit[3].resource_id, id);
  });

  it('answers a missing or wrong admin token with 401, in plain JSON', async () => {
    for (const token of ['wrong', `${ADMIN_TOKEN}x`, '']) {
      const res = await admin('GET', '/tenants', undefined, token);
      assert.equal(res.status, 401, `token ${JSON.stringify(token)}`);
      assert.equal(res.body.statusCode, 401);
      assert.equal(typeof res.body.message, 'string');
      assert.equal(res.body.schemas, undefined, 'not a SCIM error');
    }
    const noHeader = await fetch(`${gw.url}/admin/tenants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"sneaky"}' });
    assert.equal(noHeader.status, 401);
    assert.equal((await admin('GET', '/tenants')).body.some((t) => t.name === 'sneaky'), false);
    // A SCIM tenant token is not an admin token.
    const scim = await gw.tenant();
    assert.equal((await admin('GET', '/tenants', undefined, scim.token)).status, 401);
  });

  it('rejects invalid bodies with 400 and a duplicate tenant name with 409', async () => {
    const invalid: unknown[] = [{}, { name: '' }, { name: 'has space' }, { name: 42 }, { name: 'ok-name', extra: true }];
    for (const body of invalid) {
      const res = await admin('POST', '/tenants', body);
      assert.equal(res.status, 400, `${JSON.stringify(body)} → ${res.text}`);
      assert.equal(res.body.statusCode, 400);
      assert.ok(res.body.message);
    }
    assert.equal((await admin('GET', '/tenants')).body.some((t) => t.name === 'ok-name'), false);
    assert.equal((await admin('POST', '/tenants/acme/tokens', { description: 'x', scopes: ['all'] })).status, 400);
    assert.equal((await admin('POST', '/tenants/acme/tokens', { description: 7 })).status, 400);

    assert.equal((await admin('POST', '/tenants', { name: 'globex' })).status, 201);
    const duplicate = await admin('POST', '/tenants', { name: 'GLOBEX' });
    assert.equal(duplicate.status, 409, duplicate.text);
    assert.match(String(duplicate.body.message), /already exists/);
  });

  it('answers unknown tenants and tokens with 404 and a malformed token id with 400', async () => {
    assert.equal((await admin('POST', '/tenants/no-such-tenant/tokens', {})).status, 404);
    assert.equal((await admin('GET', '/tenants/no-such-tenant/tokens')).status, 404);
    assert.equal((await admin('DELETE', '/tokens/00000000-0000-4000-8000-000000000000')).status, 404);
    assert.equal((await admin('DELETE', '/tokens/not-a-uuid')).status, 400);
  });
});

describe('AdminApiGuard without ADMIN_API_TOKEN', () => {
  it('disables the admin API: every request is a 404, whatever it presents', () => {
    const guard = new AdminApiGuard('');
    for (const authorization of [undefined, 'Bearer ', 'Bearer anything']) {
      const context = { switchToHttp: () => ({ getRequest: () => ({ headers: { authorization } }) }) } as unknown as ExecutionContext;
      assert.throws(() => guard.canActivate(context), NotFoundException);
    }
  });
});
