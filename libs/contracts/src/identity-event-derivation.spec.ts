import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deriveCurrentState, deriveIdentityEvents, identityEventSequence } from './identity-event-derivation';
import type { ScimChangeRecord } from './scim-change';

const TENANT = '11111111-1111-4111-8111-111111111111';
const USER = '22222222-2222-4222-8222-222222222222';
const GROUP = '33333333-3333-4333-8333-333333333333';
const M1 = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaa1';
const M2 = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaa2';
const M3 = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaa3';

function userChange(overrides: Partial<ScimChangeRecord> = {}): ScimChangeRecord {
  return {
    changeId: 'change-1',
    tenantId: TENANT,
    resourceType: 'User',
    resourceId: USER,
    operation: 'patch',
    version: 3,
    occurredAt: '2026-01-02T03:04:05.000Z',
    actor: { type: 'scim-token', id: 'token-1' },
    changedAttributes: ['displayName'],
    resource: { id: USER, userName: 'ada@example.com', active: true },
    previous: { active: true },
    ...overrides,
  };
}

function groupChange(overrides: Partial<ScimChangeRecord> = {}): ScimChangeRecord {
  return {
    ...userChange(),
    resourceType: 'Group',
    resourceId: GROUP,
    changedAttributes: ['members'],
    resource: { id: GROUP, displayName: 'Eng', members: [{ value: M1, type: 'User' }] },
    previous: { memberIds: [] },
    ...overrides,
  };
}

const types = (change: ScimChangeRecord) => deriveIdentityEvents(change).map((e) => e.type);

describe('deriveIdentityEvents: users', () => {
  it('create → user.created', () => {
    assert.deepEqual(types(userChange({ operation: 'create', version: 1, previous: null })), ['idsync.user.created']);
  });

  it('patch of other attributes → user.updated', () => {
    assert.deepEqual(types(userChange()), ['idsync.user.updated']);
  });

  it('active true → false → user.deactivated', () => {
    const change = userChange({ changedAttributes: ['active'], resource: { id: USER, active: false }, previous: { active: true } });
    assert.deepEqual(types(change), ['idsync.user.deactivated']);
  });

  it('deactivation together with other attribute changes is still user.deactivated, with every changed attribute listed', () => {
    const change = userChange({ changedAttributes: ['active', 'title'], resource: { id: USER, active: false, title: 'Former' } });
    const [event] = deriveIdentityEvents(change);
    assert.equal(event.type, 'idsync.user.deactivated');
    assert.deepEqual(event.data.changedAttributes, ['active', 'title']);
  });

  it('active false → true → user.reactivated', () => {
    const change = userChange({ changedAttributes: ['active'], resource: { id: USER, active: true }, previous: { active: false } });
    assert.deepEqual(types(change), ['idsync.user.reactivated']);
  });

  it('an absent active counts as active (absent → false deactivates, false → absent reactivates)', () => {
    assert.deepEqual(types(userChange({ resource: { id: USER, active: false }, previous: {} })), ['idsync.user.deactivated']);
    assert.deepEqual(types(userChange({ resource: { id: USER }, previous: { active: false } })), ['idsync.user.reactivated']);
  });

  it('staying inactive → user.updated', () => {
    assert.deepEqual(types(userChange({ resource: { id: USER, active: false }, previous: { active: false } })), ['idsync.user.updated']);
  });

  it('replace follows the same active rules as patch', () => {
    assert.deepEqual(types(userChange({ operation: 'replace', resource: { id: USER, active: false } })), ['idsync.user.deactivated']);
  });

  it('delete → user.deleted with null resource and no changed attributes', () => {
    const [event] = deriveIdentityEvents(userChange({ operation: 'delete', version: 5, resource: null, changedAttributes: [] }));
    assert.equal(event.type, 'idsync.user.deleted');
    assert.equal(event.data.resource, null);
    assert.deepEqual(event.data.changedAttributes, []);
  });
});

