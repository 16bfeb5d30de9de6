import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OKTA_SOURCED_EVENT_TYPES } from '@idsync/contracts';
import { assertConforms, validateIdentityEvent } from '../contracts/asyncapi-validator';
import type { ReadIdentityEvent } from '../pipeline/pipeline-harness';
import { FakeOkta } from './fake-okta';
import { oktaDelivery, oktaEvent, oktaUserId } from './okta-fixtures';
import { startOktaPipeline, type OktaPipeline } from './okta-harness';

// Okta Management API enrichment against a local server that behaves like Okta: rate-limit
// headers, 429 storms, slow responses. Real gateway + worker, real Kafka and PostgreSQL.

const SECRET = 'enrichment-hook-secret-0123456789';
const SHARE = 0.5;

interface OktaData {
  eventId: string;
  userId: string;
  login: string | null;
}

describe('Okta API enrichment', () => {
  let p: OktaPipeline;
  let okta: FakeOkta;
  let tenantId: string;

  const forUser = (id: string) => (e: ReadIdentityEvent) => (e.data.okta as OktaData | undefined)?.userId === id;
  const deliver = async (events: Array<Record<string, unknown>>) => {
    const res = await p.deliver(tenantId, oktaDelivery(events), SECRET);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };

  before(async () => {
    okta = new FakeOkta();
    const orgUrl = await okta.start();
    p = await startOktaPipeline('okta_enrich', { OKTA_API_RATE_LIMIT_SHARE: String(SHARE), OKTA_API_TIMEOUT_MS: '1000', OKTA_API_MAX_WAIT_MS: '60000' });
    tenantId = (await p.gateway.tenant()).tenantId;
    assert.equal((await p.admin('PUT', `/tenants/${tenantId}/okta/hook`, { secret: SECRET })).status, 200);
    const api = await p.admin('PUT', `/tenants/${tenantId}/okta/api`, { orgUrl, sswsToken: okta.ssws });
    assert.equal(api.status, 200, JSON.stringify(api.body));
    assert.equal(api.body.authMethod, 'ssws');
    assert.ok(!JSON.stringify(api.body).includes(okta.ssws), 'the token is never returned');
  });

  after(async () => {
    await p?.close();
    await okta?.stop();
  });

  it('types that need the profile carry it from GET /api/v1/users/{id}; the others make no API call', async () => {
    const user = okta.addUser(oktaUserId(), 'grace@example.com', { department: 'Navy' });
    const before = okta.apiRequests().length;
    await deliver([oktaEvent('user.account.lock', { id: user.id, type: 'User', alternateId: 'grace@example.com' }), oktaEvent('user.lifecycle.activate', { id: user.id, type: 'User' })]);
    const [locked, activated] = await p.reader.waitForEvents(forUser(user.id), 2, 'both events');
    assert.equal(locked.ce.type, OKTA_SOURCED_EVENT_TYPES.userLocked);
    assert.equal(locked.data.oktaUser, undefined, 'no profile on security events');
    assert.equal(activated.ce.type, OKTA_SOURCED_EVENT_TYPES.userAccountActivated);
    assert.deepEqual(activated.data.oktaUser, { status: 'ACTIVE', profile: user.profile });
    assert.equal((activated.data.okta as OktaData).login, 'grace@example.com');
    for (const e of [locked, activated]) assertConforms(validateIdentityEvent(e.headers, e.value, e.key), e.ce.type);
    const calls = okta.apiRequests().slice(before);
    assert.deepEqual(calls.map((r) => r.path), [`/api/v1/users/${user.id}`]);
    assert.equal(calls[0].authorization, `SSWS ${okta.ssws}`);
  });

  it('the cache cuts Okta API calls for repeated events of one user; a later change refetches', async () => {
    const user = okta.addUser(oktaUserId(), 'katherine@example.com');
    const groups = Array.from({ length: 8 }, (_, i) => ({ id: `00g${i}abcdefghijklmn`, type: 'UserGroup', displayName: `Group ${i}` }));
    await deliver(groups.map((g) => oktaEvent('group.user_membership.add', { id: user.id, type: 'User' }, { extraTargets: [g] })));
    const added = await p.reader.waitForEvents(forUser(user.id), groups.length, 'every membership event');
    assert.deepEqual(added.map((e) => (e.data.okta as { target: { id: string } }).target.id), groups.map((g) => g.id));
    for (const e of added) assert.deepEqual((e.data.oktaUser as { profile: unknown }).profile, user.profile);
    assert.equal(okta.apiRequests((r) => r.path.endsWith(user.id)).length, 1, 'eight events, one API call');

    user.profile = { ...user.profile, department: 'Mathematics' };
    await new Promise((r) => setTimeout(r, 20)); // the update happens after the fetch above
    await deliver([oktaEvent('user.account.update_profile', { id: user.id, type: 'User' })]);
    const [updated] = await p.reader.waitForEvents((e) => forUser(user.id)(e) && e.ce.type === OKTA_SOURCED_EVENT_TYPES.userProfileUpdated, 1, 'the update');
    assert.equal((updated.data.oktaUser as { profile: { department: string } }).profile.department, 'Mathematics');
    assert.equal(okta.apiRequests((r) => r.path.endsWith(user.id)).length, 2);
  });

  it('under a 429 storm enrichment waits for the reset and completes, never above its share of the limit', async () => {
    okta.limit = 6; // per 1-second window → the worker may use 3
    okta.log.length = 0;
    const users = Array.from({ length: 10 }, (_, i) => okta.addUser(oktaUserId(), `storm${i}@example.com`));
    okta.stormRequests = 3; // a storm of 429s, each answered with the window's reset
    await deliver(users.map((u) => oktaEvent('user.lifecycle.create', { id: u.id, type: 'User' })));
    for (const u of users) {
      const [event] = await p.reader.waitForEvents(forUser(u.id), 1, `the event of ${u.profile.login as string}`);
      assert.deepEqual(event.data.oktaUser, { status: 'ACTIVE', profile: u.profile }, 'completed with the profile, not without it');
    }
    assert.equal(okta.apiRequests((r) => r.status === 429).length, 3, 'the storm was hit');
    const perWindow = [...okta.requestsPerWindow().values()];
    const budget = Math.floor(okta.limit * SHARE);
    assert.ok(perWindow.every((n) => n <= budget), `requests per window ${perWindow.join(',')} exceed ${budget}`);
    okta.limit = 1_000;
  });

  it('a response slower than OKTA_API_TIMEOUT_MS is retried', async () => {
    const user = okta.addUser(oktaUserId(), 'slow@example.com');
    okta.slowMs = 2_500;
    okta.slow.set(user.id, 1);
    await deliver([oktaEvent('application.user_membership.add', { id: user.id, type: 'User' }, { extraTargets: [{ id: '0oaapp000000000000', type: 'AppInstance', displayName: 'Payroll' }] })]);
    const [event] = await p.reader.waitForEvents(forUser(user.id), 1, 'the event');
    assert.equal(event.ce.type, OKTA_SOURCED_EVENT_TYPES.userApplicationAssigned);
    assert.deepEqual((event.data.oktaUser as { profile: unknown }).profile, user.profile);
    assert.ok(okta.apiRequests((r) => r.path.endsWith(user.id)).length >= 2, 'retried after the timeout');
  });

  it('OAuth 2.0 client credentials: one token for many calls', async () => {
    const other = await p.gateway.tenant();
    assert.equal((await p.admin('PUT', `/tenants/${other.tenantId}/okta/hook`, { secret: SECRET })).status, 200);
    const set = await p.admin('PUT', `/tenants/${other.tenantId}/okta/api`, { orgUrl: okta.origin, clientId: okta.client.id, clientSecret: okta.client.secret });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const users = [okta.addUser(oktaUserId(), 'o1@example.com'), okta.addUser(oktaUserId(), 'o2@example.com')];
    const tokensBefore = okta.log.filter((r) => r.path === '/oauth2/v1/token').length;
    const res = await p.deliver(other.tenantId, oktaDelivery(users.map((u) => oktaEvent('user.lifecycle.create', { id: u.id, type: 'User' }))), SECRET);
    assert.equal(res.status, 200);
    for (const u of users) {
      const [event] = await p.reader.waitForEvents(forUser(u.id), 1, 'the event');
      assert.deepEqual((event.data.oktaUser as { profile: unknown }).profile, u.profile);
    }
    assert.equal(okta.log.filter((r) => r.path === '/oauth2/v1/token').length - tokensBefore, 1);
    assert.ok(okta.apiRequests((r) => users.some((u) => r.path.endsWith(u.id))).every((r) => /^Bearer at-\d+$/.test(r.authorization ?? '')));
  });
});
