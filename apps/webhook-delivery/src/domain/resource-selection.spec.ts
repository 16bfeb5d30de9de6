import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AttributeMapping, InvalidSelectionError, ResourceFilter } from './resource-selection';

const user = {
  id: 'u1',
  userName: 'Ada@Example.com',
  active: true,
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  emails: [
    { type: 'work', value: 'ada@example.com', primary: true },
    { type: 'home', value: 'ada@home.example' },
  ],
  groups: [{ value: 'g-eng', display: 'Engineering' }],
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'R&D' },
};
const group = { id: 'g1', displayName: 'Engineering', members: [{ value: 'u1' }] };

describe('ResourceFilter', () => {
  it('selects users of a group, with SCIM filter semantics (case-insensitive strings)', () => {
    const filter = ResourceFilter.parse('groups[value eq "g-eng"] and userName ew "@EXAMPLE.COM"');
    assert.equal(filter.matches('User', user), true);
    assert.equal(filter.matches('User', { ...user, groups: [] }), false);
  });

  it('passes events without a resource (deletes) and never matches a type it cannot apply to', () => {
    const filter = ResourceFilter.parse('userName sw "ada"');
    assert.equal(filter.matches('User', null), true);
    assert.equal(filter.matches('Group', group), false);
    assert.equal(ResourceFilter.parse('displayName eq "engineering"').matches('Group', group), true);
  });

  it('rejects filters that do not parse or apply to no resource type', () => {
    assert.throws(() => ResourceFilter.parse('userName eq'), InvalidSelectionError);
    assert.throws(() => ResourceFilter.parse('shoeSize gt 40'), /applies to no resource type/);
  });
});

describe('AttributeMapping', () => {
  it('projects and renames attributes, with value filters and extension paths', () => {
    const mapping = AttributeMapping.parse({
      login: 'userName',
      last_name: 'name.familyName',
      work_email: 'emails[type eq "work"].value',
      all_emails: 'emails.value',
      department: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
      phone: 'phoneNumbers.value',
      title: 'title',
    });
    assert.deepEqual(mapping.apply('User', user), {
      login: 'Ada@Example.com',
      last_name: 'Lovelace',
      work_email: ['ada@example.com'],
      all_emails: ['ada@example.com', 'ada@home.example'],
      department: 'R&D',
      phone: null,
      title: null,
    });
  });

  it('rejects bad field names and paths', () => {
    assert.throws(() => AttributeMapping.parse({}), InvalidSelectionError);
    assert.throws(() => AttributeMapping.parse({ 'bad name': 'userName' }), InvalidSelectionError);
    assert.throws(() => AttributeMapping.parse({ x: 'emails[type eq' }), InvalidSelectionError);
    assert.throws(() => AttributeMapping.parse({ x: 5 }), InvalidSelectionError);
  });
});
