import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { waitFor } from '@idsync/testing';
import { startGateway, type GatewayHarness } from '../scim/scim-harness';
import { WebhookHarness } from '../webhooks/webhook-harness';

// Token guessing against the real apps and PostgreSQL: after AUTH_FAILURE_LIMIT failed credentials
// from one address, further attempts get 429 + Retry-After before any token lookup; each failure is
// audited without the presented token, the throttle once per window. Admin tokens too, on both apps,
// and an admin-token lookup that fails because the database is gone answers 503, not 500.

const LIMIT = 4;
const ADMIN_TOKEN = 'brute-force-admin-token-0123456789';
const ATTACKER = '192.0.2.7';

async function auditRows(url: string, action: string): Promise<Array<{ actor_id: string; details: Record<string, unknown> }>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SELECT actor_id, details FROM audit_log WHERE action = $1 ORDER BY seq', [action])).rows as Array<{ actor_id: string; details: Record<string, unknown> }>;
  } finally {
    await client.end();
  }
}

/** Makes the app's database unreachable for a moment: new connections refused, existing ones terminated (real PostgreSQL, no mocks). */
async function withDatabaseDown<T>(url: string, during: () => Promise<T>): Promise<T> {
  const name = new URL(url).pathname.slice(1);
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const client = new pg.Client({ connectionString: adminUrl.toString() });
  await client.connect();
  try {
    await client.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    return await during();
  } finally {
    await client.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
    await client.end();
  }
}

describe('token brute force: scim-gateway', () => {
  let gw: GatewayHarness;

  before(async () => {
    // Behind a (loopback) proxy: the client address is X-Forwarded-For's.
    gw = await startGateway({ AUTH_FAILURE_LIMIT: String(LIMIT), AUTH_FAILURE_WINDOW_SECONDS: '60', ADMIN_API_TOKEN: ADMIN_TOKEN, TRUST_PROXY: 'loopback' });
  });

  after(async () => {
    await gw?.close();
  });

  it('throttles an address after repeated bad SCIM tokens, audits each failure (never the token) and the throttle once', async () => {
    const good = await gw.tenant();
    const client = { 'x-forwarded-for': ATTACKER };
    assert.equal((await good.get('/Users?count=1', client)).status, 200, 'a token that works from this address');
    const guesses = Array.from({ length: LIMIT + 3 }, (_, i) => `idsync_scim_guess-${i}-${'x'.repeat(20)}`);
    const statuses: number[] = [];
    let throttled: Response | undefined;
    for (const guess of guesses) {
      const res = await fetch(`${gw.url}/scim/v2/Users`, { headers: { authorization: `Bearer ${guess}`, ...client } });
      statuses.push(res.status);
      if (res.status === 429) throttled ??= res;
      else await res.arrayBuffer();
    }
    assert.deepEqual(statuses, [...Array(LIMIT).fill(401), 429, 429, 429]);
    assert.ok(throttled);
    assert.ok(Number(throttled.headers.get('retry-after')) >= 1, 'Retry-After');
    assert.match(throttled.headers.get('content-type') ?? '', /application\/scim\+json/);
    const body = (await throttled.json()) as { schemas: string[]; status: string; detail: string };
    assert.deepEqual(body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
    assert.equal(body.status, '429');

    // A missing credential is not a guess, and a credential that succeeded from here still works.
    assert.equal((await good.get('/Users?count=1', client)).status, 200, 'a known-good token is not locked out by the guesses');
    assert.equal((await fetch(`${gw.url}/scim/v2/Users`, { headers: { authorization: 'Bearer idsync_scim_new-token-never-seen' } })).status, 401, 'another address is not throttled');
    assert.equal((await fetch(`${gw.url}/health/live`)).status, 200, 'health is exempt');

    const rejected = await waitFor(async () => {
      const rows = await auditRows(gw.db.url, 'auth.token_rejected');
      return rows.length >= LIMIT + 1 && rows;
    }, { what: 'the audited failures' });
    assert.equal(rejected.filter((r) => r.actor_id === ATTACKER).length, LIMIT, 'throttled attempts never reached the token check');
    const throttle = await waitFor(async () => {
      const rows = await auditRows(gw.db.url, 'auth.throttled');
      return rows.length >= 1 && rows;
    }, { what: 'the auth.throttled record' });
    assert.equal(throttle.length, 1, 'the throttle is audited once per window');
    assert.equal(throttle[0]!.actor_id, ATTACKER, 'the proxied client address, not the proxy');
    assert.equal(throttle[0]!.details.failures, LIMIT);
    const raw = JSON.stringify([...rejected, ...throttle]);
    for (const guess of guesses) assert.ok(!raw.includes(guess), 'no presented token in the audit trail');
  });

  it('throttles bad admin tokens the same way', async () => {
    // The SCIM guesses above already used this address's budget.
    const res = await fetch(`${gw.url}/admin/tenants`, { headers: { authorization: 'Bearer wrong-admin-token-value', 'x-forwarded-for': ATTACKER } });
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    assert.equal(((await res.json()) as { statusCode: number }).statusCode, 429);
  });

  it('answers 503 + Retry-After (not 500) when the admin-token lookup cannot reach the database', async () => {
    const client = { 'x-forwarded-for': '192.0.2.99' }; // an address the guesses above did not throttle
    const res = await withDatabaseDown(gw.db.url, () => fetch(`${gw.url}/admin/tenants`, { headers: { authorization: 'Bearer idsa_some-token-that-needs-a-lookup', ...client } }));
    const text = await res.text();
    assert.equal(res.status, 503, text);
    assert.ok(Number(res.headers.get('retry-after')) >= 1, 'Retry-After');
    assert.doesNotMatch(text, /ALLOW_CONNECTIONS|accepting connections|terminat|QueryFailedError|at .+\(/i);
    await waitFor(async () => (await fetch(`${gw.url}/admin/tenants`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...client } })).status === 200, { what: 'the admin API back' });
  });
});

