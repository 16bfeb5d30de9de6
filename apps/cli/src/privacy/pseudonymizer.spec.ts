import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Pseudonymizer } from './pseudonymizer';
import { identifyingValues } from './data-subject.service';

describe(Pseudonymizer.name, () => {
  const user = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    id: 'b6f1c1de-3c55-4f7e-8d3a-0a4c1e2f9a10',
    userName: 'Ada@Example.com',
    externalId: '00u1',
    displayName: 'Ada Lovelace',
    name: { givenName: 'Ada', familyName: 'Lovelace', formatted: 'Ada Lovelace' },
    emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
    phoneNumbers: [{ value: '+44 20 7946 0991', type: 'work' }],
    addresses: [{ streetAddress: '12 St James Square', locality: 'London', type: 'work' }],
    title: 'Engineer',
    active: true,
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: '4711', manager: { value: 'c0ffee00-0000-4000-8000-000000000001', displayName: 'Charles Babbage' } },
    meta: { resourceType: 'User', created: '2026-01-01T00:00:00.000Z' },
  };

  it('replaces every personal value, keeps ids, flags and structure', () => {
    const masked = new Pseudonymizer('seed').maskDocument(user) as typeof user;
    const text = JSON.stringify(masked);
    for (const pii of ['ada@', 'Ada', 'Lovelace', '7946', '00u1', 'James Square', 'London', '4711', 'Babbage']) assert.ok(!text.includes(pii), `${pii} left`);
    assert.equal(masked.id, user.id);
    assert.equal(masked['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].manager.value, 'c0ffee00-0000-4000-8000-000000000001');
    assert.equal(masked.active, true);
    assert.equal(masked.title, 'Engineer');
    assert.deepEqual(masked.meta, user.meta);
    assert.match(masked.userName, /^user-[0-9a-f]{10}@example\.invalid$/);
    assert.equal(masked.emails[0].value, masked.userName, 'an email masks the same way, whatever its case, in userName and emails');
    assert.match(masked.phoneNumbers[0].value, /^\+1-555-\d{7}$/);
    assert.equal(masked.displayName, masked.name.formatted, 'equal inputs stay equal');
  });

  it('is consistent under one key, reproducible from a seed, and unlinkable across random keys', () => {
    const a = new Pseudonymizer('s');
    assert.equal(a.pseudonym('email', 'x@y.org'), new Pseudonymizer('s').pseudonym('email', 'X@Y.org'));
    assert.notEqual(a.pseudonym('email', 'x@y.org'), new Pseudonymizer('t').pseudonym('email', 'x@y.org'));
    assert.notEqual(new Pseudonymizer().pseudonym('name', 'Ada'), new Pseudonymizer().pseudonym('name', 'Ada'));
    assert.notEqual(a.pseudonym('email', 'x@y.org'), a.pseudonym('email', 'z@y.org'));
  });

  it('masks a group name as a group, not a person', () => {
    const group = new Pseudonymizer('s').maskDocument({ displayName: 'Engines', members: [{ value: user.id, display: 'Ada Lovelace' }] }, 'Group') as {
      displayName: string;
      members: Array<{ value: string; display: string }>;
    };
    assert.match(group.displayName, /^Group [0-9a-f]{8}$/);
    assert.equal(group.members[0].value, user.id);
    assert.equal(group.members[0].display, new Pseudonymizer('s').pseudonym('name', 'Ada Lovelace'));
  });
});

describe('identifyingValues', () => {
  it('names the id and the identifiers, JSON-escaped too, but not bare names', () => {
    const values = identifyingValues('b6f1c1de-3c55-4f7e-8d3a-0a4c1e2f9a10', { userName: 'o"hara@example.com', displayName: 'Ada', emails: [{ value: 'ada@example.com' }], phoneNumbers: [{ value: '+1 555' }] });
    assert.ok(values.includes('o\\"hara@example.com') && values.includes('o"hara@example.com'));
    assert.ok(values.includes('ada@example.com') && values.includes('+1 555'));
    assert.ok(!values.includes('Ada'));
  });
});
