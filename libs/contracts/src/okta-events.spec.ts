import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  OKTA_EVENT_MAPPING,
  decodeOktaHookEventRecord,
  deriveOktaIdentityEvents,
  oktaEventKey,
  oktaHookRecordId,
  oktaSubjectId,
  parseOktaEventHookDelivery,
  type OktaHookEventRecord,
} from './okta-events';

const tenantId = '5f1c2a9e-7d4b-4c1e-9a3f-2b8d6e0c4a71';
const user = { id: '00u1a2b3c4d5e6f7g8h9', type: 'User', alternateId: 'ada@example.com', displayName: 'Ada' };

function event(eventType: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uuid: 'F0AE4F05-9DF4-11EA-BB4F-AD17FB3B5C0E',
    published: '2026-11-24T09:10:00.000Z',
    eventType,
    actor: { id: '00uadmin', type: 'User', alternateId: 'admin@example.com', displayName: 'Admin', detailEntry: null },
    target: [{ ...user, detailEntry: null }],
    outcome: { result: 'SUCCESS', reason: null },
    client: { ipAddress: '10.0.0.1' },
    ...extra,
  };
}

function record(eventType: string, extra: Record<string, unknown> = {}): OktaHookEventRecord {
  const parsed = parseOktaEventHookDelivery({ eventType: 'com.okta.event_hook', data: { events: [event(eventType, extra)] } });
  assert.ok(parsed.ok);
  return { recordId: oktaHookRecordId(tenantId, parsed.events[0].uuid), tenantId, receivedAt: '2026-11-24T09:10:01.000Z', event: parsed.events[0] };
}

describe('parseOktaEventHookDelivery', () => {
  it('keeps the fields idsync uses, lower-cases the uuid, drops the rest', () => {
    const parsed = parseOktaEventHookDelivery({ eventType: 'com.okta.event_hook', data: { events: [event('user.account.lock')] } });
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.events[0], {
      uuid: 'f0ae4f05-9df4-11ea-bb4f-ad17fb3b5c0e',
      eventType: 'user.account.lock',
      published: '2026-11-24T09:10:00.000Z',
      displayMessage: null,
      actor: { id: '00uadmin', type: 'User', alternateId: 'admin@example.com', displayName: 'Admin' },
      target: [user],
      outcome: { result: 'SUCCESS', reason: null },
    });
  });

  it('refuses what is not a delivery, naming the event and the field', () => {
    const bad = (body: unknown) => {
      const r = parseOktaEventHookDelivery(body);
      assert.ok(!r.ok);
      return r.error;
    };
    assert.match(bad(null), /object/);
    assert.match(bad({ eventType: 'x', data: { events: [] } }), /com\.okta\.event_hook/);
    assert.match(bad({ eventType: 'com.okta.event_hook', data: {} }), /data\.events/);
    assert.match(bad({ eventType: 'com.okta.event_hook', data: { events: [event('a'), { ...event('b'), uuid: '1' }] } }), /data\.events\[1\]: uuid/);
    assert.match(bad({ eventType: 'com.okta.event_hook', data: { events: [{ ...event('a'), published: 'now' }] } }), /published/);
    assert.match(bad({ eventType: 'com.okta.event_hook', data: { events: [{ ...event('a'), actor: {} }] } }), /actor/);
    assert.match(bad({ eventType: 'com.okta.event_hook', data: { events: [{ ...event('a'), target: [{ id: 'x' }] }] } }), /target\[0\]/);
    assert.match(bad({ eventType: 'com.okta.event_hook', data: { events: [{ ...event('a'), eventType: 'a b' }] } }), /eventType/);
  });

  it('a null target is no target', () => {
    const r = parseOktaEventHookDelivery({ eventType: 'com.okta.event_hook', data: { events: [event('user.session.start', { target: null })] } });
    assert.ok(r.ok);
    assert.deepEqual(r.events[0].target, []);
  });
});

