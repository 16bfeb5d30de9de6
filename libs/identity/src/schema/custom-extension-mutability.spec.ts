import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ScimSchemaRegistry } from './scim-schema-registry';

describe('custom extension mutability', () => {
  it('refuses writeOnly custom attributes: idsync keeps no secret but the hashed core password', () => {
    assert.throws(
      () => new ScimSchemaRegistry([{ id: 'urn:example:params:scim:schemas:extension:acme:2.0:User', name: 'Acme', resourceType: 'User', attributes: [{ name: 'pin', mutability: 'writeOnly' }] }]),
      /mutability/,
    );
  });
});