describe('deriveIdentityEvents: event attributes', () => {
  it('sets id, source, subject, time, key, extensions and data from the change', () => {
    const [event] = deriveIdentityEvents(userChange());
    assert.equal(event.id, 'change-1:0');
    assert.equal(event.source, `/idsync/tenants/${TENANT}`);
    assert.equal(event.subject, USER);
    assert.equal(event.time, '2026-01-02T03:04:05.000Z');
    assert.equal(event.key, `${TENANT}:${USER}`);
    assert.deepEqual(event.extensions, { sequence: '000000000003', tenantid: TENANT, actor: 'scim-token:token-1', changeid: 'change-1' });
    assert.deepEqual(event.data, {
      tenantId: TENANT,
      resourceType: 'User',
      resourceId: USER,
      version: 3,
      actor: { type: 'scim-token', id: 'token-1' },
      changedAttributes: ['displayName'],
      resource: { id: USER, userName: 'ada@example.com', active: true },
    });
  });

  it('is deterministic: the same change yields identical events', () => {
    const change = groupChange({ resource: { id: GROUP, members: [{ value: M1 }, { value: M2 }] } });
    assert.deepEqual(deriveIdentityEvents(change), deriveIdentityEvents(structuredClone(change)));
  });

  it('never carries a password, even if the record had one', () => {
    const [event] = deriveIdentityEvents(userChange({ resource: { id: USER, password: 'secret', Password: 'x' }, changedAttributes: ['password'] }));
    assert.deepEqual(event.data.resource, { id: USER });
    assert.ok(!JSON.stringify(event).includes('secret'));
  });

  it('sequence: zero-padded so string order is numeric order', () => {
    const seqs = [2, 10, 9, 100, 1].map((v) => identityEventSequence(v));
    assert.deepEqual([...seqs].sort(), [1, 2, 9, 10, 100].map((v) => identityEventSequence(v)));
    assert.equal(identityEventSequence(42), '000000000042');
  });

  it('sequence: several events of one change get an ordered suffix, all between the previous and next version', () => {
    const events = deriveIdentityEvents(groupChange({ changedAttributes: ['displayName', 'members'], resource: { id: GROUP, members: [{ value: M1 }, { value: M2 }] } }));
    const seqs = events.map((e) => e.extensions.sequence);
    assert.deepEqual(seqs, ['000000000003.000000', '000000000003.000001', '000000000003.000002']);
    assert.deepEqual([...seqs, identityEventSequence(4), identityEventSequence(2)].sort(), [identityEventSequence(2), ...seqs, identityEventSequence(4)]);
    assert.deepEqual(
      events.map((e) => e.id),
      ['change-1:0', 'change-1:1', 'change-1:2'],
    );
  });
});