describe('deriveOktaIdentityEvents', () => {
  const linked = { subjectId: '0b7e3c52-1f9a-4d6e-8c2b-7a5d9e3f1c04', scimResourceId: '0b7e3c52-1f9a-4d6e-8c2b-7a5d9e3f1c04' };

  it('maps every listed Okta type to exactly one event with an id derived from the tenant and the uuid', () => {
    for (const [oktaType, rule] of Object.entries(OKTA_EVENT_MAPPING)) {
      const r = record(oktaType);
      const events = deriveOktaIdentityEvents(r, linked);
      assert.equal(events.length, 1, oktaType);
      assert.equal(events[0].type, rule.type);
      assert.equal(events[0].id, `okta:${tenantId}:f0ae4f05-9df4-11ea-bb4f-ad17fb3b5c0e:0`);
      assert.deepEqual(deriveOktaIdentityEvents(r, linked), events, 'deterministic');
      assert.equal('oktaUser' in events[0].data, rule.needsProfile, `${oktaType}: oktaUser only where the profile is needed`);
    }
  });

  it('security types the issue names', () => {
    const typeOf = (t: string) => OKTA_EVENT_MAPPING[t].type;
    assert.equal(typeOf('user.account.lock'), 'idsync.user.locked');
    assert.equal(typeOf('user.account.unlock'), 'idsync.user.unlocked');
    assert.equal(typeOf('user.lifecycle.suspend'), 'idsync.user.suspended');
    assert.equal(typeOf('user.account.reset_password'), 'idsync.user.credentials.changed');
    assert.equal(typeOf('user.account.update_password'), 'idsync.user.credentials.changed');
    assert.equal(typeOf('user.session.clear'), 'idsync.user.sessions.revoked');
    assert.equal(typeOf('user.session.end'), 'idsync.user.sessions.revoked');
  });

  it('nothing for unmapped types or events without a user; the group of membership events', () => {
    assert.deepEqual(deriveOktaIdentityEvents(record('user.session.start'), linked), []);
    assert.deepEqual(deriveOktaIdentityEvents(record('user.account.lock', { target: [], actor: { id: '0oa', type: 'PublicClientApp' } }), linked), []);
    const group = { id: '00g1', type: 'UserGroup', alternateId: 'unknown', displayName: 'Finance' };
    const [added] = deriveOktaIdentityEvents(record('group.user_membership.add', { target: [user, group] }), { ...linked, oktaUser: { status: 'ACTIVE', profile: { login: 'ada.l@example.com' } } });
    assert.deepEqual(added.data.okta.target, { id: '00g1', type: 'UserGroup', displayName: 'Finance' });
    assert.equal(added.data.okta.login, 'ada.l@example.com', 'the fetched login wins over the event alternateId');
  });

  it('the derived subject is a stable RFC 4122 v5 UUID per tenant and Okta user', () => {
    const a = oktaSubjectId(tenantId, user.id);
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(oktaSubjectId(tenantId, user.id), a);
    assert.notEqual(oktaSubjectId('6f1c2a9e-7d4b-4c1e-9a3f-2b8d6e0c4a71', user.id), a);
  });
});

describe('the internal record', () => {
  it('round-trips and is keyed per person', () => {
    const r = record('user.account.lock');
    const decoded = decodeOktaHookEventRecord(Buffer.from(JSON.stringify(r)));
    assert.deepEqual(decoded, { ok: true, record: r });
    assert.equal(oktaEventKey(tenantId, r.event), `${tenantId}:${user.id}`);
  });

  it('refuses a record whose id does not match its tenant and uuid', () => {
    const r = record('user.account.lock');
    const decoded = decodeOktaHookEventRecord(JSON.stringify({ ...r, recordId: oktaHookRecordId(tenantId, '00000000-0000-4000-8000-000000000000') }));
    assert.ok(!decoded.ok);
    assert.ok(!decodeOktaHookEventRecord('not json').ok);
    assert.ok(!decodeOktaHookEventRecord(null).ok);
  });
});
