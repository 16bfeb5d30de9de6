import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { assertScimError, rfcEnterpriseUser, rfcFullUser, rfcGroup } from './rfc-examples.fixture';
import { ScimResourceValidator } from './scim-resource-validator';
import { ScimSchemaRegistry } from './scim-schema-registry';
import { SCIM_SCHEMAS, type ScimJsonObject } from './types';

const ENTERPRISE = SCIM_SCHEMAS.enterpriseUser;
const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
const registry = new ScimSchemaRegistry([
  {
    id: ACME,
    name: 'Acme',
    resourceType: 'User',
    attributes: [
      { name: 'badge', mutability: 'immutable' },
      { name: 'level', type: 'integer' },
      { name: 'score', type: 'decimal' },
      { name: 'hiredAt', type: 'dateTime' },
      { name: 'remote', type: 'boolean' },
    ],
  },
]);
const validator = new ScimResourceValidator(registry);

function withoutKeys(object: ScimJsonObject, ...keys: string[]): ScimJsonObject {
  const copy = structuredClone(object);
  for (const key of keys) delete copy[key];
  return copy;
}

describe('ScimResourceValidator — RFC 7643 §8 examples', () => {
  it('accepts the §8.2 full User: drops id/meta/groups, extracts the password, and round-trips', () => {
    const { attributes, password } = validator.validateForCreate('User', rfcFullUser());
    assert.equal(password, 't1meMa$heen');
    assert.deepEqual(attributes, withoutKeys(rfcFullUser(), 'id', 'meta', 'password', 'groups'));
    assert.deepEqual(validator.validateForCreate('User', attributes), { attributes });
  });

  it('accepts the §8.3 enterprise User under its URN key, dropping readOnly manager.displayName', () => {
    const { attributes } = validator.validateForCreate('User', rfcEnterpriseUser());
    const enterprise = attributes[ENTERPRISE] as ScimJsonObject;
    assert.deepEqual(attributes.schemas, [SCIM_SCHEMAS.user, ENTERPRISE]);
    assert.deepEqual(enterprise.manager, { value: '26118915-6090-4610-87e4-49d8ca9f808d', $ref: '../Users/26118915-6090-4610-87e4-49d8ca9f808d' });
    assert.equal(enterprise.employeeNumber, '701984');
    assert.deepEqual(validator.validateForCreate('User', attributes).attributes, attributes);
  });

  it('accepts the §8.4 Group', () => {
    const { attributes } = validator.validateForCreate('Group', rfcGroup());
    assert.deepEqual(attributes, withoutKeys(rfcGroup(), 'id', 'meta'));
  });
});

