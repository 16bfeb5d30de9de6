import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { assertScimError, rfcEnterpriseUser, rfcGroup } from '../schema/rfc-examples.fixture';
import { ScimResourceValidator } from '../schema/scim-resource-validator';
import { ScimSchemaRegistry } from '../schema/scim-schema-registry';
import { SCIM_SCHEMAS, type ScimJsonObject } from '../schema/types';
import { ScimError } from '../errors/scim-error';
import { ScimPatchEngine } from './scim-patch-engine';
import { ElementFilterMatcher } from './value-filter-matcher';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = SCIM_SCHEMAS.enterpriseUser;
const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
const registry = new ScimSchemaRegistry([{ id: ACME, name: 'Acme', resourceType: 'User', attributes: [{ name: 'badge', mutability: 'immutable' }, { name: 'remote', type: 'boolean' }] }]);
const validator = new ScimResourceValidator(registry);
const engine = new ScimPatchEngine(registry, { validator });

const patch = (...operations: unknown[]): ScimJsonObject => ({ schemas: [PATCH_OP], Operations: operations });

/** The stored form of the RFC 7643 §8.3 user (what the app keeps), plus id. */
function storedUser(): ScimJsonObject {
  return { id: '2819c223-7f76-453a-919d-413861904646', ...validator.validateForCreate('User', rfcEnterpriseUser()).attributes };
}
function storedGroup(): ScimJsonObject {
  return { id: 'e9e30dba-f08f-4109-8486-d5c6a331660a', ...validator.validateForCreate('Group', rfcGroup()).attributes };
}
const memberIds = (resource: ScimJsonObject): unknown[] => ((resource.members as ScimJsonObject[] | undefined) ?? []).map((member) => member.value);

