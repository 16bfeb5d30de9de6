import type { ScimAttributeDefinition, ScimSchemaDefinition } from '../../schema/types';
import { SCIM_SCHEMAS } from '../../schema/types';
import { attribute } from '../../schema/core-schemas';

/**
 * Test-only schema definitions shaped like RFC 7643 §8.7 (only what the filter specs need), plus a made-up
 * extension with integer/decimal/dateTime/multi-valued attributes so every type path is exercised. Kept separate
 * from the registry's schemas so the filter specs pin exactly the shapes they test.
 */

/** The RFC 7643 §2.2 defaults, as the schema registry's own definitions use them. */
const attr = attribute;

function multiValuedComplex(name: string, valueOverrides: Partial<ScimAttributeDefinition> = {}): ScimAttributeDefinition {
  return attr(name, {
    type: 'complex',
    multiValued: true,
    subAttributes: [
      attr('value', valueOverrides),
      attr('display'),
      attr('type'),
      attr('primary', { type: 'boolean' }),
    ],
  });
}

export const TEST_USER_SCHEMA: ScimSchemaDefinition = {
  id: SCIM_SCHEMAS.user,
  name: 'User',
  attributes: [
    attr('userName', { required: true, uniqueness: 'server' }),
    attr('name', {
      type: 'complex',
      subAttributes: [attr('formatted'), attr('familyName'), attr('givenName'), attr('middleName')],
    }),
    attr('displayName'),
    attr('nickName'),
    attr('profileUrl', { type: 'reference', referenceTypes: ['external'] }),
    attr('title'),
    attr('userType'),
    attr('preferredLanguage'),
    attr('locale'),
    attr('timezone'),
    attr('active', { type: 'boolean' }),
    attr('password', { mutability: 'writeOnly', returned: 'never' }),
    multiValuedComplex('emails'),
    multiValuedComplex('phoneNumbers'),
    multiValuedComplex('ims'),
    multiValuedComplex('photos', { type: 'reference', referenceTypes: ['external'] }),
    multiValuedComplex('groups', { mutability: 'readOnly' }),
    multiValuedComplex('roles'),
    multiValuedComplex('x509Certificates', { type: 'binary', caseExact: true }),
  ],
};

export const TEST_GROUP_SCHEMA: ScimSchemaDefinition = {
  id: SCIM_SCHEMAS.group,
  name: 'Group',
  attributes: [
    attr('displayName', { required: true }),
    attr('members', {
      type: 'complex',
      multiValued: true,
      subAttributes: [
        attr('value', { mutability: 'immutable' }),
        attr('$ref', { type: 'reference', referenceTypes: ['User', 'Group'], mutability: 'immutable' }),
        attr('type', { mutability: 'immutable', canonicalValues: ['User', 'Group'] }),
        attr('display', { mutability: 'immutable' }),
      ],
    }),
  ],
};

export const TEST_ENTERPRISE_USER_SCHEMA: ScimSchemaDefinition = {
  id: SCIM_SCHEMAS.enterpriseUser,
  name: 'EnterpriseUser',
  attributes: [
    attr('employeeNumber'),
    attr('costCenter'),
    attr('organization'),
    attr('division'),
    attr('department'),
    attr('manager', {
      type: 'complex',
      subAttributes: [attr('value'), attr('$ref', { type: 'reference', referenceTypes: ['User'] }), attr('displayName', { mutability: 'readOnly' })],
    }),
  ],
};

export const TEST_EXTRA_SCHEMA_URN = 'urn:idsync:params:scim:schemas:extension:test:2.0:User';

export const TEST_EXTRA_SCHEMA: ScimSchemaDefinition = {
  id: TEST_EXTRA_SCHEMA_URN,
  name: 'TestExtra',
  attributes: [
    attr('level', { type: 'integer' }),
    attr('score', { type: 'decimal' }),
    attr('hiredAt', { type: 'dateTime' }),
    attr('badge', { caseExact: true }),
    attr('tags', { multiValued: true }),
    attr('employeeNumber'), // same name as an enterprise attribute: unqualified lookups must pick the first extension
    attr('certifications', {
      type: 'complex',
      multiValued: true,
      subAttributes: [attr('value'), attr('level', { type: 'integer' }), attr('earnedAt', { type: 'dateTime' }), attr('primary', { type: 'boolean' })],
    }),
  ],
};