describe('deriveIdentityEvents: groups', () => {
  it('create → group.created then member.added per member (subject = the group)', () => {
    const events = deriveIdentityEvents(
      groupChange({ operation: 'create', version: 1, changedAttributes: ['displayName', 'members'], resource: { id: GROUP, members: [{ value: M1, type: 'User' }, { value: M2, type: 'Group' }] } }),
    );
    assert.deepEqual(
      events.map((e) => [e.type, e.subject, e.data.member]),
      [
        ['idsync.group.created', GROUP, undefined],
        ['idsync.group.member.added', GROUP, { id: M1, type: 'User' }],
        ['idsync.group.member.added', GROUP, { id: M2, type: 'Group' }],
      ],
    );
    assert.deepEqual(events[1].data.changedAttributes, []);
    assert.equal(events[1].key, `${TENANT}:${GROUP}`);
  });

  it('create without members → group.created only', () => {
    assert.deepEqual(types(groupChange({ operation: 'create', resource: { id: GROUP, displayName: 'Empty' } })), ['idsync.group.created']);
  });

  it('members-only patch → member.added / member.removed only, diffed against previous.memberIds', () => {
    const change = groupChange({
      resource: { id: GROUP, members: [{ value: M1 }, { value: M3, type: 'User' }] },
      previous: { memberIds: [M1, M2], memberTypes: { [M1]: 'User', [M2]: 'Group' } },
    });
    const events = deriveIdentityEvents(change);
    assert.deepEqual(
      events.map((e) => [e.type, e.data.member]),
      [
        ['idsync.group.member.added', { id: M3, type: 'User' }],
        ['idsync.group.member.removed', { id: M2, type: 'Group' }],
      ],
    );
  });

  it('rename plus member change → group.updated first, then member events', () => {
    const change = groupChange({ changedAttributes: ['displayName', 'members'], resource: { id: GROUP, displayName: 'New', members: [] }, previous: { memberIds: [M1] } });
    assert.deepEqual(types(change), ['idsync.group.updated', 'idsync.group.member.removed']);
  });

  it('rename only → group.updated', () => {
    assert.deepEqual(types(groupChange({ changedAttributes: ['displayName'], previous: { memberIds: [M1] } })), ['idsync.group.updated']);
  });

  it('a change with no observable difference still yields group.updated (the version moved)', () => {
    assert.deepEqual(types(groupChange({ operation: 'replace', changedAttributes: [], previous: { memberIds: [M1] } })), ['idsync.group.updated']);
  });

  it('removed member without a known type defaults to User', () => {
    const [event] = deriveIdentityEvents(groupChange({ resource: { id: GROUP }, previous: { memberIds: [M1] } }));
    assert.deepEqual(event.data.member, { id: M1, type: 'User' });
  });

  it('delete → member.removed per previous member, then group.deleted', () => {
    const events = deriveIdentityEvents(groupChange({ operation: 'delete', resource: null, changedAttributes: [], previous: { memberIds: [M1, M2] } }));
    assert.deepEqual(
      events.map((e) => [e.type, e.data.member?.id]),
      [
        ['idsync.group.member.removed', M1],
        ['idsync.group.member.removed', M2],
        ['idsync.group.deleted', undefined],
      ],
    );
    assert.ok(events.every((e) => e.data.resource === null));
  });

  it('member events carry the group without its members list; group.created/updated keep the full group', () => {
    const group = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      id: GROUP,
      externalId: 'okta-eng',
      displayName: 'Eng',
      members: [{ value: M1, type: 'User' }, { value: M3, type: 'User' }],
      meta: { resourceType: 'Group', version: 'W/"3"' },
    };
    const events = deriveIdentityEvents(groupChange({ changedAttributes: ['displayName', 'members'], resource: group, previous: { memberIds: [M1, M2] } }));
    assert.deepEqual(
      events.map((e) => e.type),
      ['idsync.group.updated', 'idsync.group.member.added', 'idsync.group.member.removed'],
    );
    assert.deepEqual(events[0].data.resource, group);
    const { members: _members, ...withoutMembers } = group;
    for (const e of events.slice(1)) assert.deepEqual(e.data.resource, withoutMembers, e.type);
    assert.deepEqual(events[1].data.member, { id: M3, type: 'User' });
    assert.deepEqual(events[2].data.member, { id: M2, type: 'User' });
  });

  it('member events of a large change stay small: ~1 KB each whatever the group size', () => {
    const members = Array.from({ length: 5_000 }, (_, i) => ({ value: `aaaaaaaa-aaaa-4aaa-8aaa-${String(i).padStart(12, '0')}`, type: 'User', display: `user ${i}` }));
    const events = deriveIdentityEvents(groupChange({ resource: { id: GROUP, displayName: 'All', members }, previous: { memberIds: [] } }));
    assert.equal(events.length, 5_000);
    const largest = Math.max(...events.map((e) => Buffer.byteLength(JSON.stringify(e.data))));
    assert.ok(largest < 1024, `largest member event data is ${largest} bytes`);
  });

  it('a group snapshot still carries the full member list', () => {
    const [event] = deriveIdentityEvents(groupChange({ operation: 'resync', resource: { id: GROUP, members: [{ value: M1 }] } }));
    assert.deepEqual(event.data.resource, { id: GROUP, members: [{ value: M1 }] });
  });

  it('duplicate member ids count once', () => {
    assert.equal(deriveIdentityEvents(groupChange({ operation: 'create', resource: { id: GROUP, members: [{ value: M1 }, { value: M1 }] } })).length, 2);
  });
});

describe('deriveIdentityEvents: resync (reconciliation)', () => {
  it('a user resync is one idsync.user.snapshot with the full resource and no changed attributes', () => {
    const events = deriveIdentityEvents(userChange({ operation: 'resync', version: 7, resource: { id: USER, userName: 'a', active: false }, changedAttributes: ['ignored'] }));
    assert.deepEqual(
      events.map((e) => [e.type, e.extensions.sequence, e.data.changedAttributes, e.data.resource]),
      [['idsync.user.snapshot', identityEventSequence(7), [], { id: USER, userName: 'a', active: false }]],
    );
  });

  it('a group resync is one idsync.group.snapshot, no member events whatever `previous` says', () => {
    const events = deriveIdentityEvents(groupChange({ operation: 'resync', resource: { id: GROUP, members: [{ value: M1 }] }, previous: { memberIds: [M2] } }));
    assert.deepEqual(
      events.map((e) => e.type),
      ['idsync.group.snapshot'],
    );
  });

  it('its current state is the resource', () => {
    assert.deepEqual(deriveCurrentState(userChange({ operation: 'resync', resource: { id: USER, userName: 'a' } })).value, { id: USER, userName: 'a' });
  });
});

describe('deriveCurrentState', () => {
  it('is the resource keyed tenant:id, without secrets', () => {
    assert.deepEqual(deriveCurrentState(userChange({ resource: { id: USER, password: 'x', userName: 'a' } })), {
      kind: 'User',
      key: `${TENANT}:${USER}`,
      value: { id: USER, userName: 'a' },
    });
  });

  it('is a tombstone (null) on delete', () => {
    assert.deepEqual(deriveCurrentState(groupChange({ operation: 'delete', resource: null })), { kind: 'Group', key: `${TENANT}:${GROUP}`, value: null });
  });
});
