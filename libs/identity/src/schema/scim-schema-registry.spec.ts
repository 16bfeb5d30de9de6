import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { ScimSchemaRegistry } from './scim-schema-registry';
import { SCIM_SCHEMAS } from './types';

const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';

describe('ScimSchemaRegistry', () => {
  it('serves the core schemas in the RFC 7643 §7 representation', () => {
    const registry = new ScimSchemaRegistry();
    const schemas = registry.toSchemaResources('https://example.com/v2/');
    assert.deepEqual(schemas.map((schema) => schema.id), [SCIM_SCHEMAS.user, SCIM_SCHEMAS.group, SCIM_SCHEMAS.enterpriseUser]);
    const user = schemas[0];
    assert.deepEqual(user.schemas, [SCIM_SCHEMAS.schema]);
    assert.deepEqual(user.meta, { resourceType: 'Schema', location: `https://example.com/v2/Schemas/${SCIM_SCHEMAS.user}` });
    const userName = user.attributes.find((attribute) => attribute.name === 'userName');
    assert.deepEqual(
      { ...userName, description: undefined },
      { name: 'userName', type: 'string', multiValued: false, description: undefined, required: true, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'server' },
    );
    const password = user.attributes.find((attribute) => attribute.name === 'password');
    assert.equal(password?.mutability, 'writeOnly');
    assert.equal(password?.returned, 'never');
    const groups = user.attributes.find((attribute) => attribute.name === 'groups');
    assert.equal(groups?.mutability, 'readOnly');
    assert.deepEqual(
      user.attributes.map((attribute) => attribute.name),
      ['userName', 'name', 'displayName', 'nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone', 'active', 'password', 'emails', 'phoneNumbers', 'ims', 'photos', 'addresses', 'groups', 'entitlements', 'roles', 'x509Certificates'],
    );
    const manager = schemas[2].attributes.find((attribute) => attribute.name === 'manager');
    assert.deepEqual(manager?.subAttributes?.map((sub) => `${sub.name}:${sub.mutability}`), ['value:readWrite', '$ref:readWrite', 'displayName:readOnly']);
    const members = schemas[1].attributes.find((attribute) => attribute.name === 'members');
    assert.deepEqual(members?.subAttributes?.map((sub) => sub.name), ['value', '$ref', 'type', 'display']);
  });

  it('serves resource types with schemaExtensions (RFC 7643 §6)', () => {
    const registry = new ScimSchemaRegistry([{ id: ACME, name: 'Acme', resourceType: 'User', required: true, attributes: [{ name: 'badge' }] }]);
    const [user, group] = registry.toResourceTypeResources('https://example.com/v2');
    assert.deepEqual(user, {
      schemas: [SCIM_SCHEMAS.resourceType],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: SCIM_SCHEMAS.user,
      schemaExtensions: [
        { schema: SCIM_SCHEMAS.enterpriseUser, required: false },
        { schema: ACME, required: true },
      ],
      meta: { resourceType: 'ResourceType', location: 'https://example.com/v2/ResourceTypes/User' },
    });
    assert.equal(group.endpoint, '/Groups');
    assert.deepEqual(group.schemaExtensions, []);
  });

  it('fills RFC 7643 §2.2 defaults for omitted characteristics', () => {
    const registry = new ScimSchemaRegistry([
      { id: ACME, name: 'Acme', resourceType: 'User', attributes: [{ name: 'badge' }, { name: 'level', type: 'integer', mutability: 'immutable' }, { name: 'tags', multiValued: true, subAttributes: [{ name: 'value' }], type: 'complex' }] },
    ]);
    const badge = registry.getSchema(ACME.toUpperCase())?.attributes[0];
    assert.deepEqual(badge, { name: 'badge', type: 'string', multiValued: false, required: false, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none' });
    assert.equal(registry.getSchema(ACME)?.attributes[1].mutability, 'immutable');
  });

  it('resolves attribute paths case-insensitively, core first, then extensions, and URN-qualified', () => {
    const registry = new ScimSchemaRegistry([{ id: ACME, name: 'Acme', resourceType: 'User', attributes: [{ name: 'userName' }, { name: 'badge' }] }]);
    const userName = registry.resolveAttributePath('User', 'USERNAME');
    assert.equal(userName?.schema.id, SCIM_SCHEMAS.user);
    assert.equal(userName?.attribute.name, 'userName');
    const qualified = registry.resolveAttributePath('User', `${ACME}:username`);
    assert.equal(qualified?.schema.id, ACME);
    assert.equal(qualified?.isExtension, true);
    assert.equal(registry.resolveAttributePath('User', 'badge')?.schema.id, ACME);
    const manager = registry.resolveAttributePath('User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value');
    assert.equal(manager?.attribute.name, 'manager');
    assert.equal(manager?.subAttribute?.name, 'value');
    assert.equal(registry.resolveAttributePath('User', 'name.GIVENNAME')?.subAttribute?.name, 'givenName');
    assert.equal(registry.resolveAttributePath('User', 'id')?.isCommon, true);
    assert.equal(registry.resolveAttributePath('User', `${SCIM_SCHEMAS.user}:emails.value`)?.subAttribute?.name, 'value');
    assert.equal(registry.resolveAttributePath('User', 'nope'), undefined);
    assert.equal(registry.resolveAttributePath('User', 'name.nope'), undefined);
    assert.equal(registry.resolveAttributePath('Group', 'employeeNumber'), undefined);
  });

  it('rejects bad configuration with a plain Error naming the problem', () => {
    const cases: [unknown, RegExp][] = [
      [{}, /must be a JSON array/],
      [[{ id: 'not-a-urn', name: 'X', resourceType: 'User', attributes: [{ name: 'a' }] }], /must be a URN/],
      [[{ id: ACME, name: 'X', resourceType: 'Device', attributes: [{ name: 'a' }] }], /resourceType/],
      [[{ id: ACME, name: 'X', resourceType: 'User', attributes: [{ name: 'a', type: 'text' }] }], /type: must be one of/],
      [[{ id: ACME, name: 'X', resourceType: 'User', attributes: [{ name: 'a', required: 'yes' }] }], /required: must be a boolean/],
      [[{ id: ACME, name: 'X', resourceType: 'User', attributes: [{ name: '1a' }] }], /ATTRNAME/],
      [[{ id: ACME, name: 'X', resourceType: 'User', attributes: [{ name: 'a' }, { name: 'A' }] }], /duplicate attribute/],
      [[{ id: ACME, name: 'X', resourceType: 'User', attributes: [{ name: 'a', type: 'complex' }] }], /subAttributes/],
      [[{ id: ACME, name: 'X', resourceType: 'User', attributes: [{ name: 'a', subAttributes: [{ name: 'b' }] }] }], /only allowed on complex/],
      [[{ id: ACME, name: 'X', resourceType: 'User', attributes: [{ name: 'a', type: 'complex', subAttributes: [{ name: 'b', type: 'complex', subAttributes: [{ name: 'c' }] }] }] }], /cannot contain complex/],
      [[{ id: ACME, name: 'X', resourceType: 'User', attributes: [{ name: 'a', mutable: true }] }], /unknown key "mutable"/],
      [[{ id: SCIM_SCHEMAS.enterpriseUser, name: 'X', resourceType: 'User', attributes: [{ name: 'a' }] }], /already registered/],
      [[{ id: ACME, name: 'X', resourceType: 'User', attributes: [] }], /non-empty array/],
    ];
    for (const [config, message] of cases) {
      assert.throws(() => new ScimSchemaRegistry(config), (error: unknown) => error instanceof Error && error.constructor === Error && message.test(error.message));
    }
  });
});
