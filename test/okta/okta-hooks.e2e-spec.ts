import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { OKTA_SOURCED_EVENT_TYPES, oktaSubjectId } from '@idsync/contracts';
import { assertConforms, validateIdentityEvent } from '../contracts/asyncapi-validator';
import type { ReadIdentityEvent } from '../pipeline/pipeline-harness';
import { oktaDelivery, oktaEvent, oktaUserId } from './okta-fixtures';
import { startOktaPipeline, type OktaPipeline } from './okta-harness';

// Event Hooks end to end: real gateway + worker in-process, real Kafka and PostgreSQL.

const SECRET = 'Basic b2t0YS1ob29rOnMzY3JldC12YWx1ZS0xMjM0NTY=';

describe('Okta Event Hooks → canonical events', () => {
  let p: OktaPipeline;
  let tenantId: string;
  let tenantName: string;

  const eventsOf = (uuid: string) => (e: ReadIdentityEvent) => (e.data.okta as { eventId?: string } | undefined)?.eventId === uuid;

  before(async () => {
    p = await startOktaPipeline('okta_hooks', { OKTA_HOOK_RATE_LIMIT_PER_SECOND: '2', OKTA_HOOK_RATE_LIMIT_BURST: '4', OKTA_HOOK_MAX_PAYLOAD_BYTES: '65536' });
    const t = await p.gateway.tenant();
    tenantId = t.tenantId;
    const listed = await p.admin('GET', `/tenants/${tenantId}/okta`);
    tenantName = String((listed.body as { tenantName: string }).tenantName);
    const set = await p.admin('PUT', `/tenants/${tenantName}/okta/hook`, { headerName: 'Authorization', secret: SECRET });
    assert.equal(set.status, 200, JSON.stringify(set.body));
  });

  after(async () => {
    await p?.close();
  });

  /** A tenant of its own with the hook configured: its own rate-limit bucket (the suite's limit is low on purpose). */
  async function hookTenant(): Promise<string> {
    const t = await p.gateway.tenant();
    assert.equal((await p.admin('PUT', `/tenants/${t.tenantId}/okta/hook`, { secret: SECRET })).status, 200);
    return t.tenantId;
  }

  it('the admin API shows the hook configuration and never the secret', async () => {
    const shown = await p.admin('GET', `/tenants/${tenantName}/okta`);
    assert.equal(shown.status, 200);
    assert.equal((shown.body.hook as { headerName: string }).headerName, 'Authorization');
    assert.equal(shown.body.hookPath, `/hooks/okta/${tenantId}`);
    assert.ok(!JSON.stringify(shown.body).includes(SECRET), 'no secret in the view');
    const [row] = (await p.gateway.dataSource.query('SELECT secret_ciphertext FROM okta_hook_configs WHERE tenant_id = $1', [tenantId])) as Array<{ secret_ciphertext: string }>;
    assert.ok(row.secret_ciphertext.startsWith('v1.k1.') && !row.secret_ciphertext.includes(SECRET), 'encrypted at rest');
    assert.equal((await p.admin('PUT', `/tenants/${tenantName}/okta/hook`, { secret: 'short' })).status, 400);
    assert.equal((await p.admin('PUT', `/tenants/${tenantName}/okta/hook`, {})).status, 400, 'neither secret nor generate');
    assert.equal((await p.admin('GET', `/tenants/no-such-tenant/okta`)).status, 404);
    const unauthenticated = await fetch(`${p.gateway.url}/admin/tenants/${tenantName}/okta`);
    assert.equal(unauthenticated.status, 401);
  });

  it('verification: echoes x-okta-verification-challenge with the right secret only', async () => {
    const ok = await p.verify(tenantName, 'X5ffHmlnl4b5lFdAxmz5QZJVe1Yyu3vFr7dwj1L-', SECRET);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { verification: 'X5ffHmlnl4b5lFdAxmz5QZJVe1Yyu3vFr7dwj1L-' });
    assert.equal((await p.verify(tenantId, 'abc', SECRET)).status, 200, 'the tenant id works too');
    assert.equal((await p.verify(tenantName, 'abc', 'Basic wrong')).status, 401);
    assert.equal((await p.verify(tenantName, 'abc', undefined)).status, 401);
    assert.equal((await p.verify('no-such-tenant', 'abc', SECRET)).status, 401, 'unknown tenants look the same as wrong secrets');
    assert.equal((await p.verify(tenantName, undefined, SECRET)).status, 400);
  });

  it('a delivery shaped like Okta\'s documentation becomes the expected canonical events, linked to the SCIM user', async () => {
    const okta = { id: oktaUserId(), type: 'User', alternateId: `${randomUUID()}@example.com`, displayName: 'Luca da Silva' };
    // Provisioned by Okta's SCIM connector first: externalId = the Okta user id.
    const created = await fetchScimUser(p, tenantId, okta.id, okta.alternateId);
    const deactivate = oktaEvent('user.lifecycle.deactivate', okta);
    const lock = oktaEvent('user.account.lock', okta, { actor: { id: '0oa1systemprincipal', type: 'SystemPrincipal', alternateId: 'system@okta.com', displayName: 'Okta System' } });
    const sessions = oktaEvent('user.session.clear', okta);
    const password = oktaEvent('user.account.reset_password', okta);
    const suspend = oktaEvent('user.lifecycle.suspend', okta);
    const unmapped = oktaEvent('user.session.start', okta);
    const res = await p.deliver(tenantName, oktaDelivery([deactivate, lock, sessions, password, suspend, unmapped]), SECRET);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { accepted: 6, duplicates: 0 });

    const expected: Array<[Record<string, unknown>, string]> = [
      [deactivate, OKTA_SOURCED_EVENT_TYPES.userAccountDeactivated],
      [lock, OKTA_SOURCED_EVENT_TYPES.userLocked],
      [sessions, OKTA_SOURCED_EVENT_TYPES.userSessionsRevoked],
      [password, OKTA_SOURCED_EVENT_TYPES.userCredentialsChanged],
      [suspend, OKTA_SOURCED_EVENT_TYPES.userSuspended],
    ];
    const all = await p.reader.waitForEvents((e) => e.ce.tenantid === tenantId && e.data.scimResourceId !== undefined && (e.data.okta as { userId: string }).userId === okta.id, expected.length, 'the mapped events');
    assert.deepEqual(all.map((e) => e.ce.type), expected.map(([, type]) => type), 'one event per mapped Okta event, in delivery order');
    for (const [source, type] of expected) {
      const [event] = all.filter(eventsOf(String(source.uuid)));
      assert.equal(event.ce.type, type);
      assert.equal(event.ce.subject, created, 'one subject per person: the SCIM user');
      assert.equal(event.data.scimResourceId, created);
      assert.equal(event.ce.id, `okta:${tenantId}:${String(source.uuid)}:0`, 'id derived from the Okta event uuid');
      assert.equal(event.ce.time, String(source.published));
      assert.equal(event.key, `${tenantId}:${created}`);
      assertConforms(validateIdentityEvent(event.headers, event.value, event.key), type);
    }
    assert.equal(all.find(eventsOf(String(lock.uuid)))?.ce.actor, 'okta-hook:0oa1systemprincipal');
    assert.equal(all.filter(eventsOf(String(unmapped.uuid))).length, 0, 'unmapped types publish nothing');
  });

  it('a person SCIM does not know gets a stable derived subject', async () => {
    const okta = { id: oktaUserId(), type: 'User', alternateId: `${randomUUID()}@example.com`, displayName: 'Nobody Provisioned' };
    const lock = oktaEvent('user.account.lock', okta);
    const unlock = oktaEvent('user.account.unlock', okta);
    assert.equal((await p.deliver(tenantId, oktaDelivery([lock, unlock]), SECRET)).status, 200);
    const events = await p.reader.waitForEvents((e) => (e.data.okta as { userId?: string } | undefined)?.userId === okta.id, 2, 'both events');
    const subject = oktaSubjectId(tenantId, okta.id);
    assert.deepEqual(events.map((e) => [e.ce.type, e.ce.subject, e.data.scimResourceId]), [
      [OKTA_SOURCED_EVENT_TYPES.userLocked, subject, null],
      [OKTA_SOURCED_EVENT_TYPES.userUnlocked, subject, null],
    ]);
    for (const e of events) assertConforms(validateIdentityEvent(e.headers, e.value, e.key), e.ce.type);
  });

  it('a wrong secret gets 401 and produces nothing', async () => {
    const okta = { id: oktaUserId(), type: 'User', alternateId: 'x@example.com', displayName: 'X' };
    const rejected = oktaEvent('user.account.lock', okta);
    for (const auth of ['Basic d3Jvbmc6d3Jvbmc=', SECRET.slice(0, -1), SECRET.toLowerCase(), `${SECRET}x`, '', undefined]) {
      const res = await p.deliver(tenantName, oktaDelivery([rejected]), auth);
      assert.equal(res.status, 401, `auth ${JSON.stringify(auth)}`);
    }
    assert.equal(await p.count('SELECT count(*) AS n FROM okta_hook_events WHERE event_uuid = $1', [rejected.uuid]), 0);
    assert.equal(await p.count(`SELECT count(*) AS n FROM outbox WHERE payload->'event'->>'uuid' = $1`, [rejected.uuid]), 0);
    // A later accepted event of the same person travels the same partitions: once it is out, the rejected one would be too.
    const barrier = oktaEvent('user.account.unlock', okta);
    assert.equal((await p.deliver(tenantName, oktaDelivery([barrier]), SECRET)).status, 200);
    await p.reader.waitForEvents(eventsOf(String(barrier.uuid)), 1, 'the barrier event');
    assert.equal(p.reader.events(eventsOf(String(rejected.uuid))).length, 0);
  });

  it('the same delivery three times yields one event per Okta event', async () => {
    const own = await hookTenant();
    const okta = { id: oktaUserId(), type: 'User', alternateId: 'r@example.com', displayName: 'R' };
    const delivery = oktaDelivery([oktaEvent('user.session.end', okta), oktaEvent('user.account.update_password', okta)]);
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await p.deliver(own, delivery, SECRET));
    assert.deepEqual(results.map((r) => [r.status, r.body.accepted, r.body.duplicates]), [[200, 2, 0], [200, 0, 2], [200, 0, 2]]);
    const barrier = oktaEvent('user.account.lock', okta);
    assert.equal((await p.deliver(own, oktaDelivery([barrier]), SECRET)).status, 200);
    await p.reader.waitForEvents(eventsOf(String(barrier.uuid)), 1, 'the barrier event');
    const [a, b] = (delivery.data as { events: Array<{ uuid: string }> }).events;
    assert.equal(p.reader.events(eventsOf(a.uuid)).length, 1);
    assert.equal(p.reader.events(eventsOf(b.uuid)).length, 1);
    assert.equal(await p.count(`SELECT count(*) AS n FROM outbox WHERE payload->'event'->>'uuid' = ANY($1)`, [[a.uuid, b.uuid]]), 2);
  });

  it('bad bodies get clear 4xx and store nothing', async () => {
    const own = await hookTenant();
    const before = await p.count('SELECT count(*) AS n FROM okta_hook_events WHERE tenant_id = $1', [own]);
    const okta = { id: oktaUserId(), type: 'User' };
    const cases: Array<[unknown, number, Record<string, string>?]> = [
      ['{"eventType": "com.okta.event_hook", "data": ', 400],
      [{ eventType: 'something.else', data: { events: [] } }, 400],
      [oktaDelivery([{ ...oktaEvent('user.account.lock', okta), uuid: 'not-a-uuid' }]), 400],
      [oktaDelivery([oktaEvent('user.account.lock', okta), { ...oktaEvent('user.account.lock', okta), published: 'yesterday' }]), 400],
      [oktaDelivery(Array.from({ length: 400 }, () => oktaEvent('user.account.lock', { ...okta, displayName: 'x'.repeat(200) }))), 413],
      [JSON.stringify(oktaDelivery([oktaEvent('user.account.lock', okta)])), 415, { 'content-type': 'text/plain' }],
    ];
    for (const [body, status, headers] of cases) {
      const res = await p.deliver(own, body, SECRET, headers);
      assert.equal(res.status, status, JSON.stringify(res.body).slice(0, 200));
      assert.equal(typeof res.body.message, 'string');
      // Keep under the rate limit: this test is about validation, not throttling.
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(await p.count('SELECT count(*) AS n FROM okta_hook_events WHERE tenant_id = $1', [own]), before, 'nothing stored');
  });

  it('a burst over the rate limit gets 429 with Retry-After, and every accepted event comes out', async () => {
    const burstTenant = await p.gateway.tenant();
    assert.equal((await p.admin('PUT', `/tenants/${burstTenant.tenantId}/okta/hook`, { headerName: 'X-Okta-Secret', secret: 'burst-secret-0123456789' })).status, 200);
    const deliveries = Array.from({ length: 12 }, () => oktaEvent('user.session.clear', { id: oktaUserId(), type: 'User' }));
    const results = await Promise.all(deliveries.map((e) => p.deliver(burstTenant.tenantId, oktaDelivery([e]), undefined, { 'x-okta-secret': 'burst-secret-0123456789' })));
    const accepted = deliveries.filter((_, i) => results[i].status === 200);
    const limited = results.filter((r) => r.status === 429);
    assert.ok(accepted.length >= 1 && limited.length >= 1, `statuses ${results.map((r) => r.status).join(',')}`);
    assert.equal(accepted.length + limited.length, deliveries.length);
    for (const r of limited) assert.match(r.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    const out = await p.reader.waitForEvents((e) => e.ce.tenantid === burstTenant.tenantId, accepted.length, 'every accepted event');
    assert.deepEqual(new Set(out.map((e) => (e.data.okta as { eventId: string }).eventId)), new Set(accepted.map((e) => String(e.uuid))));
    // The other tenant's bucket is untouched by this burst.
    assert.equal((await p.verify(tenantName, 'still-fine', SECRET)).status, 200);
  });
});

/** Creates a SCIM user the way Okta's SCIM connector does (externalId = Okta user id); returns its id. */
async function fetchScimUser(p: OktaPipeline, tenantId: string, oktaId: string, login: string): Promise<string> {
  const issued = await p.admin('POST', `/tenants/${tenantId}/tokens`, { description: 'okta e2e' });
  const res = await fetch(`${p.gateway.url}/scim/v2/Users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${String(issued.body.token)}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: login, externalId: oktaId, name: { givenName: 'Luca', familyName: 'da Silva' }, active: true }),
  });
  const body = (await res.json()) as { id: string };
  assert.equal(res.status, 201);
  return body.id;
}
