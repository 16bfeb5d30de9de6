import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { attribute } from './core-schemas';
import { ScimSchemaRegistry } from './scim-schema-registry';
import { appendOrMerge, isSameMultiValuedElement, MultiValuedElements } from './scim-values';
import type { ScimAttributeDefinition } from './types';

// MultiValuedElements (indexed by each element's string identity, so a 10,000-member PATCH is linear)
// must give exactly what the element-by-element appendOrMerge / isSameMultiValuedElement give.

const registry = new ScimSchemaRegistry();
const attr = (type: 'User' | 'Group', name: string) => registry.getCoreSchema(type).attributes.find((a) => a.name === name) as ScimAttributeDefinition;
const definitions = [attr('Group', 'members'), attr('User', 'emails'), attr('User', 'phoneNumbers')];
const stringList = attribute('tags', { multiValued: true });

// Few distinct values in varying case, so duplicates and case-insensitive matches are common.
const value = fc.constantFrom('a', 'A', 'b', 'B', 'ab', 'x@Example.com', 'X@example.COM');
const element = fc.oneof(
  fc.record({ value, type: fc.option(fc.constantFrom('User', 'user', 'Group', 'work', 'home'), { nil: undefined }), display: fc.option(fc.string({ maxLength: 3 }), { nil: undefined }), primary: fc.option(fc.boolean(), { nil: undefined }) }, { requiredKeys: ['value'] }),
  fc.record({ display: fc.string({ maxLength: 2 }) }),
  fc.record({ value: fc.integer({ min: 0, max: 2 }) }),
  value,
  fc.integer({ min: 0, max: 2 }),
);
const clean = (e: unknown) => (typeof e === 'object' && e !== null ? Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) : e);
const list = fc.array(element, { maxLength: 12 }).map((xs) => xs.map(clean));

describe('MultiValuedElements', () => {
  it('appendOrMerge gives the same elements and indexes as appendOrMerge one by one', () => {
    fc.assert(
      fc.property(fc.constantFrom(...definitions, stringList), list, list, (definition, initial, incoming) => {
        const expected = structuredClone(initial);
        const expectedIndexes = incoming.map((e) => appendOrMerge(definition, expected, structuredClone(e)));
        const indexed = new MultiValuedElements(definition, structuredClone(initial));
        const indexes = incoming.map((e) => indexed.appendOrMerge(structuredClone(e)));
        assert.deepEqual(indexed.elements, expected);
        assert.deepEqual(indexes, expectedIndexes);
      }),
      { numRuns: 500 },
    );
  });

  it('without removes exactly the elements isSameMultiValuedElement matches', () => {
    fc.assert(
      fc.property(fc.constantFrom(...definitions, stringList), list, list, (definition, current, toRemove) => {
        const expected = current.filter((e) => !toRemove.some((r) => isSameMultiValuedElement(definition, e, r)));
        assert.deepEqual(new MultiValuedElements(definition, [...current]).without(toRemove), expected);
      }),
      { numRuns: 500 },
    );
  });

  it('adds 10,000 new members and merges re-added ones (case-insensitive ids) in one pass', () => {
    const members = attr('Group', 'members');
    const ids = Array.from({ length: 10_000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const set = new MultiValuedElements(members, ids.slice(0, 5).map((v) => ({ value: v, type: 'User' })));
    for (const id of ids) set.appendOrMerge({ value: id.toUpperCase(), display: 'x' });
    assert.equal(set.elements.length, 10_000);
    assert.deepEqual(set.elements[0], { value: ids[0].toUpperCase(), display: 'x', type: 'User' });
  });
});