describe('admin tokens at webhook-delivery: brute force and a database outage', () => {
  let wh: WebhookHarness;

  before(async () => {
    wh = await WebhookHarness.start({ AUTH_FAILURE_LIMIT: String(LIMIT), AUTH_FAILURE_WINDOW_SECONDS: '60' });
  });

  after(async () => {
    await wh?.close();
  });

  it('answers 503 + Retry-After (not 500) when the admin-token lookup cannot reach the database', async () => {
    const res = await withDatabaseDown(wh.db.url, () =>
      fetch(`${wh.url}/admin/subscriptions?tenantId=00000000-0000-4000-8000-000000000000`, { headers: { authorization: 'Bearer idsa_some-token-that-needs-a-lookup' } }),
    );
    const text = await res.text();
    assert.equal(res.status, 503, text);
    assert.ok(Number(res.headers.get('retry-after')) >= 1, 'Retry-After');
    assert.doesNotMatch(text, /ALLOW_CONNECTIONS|does not allow connections|terminat|QueryFailedError|at .+\(/i, 'no driver message or stack in the body');
    await waitFor(async () => (await wh.admin('GET', '/admin/subscriptions?tenantId=00000000-0000-4000-8000-000000000000')).status === 200, { what: 'the admin API back' });
  });

  it('audits each failed admin token (it did not before) and throttles the address after the limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) statuses.push((await wh.admin('GET', '/admin/subscriptions', undefined, `idsa_wrong-${i}`)).status);
    assert.deepEqual(statuses, [...Array(LIMIT).fill(401), 429, 429]);
    const rejected = await waitFor(async () => {
      const rows = await auditRows(wh.db.url, 'auth.token_rejected');
      return rows.length >= LIMIT && rows;
    }, { what: 'the audited admin failures' });
    assert.equal(rejected.length, LIMIT);
    for (const row of rejected) {
      assert.equal(row.details.app, 'webhook-delivery');
      assert.equal(row.details.credential, 'presented');
      assert.ok(!JSON.stringify(row).includes('idsa_wrong'), 'never the presented token');
    }
    const throttle = await waitFor(async () => {
      const rows = await auditRows(wh.db.url, 'auth.throttled');
      return rows.length >= 1 && rows;
    }, { what: 'the auth.throttled record' });
    assert.equal(throttle.length, 1);
    assert.equal((await wh.admin('GET', '/admin/subscriptions?tenantId=00000000-0000-4000-8000-000000000000')).status, 200, 'the break-glass token used from here before still works');
  });
});