describe('ScimPatchEngine — RFC 7644 §3.5.2 examples', () => {
  it('§3.5.2.1 add a member', () => {
    const group = storedGroup();
    group.members = [];
    delete group.members;
    const { resource, changedAttributes } = engine.apply('Group', group, patch({
      op: 'add',
      path: 'members',
      value: [{ display: 'Babs Jensen', $ref: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646', value: '2819c223-7f76-453a-919d-413861904646' }],
    }));
    assert.deepEqual(resource.members, [{ value: '2819c223-7f76-453a-919d-413861904646', $ref: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646', display: 'Babs Jensen' }]);
    assert.deepEqual(changedAttributes, ['members']);
    assert.equal(resource.id, 'e9e30dba-f08f-4109-8486-d5c6a331660a');
  });

  it('§3.5.2.1 add without path (emails + "nickname" in another case)', () => {
    const { resource, changedAttributes } = engine.apply('User', storedUser(), patch({
      op: 'add',
      value: { emails: [{ value: 'babs@jensen.org', type: 'home' }], nickname: 'Babs' },
    }));
    assert.equal((resource.emails as unknown[]).length, 2, 'existing home email is not duplicated');
    assert.equal(resource.nickName, 'Babs');
    assert.deepEqual(changedAttributes, []);
  });

  it('§3.5.2.2 remove all members', () => {
    const { resource } = engine.apply('Group', storedGroup(), patch({ op: 'remove', path: 'members' }));
    assert.equal(resource.members, undefined);
  });

  it('§3.5.2.2 remove a single member', () => {
    const { resource } = engine.apply('Group', storedGroup(), patch({ op: 'remove', path: 'members[value eq "2819c223-7f76-453a-919d-413861904646"]' }));
    assert.deepEqual(memberIds(resource), ['902c246b-6245-4190-8e05-00816be7344a']);
  });

  it('§3.5.2.2 remove emails matching a complex filter', () => {
    const { resource } = engine.apply('User', storedUser(), patch({ op: 'remove', path: 'emails[type eq "work" and value ew "example.com"]' }));
    assert.deepEqual(resource.emails, [{ value: 'babs@jensen.org', type: 'home' }]);
  });

  it('§3.5.2.2 remove one member and add another (as written in the RFC, `eq"` without a space)', () => {
    const { resource } = engine.apply('Group', storedGroup(), patch(
      { op: 'remove', path: 'members[value eq"2819c223-7f76-453a-919d-413861904646"]' },
      { op: 'add', path: 'members', value: [{ display: 'James Smith', $ref: 'https://example.com/v2/Users/08e1d05d-121c-4561-8b96-473d93df9210', value: '08e1d05d-121c-4561-8b96-473d93df9210' }] },
    ));
    assert.deepEqual(memberIds(resource), ['902c246b-6245-4190-8e05-00816be7344a', '08e1d05d-121c-4561-8b96-473d93df9210']);
  });

  it('§3.5.2.2 replace all members via remove + add, and §3.5.2.3 via replace', () => {
    const replacement = [
      { display: 'Babs Jensen', $ref: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646', value: '2819c223-7f76-453a-919d-413861904646' },
      { display: 'James Smith', $ref: 'https://example.com/v2/Users/08e1d05d-121c-4561-8b96-473d93df9210', value: '08e1d05d-121c-4561-8b96-473d93df9210' },
    ];
    const viaRemoveAdd = engine.apply('Group', storedGroup(), patch({ op: 'remove', path: 'members' }, { op: 'add', path: 'members', value: replacement })).resource;
    const viaReplace = engine.apply('Group', storedGroup(), patch({ op: 'replace', path: 'members', value: replacement })).resource;
    assert.deepEqual(memberIds(viaRemoveAdd), ['2819c223-7f76-453a-919d-413861904646', '08e1d05d-121c-4561-8b96-473d93df9210']);
    assert.deepEqual(viaReplace, viaRemoveAdd);
  });

  it('§3.5.2.3 replace the work address record', () => {
    const work = { type: 'work', streetAddress: '911 Universal City Plaza', locality: 'Hollywood', region: 'CA', postalCode: '91608', country: 'US', formatted: '911 Universal City Plaza\nHollywood, CA 91608 US', primary: true };
    const { resource, changedAttributes } = engine.apply('User', storedUser(), patch({ op: 'replace', path: 'addresses[type eq "work"]', value: work }));
    const addresses = resource.addresses as ScimJsonObject[];
    assert.deepEqual(addresses[0], { formatted: work.formatted, streetAddress: work.streetAddress, locality: 'Hollywood', region: 'CA', postalCode: '91608', country: 'US', type: 'work', primary: true });
    assert.equal(addresses[1].type, 'home');
    assert.deepEqual(changedAttributes, ['addresses']);
  });

  it('§3.5.2.3 replace a sub-attribute of the work address', () => {
    const { resource } = engine.apply('User', storedUser(), patch({ op: 'replace', path: 'addresses[type eq "work"].streetAddress', value: '1010 Broadway Ave' }));
    assert.equal((resource.addresses as ScimJsonObject[])[0].streetAddress, '1010 Broadway Ave');
    assert.equal((resource.addresses as ScimJsonObject[])[1].streetAddress, '456 Hollywood Blvd');
  });

  it('§3.5.2.3 replace without path', () => {
    const { resource } = engine.apply('User', storedUser(), patch({
      op: 'replace',
      value: { emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }, { value: 'babs@jensen.org', type: 'home' }], nickname: 'Babs' },
    }));
    assert.deepEqual(resource.emails, [{ value: 'bjensen@example.com', type: 'work', primary: true }, { value: 'babs@jensen.org', type: 'home' }]);
    assert.equal(resource.nickName, 'Babs');
  });
});

describe('ScimPatchEngine — Okta requests', () => {
  it('deactivates a user with a path-less replace', () => {
    const { resource, changedAttributes } = engine.apply('User', storedUser(), { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
    assert.equal(resource.active, false);
    assert.deepEqual(changedAttributes, ['active']);
  });

  it('renames a group with a path-less replace that echoes the id', () => {
    const group = storedGroup();
    const { resource, changedAttributes } = engine.apply('Group', group, patch({ op: 'replace', value: { id: group.id, displayName: 'Test SCIMv2' } }));
    assert.equal(resource.displayName, 'Test SCIMv2');
    assert.deepEqual(changedAttributes, ['displayName']);
  });

  it('adds members with display, and adding an existing member is a no-op', () => {
    const group = storedGroup();
    const added = engine.apply('Group', group, patch({ op: 'add', path: 'members', value: [{ value: '23a35c27-23d3-4c03-b4c5-6443c09e7173', display: 'test.user@okta.local' }] })).resource;
    assert.deepEqual(memberIds(added), ['2819c223-7f76-453a-919d-413861904646', '902c246b-6245-4190-8e05-00816be7344a', '23a35c27-23d3-4c03-b4c5-6443c09e7173']);
    const again = engine.apply('Group', added, patch({ op: 'add', path: 'members', value: [{ value: '23a35c27-23d3-4c03-b4c5-6443c09e7173', display: 'test.user@okta.local' }] }));
    assert.deepEqual(again.resource, added);
    assert.deepEqual(again.changedAttributes, []);
  });

  it('removes a member by value filter', () => {
    const { resource } = engine.apply('Group', storedGroup(), patch({ op: 'remove', path: 'members[value eq "902c246b-6245-4190-8e05-00816be7344a"]' }));
    assert.deepEqual(memberIds(resource), ['2819c223-7f76-453a-919d-413861904646']);
  });
});

describe('ScimPatchEngine — Microsoft Entra ID requests', () => {
  it('capitalised ops on filtered and sub-attribute paths', () => {
    const { resource, changedAttributes } = engine.apply('User', storedUser(), {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
      ],
    });
    assert.deepEqual((resource.emails as ScimJsonObject[])[0], { value: 'updatedEmail@microsoft.com', type: 'work', primary: true });
    assert.equal((resource.name as ScimJsonObject).familyName, 'updatedFamilyName');
    assert.deepEqual(changedAttributes, ['name.familyName', 'emails']);
  });

  it('"True"/"False" strings for booleans', () => {
    const disabled = engine.apply('User', storedUser(), patch({ op: 'Replace', path: 'active', value: 'False' })).resource;
    assert.equal(disabled.active, false);
    assert.equal(engine.apply('User', disabled, patch({ op: 'Replace', path: 'active', value: 'True' })).resource.active, true);
    const primary = engine.apply('User', storedUser(), patch({ op: 'Replace', path: 'emails[type eq "home"].primary', value: 'True' })).resource;
    assert.deepEqual(primary.emails, [{ value: 'bjensen@example.com', type: 'work' }, { value: 'babs@jensen.org', type: 'home', primary: true }]);
  });

  it('sets the manager by URN path with a plain id, and other enterprise attributes', () => {
    const { resource, changedAttributes } = engine.apply('User', storedUser(), patch(
      { op: 'Add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager', value: '12345' },
      { op: 'Replace', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber', value: '99' },
    ));
    const enterprise = resource[ENTERPRISE] as ScimJsonObject;
    assert.deepEqual(enterprise.manager, { value: '12345', $ref: '../Users/26118915-6090-4610-87e4-49d8ca9f808d' });
    assert.equal(enterprise.employeeNumber, '99');
    assert.deepEqual(changedAttributes, [`${ENTERPRISE}:employeeNumber`, `${ENTERPRISE}:manager.value`]);
  });

  it('creates the enterprise extension on a user that had none', () => {
    const user = { schemas: [SCIM_SCHEMAS.user], userName: 'u' };
    const { resource } = engine.apply('User', user, patch({ op: 'Add', path: `${ENTERPRISE}:manager`, value: 'm-1' }, { op: 'Add', path: `${ENTERPRISE}:department`, value: 'R&D' }));
    assert.deepEqual(resource, { schemas: [SCIM_SCHEMAS.user, ENTERPRISE], userName: 'u', [ENTERPRISE]: { department: 'R&D', manager: { value: 'm-1' } } });
  });

  it('removes members listed in a value array (with $ref: null)', () => {
    const { resource } = engine.apply('Group', storedGroup(), patch({
      op: 'Remove',
      path: 'members',
      value: [{ $ref: null, value: '2819c223-7f76-453a-919d-413861904646' }, { value: 'not-a-member' }],
    }));
    assert.deepEqual(memberIds(resource), ['902c246b-6245-4190-8e05-00816be7344a']);
  });

  it('adds a member with $ref: null', () => {
    const group = { schemas: [SCIM_SCHEMAS.group], displayName: 'g' };
    const { resource } = engine.apply('Group', group, patch({ op: 'Add', path: 'members', value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }] }));
    assert.deepEqual(resource.members, [{ value: 'f648f8d5ea4e4cd38e9c' }]);
  });

  it('empty-valued replace means remove ("", null, [])', () => {
    const { resource, changedAttributes } = engine.apply('User', storedUser(), patch(
      { op: 'Replace', path: 'title', value: '' },
      { op: 'Replace', path: 'nickName', value: null },
      { op: 'Replace', path: 'phoneNumbers', value: [] },
      { op: 'Replace', path: `${ENTERPRISE}:manager`, value: '' },
      { op: 'Replace', path: 'name.middleName', value: '' },
    ));
    for (const key of ['title', 'nickName', 'phoneNumbers']) assert.equal(resource[key], undefined, key);
    assert.equal((resource[ENTERPRISE] as ScimJsonObject).manager, undefined);
    assert.equal((resource.name as ScimJsonObject).middleName, undefined);
    assert.deepEqual(changedAttributes.sort(), ['name.middleName', 'nickName', 'phoneNumbers', 'title', `${ENTERPRISE}:manager.$ref`, `${ENTERPRISE}:manager.value`].sort());
  });

  it('path-less value objects with "name.givenName" and URN-qualified keys', () => {
    const { resource } = engine.apply('User', storedUser(), patch({
      op: 'Replace',
      value: { 'name.givenName': 'Barb', [`${ENTERPRISE}:department`]: 'Ops', [ENTERPRISE]: { costCenter: '1' }, active: 'False' },
    }));
    assert.equal((resource.name as ScimJsonObject).givenName, 'Barb');
    assert.equal((resource.name as ScimJsonObject).familyName, 'Jensen');
    assert.equal((resource[ENTERPRISE] as ScimJsonObject).department, 'Ops');
    assert.equal((resource[ENTERPRISE] as ScimJsonObject).costCenter, '1');
    assert.equal(resource.active, false);
  });

  it('adds a work address field when no work address exists yet', () => {
    const user = { schemas: [SCIM_SCHEMAS.user], userName: 'u' };
    const { resource } = engine.apply('User', user, patch(
      { op: 'Add', path: 'addresses[type eq "work"].streetAddress', value: '1 Main St' },
      { op: 'Add', path: 'addresses[type eq "work"].postalCode', value: '12345' },
      { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '555' },
    ));
    assert.deepEqual(resource.addresses, [{ streetAddress: '1 Main St', postalCode: '12345', type: 'work' }]);
    assert.deepEqual(resource.phoneNumbers, [{ value: '555', type: 'mobile' }]);
  });
});

describe('ScimPatchEngine — semantics', () => {
  it('never mutates its input and is atomic on failure', () => {
    const user = storedUser();
    const snapshot = structuredClone(user);
    engine.apply('User', user, patch({ op: 'replace', path: 'displayName', value: 'X' }));
    assertScimError(() => engine.apply('User', user, patch({ op: 'replace', path: 'displayName', value: 'Y' }, { op: 'replace', path: 'bogus', value: 1 })), 'invalidPath');
    assert.deepEqual(user, snapshot);
  });

  it('primary:true on one element unsets it on the others', () => {
    const { resource } = engine.apply('User', storedUser(), patch({ op: 'add', path: 'emails', value: [{ value: 'new@example.com', type: 'other', primary: true }] }));
    assert.deepEqual(resource.emails, [{ value: 'bjensen@example.com', type: 'work' }, { value: 'babs@jensen.org', type: 'home' }, { value: 'new@example.com', type: 'other', primary: true }]);
  });

  it('replace of a complex attribute merges sub-attributes (§3.5.2.3)', () => {
    const { resource } = engine.apply('User', storedUser(), patch({ op: 'replace', path: 'name', value: { givenName: 'Babs' } }));
    assert.equal((resource.name as ScimJsonObject).givenName, 'Babs');
    assert.equal((resource.name as ScimJsonObject).familyName, 'Jensen');
  });

  it('replace of a path that has no value adds it; remove of an absent attribute is a no-op', () => {
    const user = { schemas: [SCIM_SCHEMAS.user], userName: 'u' };
    assert.equal(engine.apply('User', user, patch({ op: 'replace', path: 'title', value: 'CTO' })).resource.title, 'CTO');
    assert.deepEqual(engine.apply('User', user, patch({ op: 'remove', path: 'title' })).changedAttributes, []);
  });

  it('returns a new password separately and never stores it', () => {
    const result = engine.apply('User', storedUser(), patch({ op: 'replace', path: 'password', value: 'n3w-secret' }));
    assert.equal(result.password, 'n3w-secret');
    assert.equal(result.resource.password, undefined);
    assert.deepEqual(result.changedAttributes, ['password']);
    assert.equal(engine.apply('User', storedUser(), patch({ op: 'replace', value: { password: 'x2' } })).password, 'x2');
  });

  it('sets an immutable attribute once, then accepts only the same value', () => {
    const user = { schemas: [SCIM_SCHEMAS.user], userName: 'u' };
    const withBadge = engine.apply('User', user, patch({ op: 'add', path: `${ACME}:badge`, value: 'B-1' })).resource;
    assert.deepEqual(withBadge[ACME], { badge: 'B-1' });
    assert.deepEqual(engine.apply('User', withBadge, patch({ op: 'replace', path: `${ACME}:badge`, value: 'B-1' })).changedAttributes, []);
    assertScimError(() => engine.apply('User', withBadge, patch({ op: 'replace', path: `${ACME}:badge`, value: 'B-2' })), 'mutability');
    assertScimError(() => engine.apply('User', withBadge, patch({ op: 'remove', path: `${ACME}:badge` })), 'mutability');
    assertScimError(() => engine.apply('Group', storedGroup(), patch({ op: 'replace', path: 'members[value eq "2819c223-7f76-453a-919d-413861904646"].value', value: 'x' })), 'mutability');
  });

  it('coerces booleans in custom extension attributes', () => {
    const { resource } = engine.apply('User', { schemas: [SCIM_SCHEMAS.user], userName: 'u' }, patch({ op: 'add', path: `${ACME}:remote`, value: 'TRUE' }));
    assert.deepEqual(resource[ACME], { remote: true });
  });

  it('removing the last value of an extension removes the extension from schemas', () => {
    const user = { schemas: [SCIM_SCHEMAS.user, ENTERPRISE], userName: 'u', [ENTERPRISE]: { department: 'R&D' } };
    const { resource } = engine.apply('User', user, patch({ op: 'remove', path: `${ENTERPRISE}:department` }));
    assert.deepEqual(resource, { schemas: [SCIM_SCHEMAS.user], userName: 'u' });
    assert.deepEqual(engine.apply('User', user, patch({ op: 'remove', path: ENTERPRISE })).resource, { schemas: [SCIM_SCHEMAS.user], userName: 'u' });
  });

  it('remove with an unmatched filter can be configured to be a no-op', () => {
    const lenient = new ScimPatchEngine(registry, { unmatchedRemoveFilter: 'ignore' });
    const { changedAttributes } = lenient.apply('Group', storedGroup(), patch({ op: 'remove', path: 'members[value eq "gone"]' }));
    assert.deepEqual(changedAttributes, []);
  });
});

describe('ScimPatchEngine — errors', () => {
  const cases: [string, () => unknown, Parameters<typeof assertScimError>[1]][] = [
    ['body not an object', () => engine.apply('User', storedUser(), 'x'), 'invalidSyntax'],
    ['missing PatchOp schema', () => engine.apply('User', storedUser(), { schemas: [SCIM_SCHEMAS.user], Operations: [{ op: 'remove', path: 'title' }] }), 'invalidSyntax'],
    ['missing Operations', () => engine.apply('User', storedUser(), { schemas: [PATCH_OP] }), 'invalidSyntax'],
    ['empty Operations', () => engine.apply('User', storedUser(), patch()), 'invalidSyntax'],
    ['operation not an object', () => engine.apply('User', storedUser(), patch('add')), 'invalidSyntax'],
    ['unknown op', () => engine.apply('User', storedUser(), patch({ op: 'move', path: 'title' })), 'invalidSyntax'],
    ['path not a string', () => engine.apply('User', storedUser(), patch({ op: 'remove', path: 5 })), 'invalidPath'],
    ['unknown attribute path', () => engine.apply('User', storedUser(), patch({ op: 'replace', path: 'favouriteColour', value: 'x' })), 'invalidPath'],
    ['unknown sub-attribute path', () => engine.apply('User', storedUser(), patch({ op: 'replace', path: 'name.nick', value: 'x' })), 'invalidPath'],
    ['malformed filter path', () => engine.apply('User', storedUser(), patch({ op: 'remove', path: 'emails[type eq "work"' })), 'invalidPath'],
    ['filter on a single-valued attribute', () => engine.apply('User', storedUser(), patch({ op: 'remove', path: 'name[givenName eq "x"]' })), 'invalidPath'],
    ['unknown key in a path-less value', () => engine.apply('User', storedUser(), patch({ op: 'replace', value: { favouriteColour: 'x' } })), 'invalidSyntax'],
    ['path-less value not an object', () => engine.apply('User', storedUser(), patch({ op: 'replace', value: 'x' })), 'invalidSyntax'],
    ['remove without path', () => engine.apply('User', storedUser(), patch({ op: 'remove' })), 'noTarget'],
    ['replace with a filter matching nothing', () => engine.apply('User', storedUser(), patch({ op: 'replace', path: 'emails[type eq "other"].value', value: 'x@example.com' })), 'noTarget'],
    ['remove with a filter matching nothing', () => engine.apply('Group', storedGroup(), patch({ op: 'remove', path: 'members[value eq "gone"]' })), 'noTarget'],
    ['readOnly attribute (groups)', () => engine.apply('User', storedUser(), patch({ op: 'add', path: 'groups', value: [{ value: 'g' }] })), 'mutability'],
    ['readOnly id', () => engine.apply('User', storedUser(), patch({ op: 'replace', path: 'id', value: 'other' })), 'mutability'],
    ['readOnly id in a path-less value', () => engine.apply('User', storedUser(), patch({ op: 'replace', value: { id: 'other' } })), 'mutability'],
    ['readOnly meta', () => engine.apply('User', storedUser(), patch({ op: 'replace', path: 'meta.version', value: 'x' })), 'mutability'],
    ['readOnly sub-attribute', () => engine.apply('User', storedUser(), patch({ op: 'replace', path: `${ENTERPRISE}:manager.displayName`, value: 'x' })), 'mutability'],
    ['remove required userName', () => engine.apply('User', storedUser(), patch({ op: 'remove', path: 'userName' })), 'mutability'],
    ['empty-valued replace of required displayName', () => engine.apply('Group', storedGroup(), patch({ op: 'Replace', path: 'displayName', value: '' })), 'mutability'],
    ['wrong type', () => engine.apply('User', storedUser(), patch({ op: 'replace', path: 'active', value: 'maybe' })), 'invalidValue'],
    ['wrong type in a path-less value', () => engine.apply('User', storedUser(), patch({ op: 'replace', value: { displayName: 7 } })), 'invalidValue'],
    ['array for a single-valued attribute', () => engine.apply('User', storedUser(), patch({ op: 'replace', path: 'title', value: ['a'] })), 'invalidValue'],
    ['unknown sub-attribute in a value', () => engine.apply('User', storedUser(), patch({ op: 'add', path: 'emails', value: [{ value: 'a@b.c', colour: 'red' }] })), 'invalidSyntax'],
    ['whole extension given a non-object', () => engine.apply('User', storedUser(), patch({ op: 'replace', path: ENTERPRISE, value: 'x' })), 'invalidValue'],
    ['too many operations', () => new ScimPatchEngine(registry, { maxOperations: 2 }).apply('User', storedUser(), patch({ op: 'remove', path: 'title' }, { op: 'remove', path: 'title' }, { op: 'remove', path: 'title' })), 'invalidValue'],
  ];
  for (const [name, action, scimType] of cases) {
    it(`${name} → 400 ${scimType}`, () => {
      assertScimError(action, scimType);
    });
  }
});

describe('ScimPatchEngine — pluggable element matcher', () => {
  it('the built-in ElementFilterMatcher selects the same elements as the filter engine', () => {
    const builtIn = new ScimPatchEngine(registry, { filterMatcher: new ElementFilterMatcher() });
    const paths = ['emails[type eq "work" and value ew "example.com"]', 'emails[not (type eq "work")]', 'emails[primary eq true]', 'emails[type pr]'];
    for (const path of paths) {
      assert.deepEqual(builtIn.apply('User', storedUser(), patch({ op: 'remove', path })).resource, engine.apply('User', storedUser(), patch({ op: 'remove', path })).resource, path);
    }
  });

  it('a value filter naming an unknown sub-attribute is 400 invalidPath (not invalidFilter)', () => {
    const error = assertScimErrorAny(() => engine.apply('User', storedUser(), patch({ op: 'remove', path: 'emails[colour eq "red"]' })));
    assert.equal(error.status, 400);
    assert.equal(error.scimType, 'invalidPath');
  });
});

function assertScimErrorAny(action: () => unknown): ScimError {
  try {
    action();
  } catch (error: unknown) {
    assert.ok(error instanceof ScimError);
    return error;
  }
  assert.fail('expected a ScimError');
}
