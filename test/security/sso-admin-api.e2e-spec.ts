import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { AccessGrantStore } from '@idsync/platform';
import { LocalOidcProvider } from '../support/local-oidc-provider';
import { ADMIN_TOKEN, startSsoStack, USERS, type SsoStack } from './sso-support';

// People's tools on the admin API with a JWT their identity provider issued (here: ID tokens from
// a real authorization code flow at a local oidc-provider): groups → roles, MFA required, and every
// forged, foreign, expired or mis-addressed token refused with 401.

describe('admin API with IdP-issued JWTs (OIDC single sign-on)', () => {
  let stack: SsoStack;
  let other: LocalOidcProvider;
  const tenantId = randomUUID();
  const tokens: Record<keyof typeof USERS, string> = { operator: '', auditor: '', noMfa: '', unmapped: '' };

  before(async () => {
    stack = await startSsoStack({ OIDC_API_AUDIENCE: 'api://idsync' });
    // Another provider with the same client id: its tokens are well-formed and signed, by the wrong issuer.
    other = await LocalOidcProvider.start({ users: [USERS.operator], clients: [stack.client] });
    const db = new pg.Client({ connectionString: stack.db.url });
    await db.connect();
    await db.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [tenantId, `sso-${tenantId.slice(0, 8)}`]);
    await db.end();
    for (const key of Object.keys(tokens) as Array<keyof typeof USERS>) tokens[key] = await stack.idp.idTokenFor(USERS[key], stack.client);
  });

  after(async () => {
    await other?.close();
    await stack?.close();
  });

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };
  const listSubscriptions = (token: string) => call('GET', `/admin/subscriptions?tenantId=${tenantId}`, token);
  const createSubscription = (token: string) => call('POST', '/admin/subscriptions', token, { tenantId, url: 'http://127.0.0.1:9/hook', eventTypes: ['idsync.user.*'] });

  it('lets an operator read and change subscriptions with their ID token, audited under their IdP subject', async () => {
    assert.equal((await listSubscriptions(tokens.operator)).status, 200);
    const created = await createSubscription(tokens.operator);
    assert.equal(created.status, 201, created.text);
    const db = new pg.Client({ connectionString: stack.db.url });
    await db.connect();
    const { rows } = await db.query<{ actor_id: string }>(`SELECT actor_id FROM audit_log WHERE action = 'subscriptions.create'`);
    await db.end();
    assert.deepEqual(rows.map((r) => r.actor_id), [stack.subjectOf(USERS.operator)]);
  });

  it('lets an auditor read but answers 403 for a route above the role', async () => {
    assert.equal((await listSubscriptions(tokens.auditor)).status, 200);
    const refused = await createSubscription(tokens.auditor);
    assert.equal(refused.status, 403);
    assert.match(refused.text, /subscriptions:write/);
  });

  it('answers 403 to a person whose groups map to no role, and 401 to a sign-in without MFA', async () => {
    assert.equal((await listSubscriptions(tokens.unmapped)).status, 403);
    assert.equal((await listSubscriptions(tokens.noMfa)).status, 401);
  });

  it('refuses with 401 a token from another issuer, for another audience, expired, tampered with, or unsigned', async () => {
    const claims = { sub: USERS.operator.id, groups: USERS.operator.groups, amr: USERS.operator.amr };
    const foreign = await other.idTokenFor(USERS.operator, stack.client);
    const wrongAudience = await stack.idp.sign(claims, { audience: 'some-other-app' });
    const expired = await stack.idp.sign(claims, { audience: stack.client.clientId, expiresIn: Math.floor(Date.now() / 1000) - 120 });
    // The auditor's real token with its groups raised to admin: the signature no longer matches.
    const [header, payload, signature] = tokens.auditor.split('.');
    const raised = { ...(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>), groups: ['idsync-admins'] };
    const tampered = [header, Buffer.from(JSON.stringify(raised)).toString('base64url'), signature].join('.');
    const unsigned = [Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url'), Buffer.from(JSON.stringify(raised)).toString('base64url'), 'x'].join('.');

    for (const [what, token] of Object.entries({ foreign, wrongAudience, expired, tampered, unsigned })) {
      const res = await listSubscriptions(token);
      assert.equal(res.status, 401, `${what} token: ${res.status} ${res.text}`);
      assert.doesNotMatch(res.text, /eyJ/, 'the refusal never echoes a token');
    }
    // The same signing key still works for a well-formed token (the refusals above are about the claims),
    // and for an access token addressed to OIDC_API_AUDIENCE (an Okta custom authorization server's).
    assert.equal((await listSubscriptions(await stack.idp.sign(claims, { audience: stack.client.clientId }))).status, 200);
    assert.equal((await listSubscriptions(await stack.idp.sign(claims, { audience: 'api://idsync' }))).status, 200);
  });

  it('keeps admin tokens working next to SSO', async () => {
    assert.equal((await listSubscriptions(ADMIN_TOKEN)).status, 200);
    assert.equal((await listSubscriptions('idsa_not-a-real-token')).status, 401);
  });

  it('elevates an SSO person with a just-in-time grant to their subject, and drops it when revoked', async () => {
    assert.equal((await createSubscription(tokens.auditor)).status, 403);
    const grants = new AccessGrantStore(stack.app.get(DataSource));
    const grant = await grants.grant({ subject: stack.subjectOf(USERS.auditor), role: 'operator', tenantId: null, reason: 'incident 42', durationMs: 3_600_000 }, { actorType: 'cli', actorId: 'cli:test' });
    const elevated = await createSubscription(tokens.auditor);
    assert.equal(elevated.status, 201, elevated.text);
    await grants.revoke(grant.id, { actorType: 'cli', actorId: 'cli:test' });
    assert.equal((await createSubscription(tokens.auditor)).status, 403);
  });
});
