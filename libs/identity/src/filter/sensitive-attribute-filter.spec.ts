import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ScimError } from '../errors/scim-error';
import { ScimSchemaRegistry } from '../schema/scim-schema-registry';
import { SchemaAttributeResolver } from './attribute-resolver';
import { ScimFilterEvaluator } from './filter-evaluator';
import { ScimFilterParser } from './scim-filter-parser';
import { ScimFilterSqlCompiler } from './filter-sql-compiler';

// Filtering on a writeOnly or returned:never attribute would let a client guess the value.
describe('filters on never-returned attributes', () => {
  const registry = new ScimSchemaRegistry([
    { id: 'urn:example:params:scim:schemas:extension:acme:2.0:User', name: 'Acme', resourceType: 'User', attributes: [{ name: 'pin', returned: 'never' }] },
  ]);
  const resolver = new SchemaAttributeResolver(registry.getCoreSchema('User'), registry.getExtensionSchemas('User').map((e) => e.schema));
  const parser = new ScimFilterParser();

  for (const text of ['password eq "secret"', 'password pr', 'urn:example:params:scim:schemas:extension:acme:2.0:User:pin eq "1234"', 'not (password sw "a")']) {
    it(`rejects ${text} in SQL and in memory`, () => {
      const filter = parser.parse(text);
      for (const run of [() => new ScimFilterSqlCompiler(resolver).compile(filter), () => new ScimFilterEvaluator(resolver).matches({}, filter)]) {
        assert.throws(run, (err: unknown) => err instanceof ScimError && err.status === 400 && err.scimType === 'invalidFilter');
      }
    });
  }
});

describe('sortBy on never-returned attributes', () => {
  const registry = new ScimSchemaRegistry();
  const resolver = new SchemaAttributeResolver(registry.getCoreSchema('User'), registry.getExtensionSchemas('User').map((e) => e.schema));
  it('is 400 invalidValue', () => {
    assert.throws(
      () => new ScimFilterSqlCompiler(resolver).compileSortExpression('password'),
      (err: unknown) => err instanceof ScimError && err.status === 400 && err.scimType === 'invalidValue',
    );
  });
});
