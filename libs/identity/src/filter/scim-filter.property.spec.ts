import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ScimError } from '../errors/scim-error';
import { formatFilter, type AttrPath, type ComparisonOperator, type ComparisonValue, type FilterNode } from './ast';
import { ScimFilterEvaluator } from './filter-evaluator';
import { ScimFilterSqlCompiler } from './filter-sql-compiler';
import { ScimFilterParser } from './scim-filter-parser';
import { TEST_USERS, userResolver } from './testing/test-resources';

// Property-based tests (fast-check) for the filter engine: hostile or random input either parses or
// fails with a SCIM 400, printing and re-parsing is stable, and no value ever reaches SQL text.

const parser = new ScimFilterParser();
const compiler = new ScimFilterSqlCompiler(userResolver, { resourceType: 'User' });
const RUNS = 400;

/** Strings an attacker would try, mixed into random text. */
const HOSTILE_FRAGMENTS = [
  `'; DROP TABLE scim_resources; --`,
  `" or 1=1 --`,
  `\\" or userName pr or "`,
  '\u0000',
  '\u202e',
  '\ud800',
  'аdmin', // Cyrillic а
  '$1',
  '$$',
  '::text',
  '__proto__',
  'constructor',
  ')))))',
  '((((((',
  '[[[[',
  'not not not',
  ' and ',
  ' or ',
  ' pr',
];

const hostileText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.constantFrom(...HOSTILE_FRAGMENTS, 'userName', 'eq', 'emails', '"x"', '.', 'value'), { maxLength: 12 }).map((parts) => parts.join(' ')),
);

function assertOnlyScim400(action: () => unknown): void {
  try {
    action();
  } catch (error: unknown) {
    assert.ok(error instanceof ScimError, `expected a ScimError, got ${String(error)}`);
    assert.equal(error.status, 400);
  }
}

// String attributes of the test User schema that bind to SQL (columns or jsonb), for generated filters.
const STRING_PATHS: AttrPath[] = [
  { attribute: 'userName' },
  { attribute: 'displayName' },
  { attribute: 'title' },
  { attribute: 'nickName' },
  { attribute: 'externalId' },
  { attribute: 'name', subAttribute: 'givenName' },
  { attribute: 'emails', subAttribute: 'value' },
  { attribute: 'emails', subAttribute: 'type' },
];
const STRING_OPERATORS: ComparisonOperator[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];

const stringValue = fc.oneof(fc.string({ maxLength: 24 }), fc.constantFrom(...HOSTILE_FRAGMENTS.filter((f) => !/[\ud800-\udfff]/.test(f))));

function filterArbitrary(values: fc.Arbitrary<ComparisonValue>, paths: AttrPath[]): fc.Arbitrary<FilterNode> {
  const { node } = fc.letrec<{ node: FilterNode }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.record({ kind: fc.constant('comparison' as const), path: fc.constantFrom(...paths), operator: fc.constantFrom(...STRING_OPERATORS), value: values }),
      fc.record({ kind: fc.constant('presence' as const), path: fc.constantFrom(...paths) }),
      fc.record({ kind: fc.constant('logical' as const), operator: fc.constantFrom('and' as const, 'or' as const), left: tie('node'), right: tie('node') }),
      fc.record({ kind: fc.constant('not' as const), operand: tie('node') }),
    ),
  }));
  return node;
}

const anyValue: fc.Arbitrary<ComparisonValue> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);

describe('ScimFilterParser — properties', () => {
  it('any input either parses or is rejected with a SCIM 400 (never another error)', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        assertOnlyScim400(() => parser.parse(text));
        assertOnlyScim400(() => parser.parsePath(text));
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('formatting a filter and parsing it again yields the same filter', () => {
    const paths: AttrPath[] = [...STRING_PATHS, { attribute: 'active' }, { schema: 'urn:ietf:params:scim:schemas:core:2.0:User', attribute: 'userName' }];
    fc.assert(
      fc.property(filterArbitrary(anyValue, paths), (filter) => {
        const text = formatFilter(filter);
        const reparsed = parser.parse(text);
        assert.equal(formatFilter(reparsed), text);
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects nesting deeper than the configured bound with a 400', () => {
    fc.assert(
      fc.property(fc.integer({ min: 33, max: 400 }), (depth) => {
        const text = `${'('.repeat(depth)}userName eq "x"${')'.repeat(depth)}`;
        assert.throws(() => parser.parse(text), (error: unknown) => error instanceof ScimError && error.status === 400);
      }),
      { numRuns: 50 },
    );
  });
});

describe('ScimFilterSqlCompiler — properties', () => {
  it('never puts a filter value into SQL text: values are bound parameters only', () => {
    fc.assert(
      fc.property(filterArbitrary(stringValue, STRING_PATHS), (filter) => {
        let fragment;
        try {
          fragment = compiler.compile(filter);
        } catch (error: unknown) {
          // Some operator/attribute pairs are refused (e.g. gt on a caseExact id); that is a 400, never a crash.
          assert.ok(error instanceof ScimError && error.status === 400, `unexpected ${String(error)}`);
          return;
        }
        // Every quote in the SQL belongs to a fixed SQL literal of the compiler, never to user input.
        assert.doesNotMatch(fragment.sql, /DROP|--|\/\*|;/, fragment.sql);
        const placeholders = [...fragment.sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
        for (const n of placeholders) assert.ok(n >= 1 && n <= fragment.params.length, `placeholder $${n} of ${fragment.params.length}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('the in-memory evaluator accepts every filter the compiler accepts (same binding rules)', () => {
    fc.assert(
      fc.property(filterArbitrary(stringValue, STRING_PATHS), (filter) => {
        let compiled = true;
        try {
          compiler.compile(filter);
        } catch {
          compiled = false;
        }
        if (!compiled) return;
        const predicate = new ScimFilterEvaluator(userResolver).compile(filter);
        for (const user of TEST_USERS) assert.equal(typeof predicate(user), 'boolean');
      }),
      { numRuns: RUNS },
    );
  });
});
