import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ScimError } from '../errors/scim-error';
import { rfcEnterpriseUser, rfcGroup } from '../schema/rfc-examples.fixture';
import { ScimResourceValidator } from '../schema/scim-resource-validator';
import { ScimSchemaRegistry } from '../schema/scim-schema-registry';
import { SCIM_SCHEMAS, type ScimJsonObject } from '../schema/types';
import { ScimPatchEngine } from './scim-patch-engine';

// Property-based tests (fast-check) for the PATCH engine with random and hostile operations: the engine
// either returns a valid document or throws a SCIM 4xx; it never mutates its input, never throws a
// TypeError, and never lets `__proto__`/`constructor` keys pollute prototypes.

const registry = new ScimSchemaRegistry();
const validator = new ScimResourceValidator(registry);
const engine = new ScimPatchEngine(registry, { validator });

function storedUser(): ScimJsonObject {
  return { id: '2819c223-7f76-453a-919d-413861904646', ...validator.validateForCreate('User', rfcEnterpriseUser()).attributes };
}
function storedGroup(): ScimJsonObject {
  return { id: 'e9e30dba-f08f-4109-8486-d5c6a331660a', ...validator.validateForCreate('Group', rfcGroup()).attributes };
}

const PATHS = [
  'userName',
  'displayName',
  'active',
  'title',
  'name.givenName',
  'name',
  'emails',
  'emails[type eq "work"].value',
  'emails[type eq "work"]',
  'emails[value co "@"].primary',
  'phoneNumbers[type eq "mobile"].value',
  'addresses[type eq "work"].locality',
  'members',
  'members[value eq "2819c223-7f76-453a-919d-413861904646"]',
  `${SCIM_SCHEMAS.enterpriseUser}:manager.value`,
  `${SCIM_SCHEMAS.enterpriseUser}:department`,
  'meta.lastModified',
  'id',
  'groups',
  'password',
  '__proto__',
  '__proto__.polluted',
  'constructor.prototype.polluted',
  'emails[__proto__ eq "x"].value',
  'name.__proto__',
  `userName'; DROP TABLE scim_resources; --`,
  'emails[type eq "work" or 1 eq 1]',
  'emails[[',
  '',
  'a'.repeat(300),
];

/** JSON values including the keys a prototype-pollution payload uses (parsed, so they are own properties). */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    JSON.parse('{"__proto__": {"polluted": "yes"}}'),
    JSON.parse('{"constructor": {"prototype": {"polluted": "yes"}}}'),
    JSON.parse('[{"__proto__": {"polluted": "yes"}, "value": "x@example.com", "type": "work"}]'),
    JSON.parse('{"name": {"__proto__": {"polluted": "yes"}}}'),
    { value: 'x@example.com', type: 'work', primary: true },
    [{ value: '2819c223-7f76-453a-919d-413861904646' }],
    'false',
    'True',
    '\u0000',
    'a'.repeat(5000),
  ),
);

const operation = fc.record(
  {
    op: fc.oneof(
      { arbitrary: fc.constantFrom('add', 'replace', 'remove', 'Add', 'REPLACE'), weight: 8 },
      { arbitrary: fc.oneof(fc.constantFrom('delete', '__proto__'), fc.string({ maxLength: 8 })), weight: 1 },
    ),
    path: fc.oneof({ arbitrary: fc.constantFrom(...PATHS), weight: 8 }, { arbitrary: fc.string({ maxLength: 30 }), weight: 1 }),
    value: fc.oneof({ arbitrary: fc.constantFrom('x@example.com', 'Ms. Tester', true, false, 'work'), weight: 3 }, { arbitrary: hostileValue, weight: 2 }),
  },
  { requiredKeys: ['op'] },
);

const body = fc.oneof(
  { arbitrary: fc.record({ schemas: fc.constant([SCIM_SCHEMAS.patchOp]), Operations: fc.array(operation, { minLength: 1, maxLength: 3 }) }), weight: 5 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 },
);

const outcomes = { applied: 0, rejected: 0 };

function applyChecked(resourceType: 'User' | 'Group', resource: ScimJsonObject, patchBody: unknown): void {
  const snapshot = structuredClone(resource);
  try {
    const { resource: patched } = engine.apply(resourceType, resource, patchBody);
    // The result is a document the validator accepts as stored state.
    const { id: _id, meta: _meta, ...attributes } = patched;
    validator.validatePatchedDocument(resourceType, attributes);
    outcomes.applied++;
  } catch (error: unknown) {
    assert.ok(error instanceof ScimError, `expected a ScimError, got ${error instanceof Error ? error.stack : String(error)}`);
    assert.ok(error.status >= 400 && error.status < 500, `status ${error.status}`);
    outcomes.rejected++;
  }
  assert.deepEqual(resource, snapshot, 'the input resource was mutated');
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
}

describe('ScimPatchEngine — properties', () => {
  it('random and hostile PATCH bodies on a User give a valid document or a SCIM 4xx, and mutate nothing', () => {
    fc.assert(
      fc.property(body, (patchBody) => applyChecked('User', storedUser(), patchBody)),
      { numRuns: 800 },
    );
    // The generator must reach the engine's success paths too, not only its input checks.
    assert.ok(outcomes.applied >= 20, `only ${outcomes.applied} of ${outcomes.applied + outcomes.rejected} bodies applied`);
  });

  it('random and hostile PATCH bodies on a Group give a valid document or a SCIM 4xx, and mutate nothing', () => {
    fc.assert(
      fc.property(body, (patchBody) => applyChecked('Group', storedGroup(), patchBody)),
      { numRuns: 500 },
    );
  });

  it('an add of a value-less or keyed value is idempotent: applying the same add twice equals applying it once', () => {
    const adds = fc.record({
      op: fc.constant('add'),
      path: fc.constantFrom('title', 'displayName', 'name.givenName', `${SCIM_SCHEMAS.enterpriseUser}:department`),
      value: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => ![...s].some((c) => c.charCodeAt(0) < 0x20)),
    });
    fc.assert(
      fc.property(adds, (op) => {
        const once = engine.apply('User', storedUser(), { schemas: [SCIM_SCHEMAS.patchOp], Operations: [op] }).resource;
        const twice = engine.apply('User', once, { schemas: [SCIM_SCHEMAS.patchOp], Operations: [op] });
        assert.deepEqual(twice.resource, once);
        assert.deepEqual(twice.changedAttributes, []);
      }),
      { numRuns: 200 },
    );
  });
});