describe('ScimResourceValidator — normalization', () => {
  it('matches attribute names case-insensitively and re-emits canonical spelling', () => {
    const { attributes } = validator.validateForCreate('User', {
      SCHEMAS: [SCIM_SCHEMAS.user.toUpperCase(), ENTERPRISE],
      USERNAME: 'bjensen',
      Name: { GivenName: 'Barbara' },
      Emails: [{ VALUE: 'b@example.com', Type: 'work' }],
      [ENTERPRISE.toLowerCase()]: { EmployeeNumber: '42', Manager: '123' },
    });
    assert.deepEqual(attributes, {
      schemas: [SCIM_SCHEMAS.user, ENTERPRISE],
      userName: 'bjensen',
      name: { givenName: 'Barbara' },
      emails: [{ value: 'b@example.com', type: 'work' }],
      [ENTERPRISE]: { employeeNumber: '42', manager: { value: '123' } },
    });
  });

  it('accepts Entra ID\'s create-user request (readOnly meta, empty roles) and coerces "True"/"False"', () => {
    const body = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
      active: 'True',
      emails: [{ primary: 'true', type: 'work', value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
    };
    const { attributes } = validator.validateForCreate('User', body);
    assert.deepEqual(attributes, {
      schemas: [SCIM_SCHEMAS.user],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      active: true,
      emails: [{ value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com', type: 'work', primary: true }],
    });
    assert.equal(validator.validateForCreate('User', { ...body, active: 'False' }).attributes.active, false);
  });

  it('accepts Entra ID\'s create-group request with its ADSCIM schema URI', () => {
    const { attributes } = validator.validateForCreate('Group', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    });
    assert.deepEqual(attributes, { schemas: [SCIM_SCHEMAS.group], externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', displayName: 'displayName' });
  });

  it('accepts Okta\'s create-user request (password extracted, empty readOnly groups dropped)', () => {
    const { attributes, password } = validator.validateForCreate('User', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
    });
    assert.equal(password, '1mz050nq');
    assert.equal(attributes.password, undefined);
    assert.equal(attributes.groups, undefined);
    assert.equal(attributes.userName, 'test.user@okta.local');
  });

  it('removes empty strings, nulls, empty arrays and emptied complex values', () => {
    const { attributes } = validator.validateForCreate('User', {
      schemas: [SCIM_SCHEMAS.user],
      userName: 'u',
      displayName: '',
      title: null,
      emails: [],
      name: { givenName: '', familyName: null },
      phoneNumbers: [{ value: '' }],
      [ENTERPRISE]: { department: '' },
    });
    assert.deepEqual(attributes, { schemas: [SCIM_SCHEMAS.user], userName: 'u' });
  });

  it('wraps a single object given for a multi-valued attribute', () => {
    const { attributes } = validator.validateForCreate('User', { schemas: [SCIM_SCHEMAS.user], userName: 'u', emails: { value: 'a@example.com' } });
    assert.deepEqual(attributes.emails, [{ value: 'a@example.com' }]);
  });

  it('keeps only the last primary:true and unsets the others (RFC 7643 §2.4)', () => {
    const { attributes } = validator.validateForCreate('User', {
      schemas: [SCIM_SCHEMAS.user],
      userName: 'u',
      emails: [
        { value: 'a@example.com', primary: true },
        { value: 'b@example.com', primary: true },
        { value: 'c@example.com', primary: false },
      ],
    });
    assert.deepEqual(attributes.emails, [{ value: 'a@example.com' }, { value: 'b@example.com', primary: true }, { value: 'c@example.com', primary: false }]);
  });

  it('accepts non-canonical "type" values (Okta sends its own)', () => {
    const { attributes } = validator.validateForCreate('User', { schemas: [SCIM_SCHEMAS.user], userName: 'u', emails: [{ value: 'a@example.com', type: 'okta-custom' }] });
    assert.deepEqual(attributes.emails, [{ value: 'a@example.com', type: 'okta-custom' }]);
  });

  it('merges duplicate multi-valued elements', () => {
    const { attributes } = validator.validateForCreate('Group', {
      schemas: [SCIM_SCHEMAS.group],
      displayName: 'g',
      members: [{ value: 'a' }, { value: 'a', display: 'A' }, { value: 'b' }],
    });
    assert.deepEqual(attributes.members, [{ value: 'a', display: 'A' }, { value: 'b' }]);
  });

  it('type-checks integer, decimal, dateTime and boolean extension attributes', () => {
    const { attributes } = validator.validateForCreate('User', {
      schemas: [SCIM_SCHEMAS.user, ACME],
      userName: 'u',
      [ACME]: { level: 3, score: 4.5, hiredAt: '2010-01-23T04:56:22Z', remote: 'FALSE' },
    });
    assert.deepEqual(attributes[ACME], { level: 3, score: 4.5, hiredAt: '2010-01-23T04:56:22Z', remote: false });
    assert.deepEqual(attributes.schemas, [SCIM_SCHEMAS.user, ACME]);
  });

  it('adds an extension with data to schemas even when the client forgot to list it', () => {
    const { attributes } = validator.validateForCreate('User', { schemas: [SCIM_SCHEMAS.user], userName: 'u', [ENTERPRISE]: { department: 'R&D' } });
    assert.deepEqual(attributes.schemas, [SCIM_SCHEMAS.user, ENTERPRISE]);
  });

  it('accepts fully qualified attribute names at the top level', () => {
    const { attributes } = validator.validateForCreate('User', { schemas: [SCIM_SCHEMAS.user], [`${SCIM_SCHEMAS.user}:userName`]: 'u', [`${ENTERPRISE}:department`]: 'R&D' });
    assert.deepEqual(attributes, { schemas: [SCIM_SCHEMAS.user, ENTERPRISE], userName: 'u', [ENTERPRISE]: { department: 'R&D' } });
  });
});

describe('ScimResourceValidator — PUT', () => {
  const existing = { schemas: [SCIM_SCHEMAS.user, ACME], userName: 'u', [ACME]: { badge: 'B-1' } };

  it('accepts an unchanged immutable value (case-insensitively when caseExact is false) and keeps an omitted one', () => {
    const same = validator.validateForReplace('User', { schemas: [SCIM_SCHEMAS.user, ACME], userName: 'u2', [ACME]: { badge: 'b-1' } }, existing);
    assert.deepEqual(same.attributes[ACME], { badge: 'b-1' });
    const omitted = validator.validateForReplace('User', { schemas: [SCIM_SCHEMAS.user], userName: 'u2' }, existing);
    assert.deepEqual(omitted.attributes[ACME], { badge: 'B-1' });
    assert.deepEqual(omitted.attributes.schemas, [SCIM_SCHEMAS.user, ACME]);
  });

  it('rejects a changed immutable value with 400 mutability', () => {
    assertScimError(() => validator.validateForReplace('User', { schemas: [SCIM_SCHEMAS.user, ACME], userName: 'u', [ACME]: { badge: 'B-2' } }, existing), 'mutability');
  });

  it('sets an immutable value that was never set', () => {
    const { attributes } = validator.validateForReplace('User', { schemas: [SCIM_SCHEMAS.user, ACME], userName: 'u', [ACME]: { badge: 'B-9' } }, { schemas: [SCIM_SCHEMAS.user], userName: 'u' });
    assert.deepEqual(attributes[ACME], { badge: 'B-9' });
  });

  it('ignores readOnly id/meta in a PUT body', () => {
    const { attributes } = validator.validateForReplace('User', { schemas: [SCIM_SCHEMAS.user], id: 'other', meta: { version: 'x' }, userName: 'u' }, existing);
    assert.equal(attributes.id, undefined);
    assert.equal(attributes.meta, undefined);
  });
});

describe('ScimResourceValidator — errors', () => {
  const user = (extra: ScimJsonObject): ScimJsonObject => ({ schemas: [SCIM_SCHEMAS.user], userName: 'u', ...extra });
  const cases: [string, () => unknown, Parameters<typeof assertScimError>[1]][] = [
    ['non-object body', () => validator.validateForCreate('User', []), 'invalidSyntax'],
    ['missing schemas', () => validator.validateForCreate('User', { userName: 'u' }), 'invalidSyntax'],
    ['schemas without the core URN', () => validator.validateForCreate('User', { schemas: [ENTERPRISE], userName: 'u' }), 'invalidSyntax'],
    ['schemas naming another resource type', () => validator.validateForCreate('Group', { schemas: [SCIM_SCHEMAS.user], displayName: 'g' }), 'invalidSyntax'],
    ['unknown schema URN', () => validator.validateForCreate('User', user({ schemas: [SCIM_SCHEMAS.user, 'urn:example:unknown'] })), 'invalidValue'],
    ['unknown core attribute', () => validator.validateForCreate('User', user({ favouriteColour: 'blue' })), 'invalidSyntax'],
    ['unknown sub-attribute', () => validator.validateForCreate('User', user({ name: { nickname: 'x' } })), 'invalidSyntax'],
    ['unknown extension attribute', () => validator.validateForCreate('User', user({ [ENTERPRISE]: { shoeSize: 9 } })), 'invalidSyntax'],
    ['unknown URN key', () => validator.validateForCreate('User', user({ 'urn:example:unknown:thing': { a: 1 } })), 'invalidSyntax'],
    ['extension that is not an object', () => validator.validateForCreate('User', user({ [ENTERPRISE]: 'x' })), 'invalidSyntax'],
    ['same attribute twice with different case', () => validator.validateForCreate('User', user({ UserName: 'v' })), 'invalidSyntax'],
    ['missing userName', () => validator.validateForCreate('User', { schemas: [SCIM_SCHEMAS.user], displayName: 'x' }), 'invalidValue'],
    ['empty userName', () => validator.validateForCreate('User', { schemas: [SCIM_SCHEMAS.user], userName: '' }), 'invalidValue'],
    ['missing Group displayName', () => validator.validateForCreate('Group', { schemas: [SCIM_SCHEMAS.group], members: [] }), 'invalidValue'],
    ['string given a number', () => validator.validateForCreate('User', user({ displayName: 42 })), 'invalidValue'],
    ['boolean given "yes"', () => validator.validateForCreate('User', user({ active: 'yes' })), 'invalidValue'],
    ['integer given 1.5', () => validator.validateForCreate('User', user({ [ACME]: { level: 1.5 } })), 'invalidValue'],
    ['integer given "3"', () => validator.validateForCreate('User', user({ [ACME]: { level: '3' } })), 'invalidValue'],
    ['decimal given NaN-ish string', () => validator.validateForCreate('User', user({ [ACME]: { score: 'many' } })), 'invalidValue'],
    ['dateTime given a date only', () => validator.validateForCreate('User', user({ [ACME]: { hiredAt: '2010-01-23' } })), 'invalidValue'],
    ['binary given non-base64', () => validator.validateForCreate('User', user({ x509Certificates: [{ value: 'not base64!' }] })), 'invalidValue'],
    ['complex given a number for a complex without value', () => validator.validateForCreate('User', user({ name: 5 })), 'invalidValue'],
    ['single-valued given an array', () => validator.validateForCreate('User', user({ displayName: ['a'] })), 'invalidValue'],
    ['password given a number', () => validator.validateForCreate('User', user({ password: 1234 })), 'invalidValue'],
  ];
  for (const [name, action, scimType] of cases) {
    it(`${name} → 400 ${scimType}`, () => {
      assertScimError(action, scimType);
    });
  }

  it('a required extension must be present', () => {
    const strict = new ScimResourceValidator(new ScimSchemaRegistry([{ id: ACME, name: 'Acme', resourceType: 'User', required: true, attributes: [{ name: 'badge', required: true }] }]));
    assertScimError(() => strict.validateForCreate('User', { schemas: [SCIM_SCHEMAS.user], userName: 'u' }), 'invalidValue');
    assertScimError(() => strict.validateForCreate('User', { schemas: [SCIM_SCHEMAS.user, ACME], userName: 'u', [ACME]: { other: 1 } }), 'invalidSyntax');
    assert.deepEqual(strict.validateForCreate('User', { schemas: [SCIM_SCHEMAS.user, ACME], userName: 'u', [ACME]: { badge: 'b' } }).attributes[ACME], { badge: 'b' });
  });
});
