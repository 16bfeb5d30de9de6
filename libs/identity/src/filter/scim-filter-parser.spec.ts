import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScimError } from '../errors/scim-error';
import { formatFilter, type FilterNode } from './ast';
import { ScimFilterParser } from './scim-filter-parser';
import { RFC7644_EXAMPLE_FILTERS } from './testing/rfc7644-examples';

const parser = new ScimFilterParser();
const shape = (text: string): string => formatFilter(parser.parse(text));

function assertScimError(action: () => unknown, scimType: string, detail?: RegExp): void {
  let thrown: unknown;
  try {
    action();
  } catch (error: unknown) {
    thrown = error;
  }
  assert.ok(thrown instanceof ScimError, `expected ScimError, got ${String(thrown)}`);
  assert.equal(thrown.status, 400);
  assert.equal(thrown.scimType, scimType);
  if (detail) assert.match(thrown.message, detail);
}

describe('ScimFilterParser.parse', () => {
  it('parses a simple comparison into the AST', () => {
    assert.deepEqual(parser.parse('userName eq "bjensen"'), {
      kind: 'comparison',
      path: { attribute: 'userName' },
      operator: 'eq',
      value: 'bjensen',
    });
  });

  it('parses every comparison operator, case-insensitively', () => {
    for (const operator of ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']) {
      for (const spelling of [operator, operator.toUpperCase(), operator[0]!.toUpperCase() + operator[1]]) {
        const node = parser.parse(`title ${spelling} "x"`);
        assert.equal(node.kind, 'comparison');
        assert.equal(node.kind === 'comparison' && node.operator, operator);
      }
    }
    assert.deepEqual(parser.parse('title PR'), { kind: 'presence', path: { attribute: 'title' } });
  });

  it('parses every JSON literal type', () => {
    const value = (text: string): unknown => {
      const node = parser.parse(`x eq ${text}`);
      return node.kind === 'comparison' ? node.value : undefined;
    };
    assert.equal(value('true'), true);
    assert.equal(value('False'), false);
    assert.equal(value('NULL'), null);
    assert.equal(value('42'), 42);
    assert.equal(value('-0.5'), -0.5);
    assert.equal(value('1.5e3'), 1500);
    assert.equal(value('2E-2'), 0.02);
    assert.equal(value('""'), '');
  });

  it('decodes JSON string escapes', () => {
    const node = parser.parse(String.raw`displayName eq "a\"b\\c\/d\n\t\r\b\f \u00e9\ud83d\ude00 (x) [y] and or"`);
    assert.equal(node.kind === 'comparison' && node.value, 'a"b\\c/d\n\t\r\b\f é😀 (x) [y] and or');
  });

  it('keeps attribute spelling and splits schema URNs at the last colon', () => {
    assert.deepEqual(parser.parse('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"'), {
      kind: 'comparison',
      path: { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', attribute: 'employeeNumber' },
      operator: 'eq',
      value: '701984',
    });
    assert.deepEqual(parser.parse('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value pr'), {
      kind: 'presence',
      path: { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', attribute: 'manager', subAttribute: 'value' },
    });
    assert.deepEqual(parser.parse('NAME.FamilyName pr'), { kind: 'presence', path: { attribute: 'NAME', subAttribute: 'FamilyName' } });
    assert.deepEqual(parser.parse('members.$ref pr'), { kind: 'presence', path: { attribute: 'members', subAttribute: '$ref' } });
  });

  it('applies precedence not > and > or', () => {
    assert.equal(shape('a pr or b pr and c pr'), '(a pr or (b pr and c pr))');
    assert.equal(shape('a pr and b pr or c pr'), '((a pr and b pr) or c pr)');
    assert.equal(shape('a pr and b pr and c pr'), '((a pr and b pr) and c pr)');
    assert.equal(shape('not (a pr) and b pr or c pr and not (d pr)'), '((not (a pr) and b pr) or (c pr and not (d pr)))');
  });

  it('honours parentheses and nested groups', () => {
    assert.equal(shape('(a pr or b pr) and c pr'), '((a pr or b pr) and c pr)');
    assert.equal(shape('a pr and (b pr or (c pr and (d pr or e pr)))'), '(a pr and (b pr or (c pr and (d pr or e pr))))');
    assert.equal(shape('((((a eq 1))))'), 'a eq 1');
    assert.equal(shape(' ( a eq 1 )  and\tb eq 2\n'), '(a eq 1 and b eq 2)');
  });

  it('parses not with or without a space, case-insensitively', () => {
    assert.equal(shape('not (a pr)'), 'not (a pr)');
    assert.equal(shape('NOT(a pr)'), 'not (a pr)');
    assert.equal(shape('Not (a pr or b pr)'), 'not ((a pr or b pr))');
    assert.equal(shape('not (not (a pr))'), 'not (not (a pr))');
  });

  it('treats keywords as keywords only in keyword position', () => {
    assert.equal(shape('not eq "x"'), 'not eq "x"');
    assert.equal(shape('and eq "x" and or eq "y"'), '(and eq "x" and or eq "y")');
    assert.equal(shape('pr pr'), 'pr pr');
  });

  it('accepts keywords in any case', () => {
    assert.equal(shape('a EQ "x" AND b Pr OR c Ne true'), '((a eq "x" and b pr) or c ne true)');
  });

  it('parses value paths, including logic, not and parentheses inside the brackets', () => {
    const node = parser.parse('emails[type eq "work" and value co "@example.com"]');
    assert.deepEqual(node, {
      kind: 'valuePath',
      path: { attribute: 'emails' },
      filter: {
        kind: 'logical',
        operator: 'and',
        left: { kind: 'comparison', path: { attribute: 'type' }, operator: 'eq', value: 'work' },
        right: { kind: 'comparison', path: { attribute: 'value' }, operator: 'co', value: '@example.com' },
      },
    } satisfies FilterNode);
    assert.equal(
      shape('emails[type eq "work" or (type eq "home" and not (value ew "@example.com"))]'),
      'emails[(type eq "work" or (type eq "home" and not (value ew "@example.com")))]',
    );
    assert.equal(
      shape('urn:ietf:params:scim:schemas:core:2.0:User:emails[primary eq true]'),
      'urn:ietf:params:scim:schemas:core:2.0:User:emails[primary eq true]',
    );
  });

  it('parses every RFC 7644 §3.4.2.2 example filter', () => {
    assert.equal(RFC7644_EXAMPLE_FILTERS.length, 17);
    for (const text of RFC7644_EXAMPLE_FILTERS) {
      const node = parser.parse(text);
      // Round trip: printing and re-parsing gives the same tree.
      assert.deepEqual(parser.parse(formatFilter(node)), node, text);
    }
    assert.equal(
      shape(RFC7644_EXAMPLE_FILTERS[13]!),
      '(userType ne "Employee" and not ((emails co "example.com" or emails.value co "example.org")))',
    );
  });

  it('parses identity-provider filters (Okta, Microsoft Entra)', () => {
    assert.deepEqual(parser.parse('userName eq "x@y.com"'), {
      kind: 'comparison',
      path: { attribute: 'userName' },
      operator: 'eq',
      value: 'x@y.com',
    });
    assert.deepEqual(parser.parse('externalId eq "4f5c1d8e-52aa-4d3b-9c0f-6f6a1f0e8b21"'), {
      kind: 'comparison',
      path: { attribute: 'externalId' },
      operator: 'eq',
      value: '4f5c1d8e-52aa-4d3b-9c0f-6f6a1f0e8b21',
    });
    assert.equal(shape('displayName eq "Sales Team"'), 'displayName eq "Sales Team"');
    assert.equal(shape('members[value eq "2819c223-7f76-453a-919d-413861904646"]'), 'members[value eq "2819c223-7f76-453a-919d-413861904646"]');
    // Entra's non-RFC `attr[filter].sub op value` means: the same element satisfies both.
    assert.equal(shape('emails[type eq "work"].value eq "a@x.com"'), 'emails[(type eq "work" and value eq "a@x.com")]');
  });

  const malformed: Array<[string, RegExp?]> = [
    ['', /empty/],
    ['   ', /empty/],
    ['userName', /expected an operator/],
    ['userName eq', /position 11.*expected a value/],
    ['userName eq bjensen', /expected a value/],
    ['userName equals "x"', /expected an operator/],
    ['userName eq "x" and', /expected attribute path/],
    ['userName eq "x" or', /expected attribute path/],
    ['userName eq "x" userType eq "y"', /expected end of filter/],
    ['userName eq "x" xor title pr', /expected end of filter/],
    ['and title pr', /expected an operator/],
    ['(userName eq "x"', /expected "\)" to close "\(" at position 0/],
    ['userName eq "x")', /expected end of filter/],
    ['()', /expected attribute path/],
    ['not userName eq "x"', /"not" must be followed by "\("/],
    ['not ()', /expected attribute path/],
    ['userName eq "unterminated', /unterminated string/],
    ['userName eq "bad \\x escape"', /invalid escape/],
    ['userName eq "bad \\u12G4"', /invalid \\u escape/],
    ['userName eq "raw\ncontrol"', /control character/],
    ["userName eq 'single'", /unexpected character/],
    ['userName eq 01', /invalid number/],
    ['userName eq 1.', /invalid number/],
    ['userName eq -', /invalid number/],
    ['userName eq 12abc', /invalid number/],
    ['userName eq 1e999', /out of range/],
    ['userName eq tru', /expected a value/],
    ['userName eq "a" "b"', /expected end of filter/],
    ['1userName eq "x"', /invalid number/],
    ['user name eq "x"', /expected an operator/],
    ['name.familyName.x eq "x"', /more than one sub-attribute/],
    ['name. eq "x"', /invalid attribute path/],
    ['foo:bar eq "x"', /invalid schema URI/],
    ['urn:ietf:params:scim:schemas:core:2.0:User: eq "x"', /invalid attribute path/],
    ['emails[type eq "work"', /expected "\]"/],
    ['emails[]', /expected attribute path/],
    ['emails type eq "work"]', /expected an operator/],
    ['emails[type eq "work" and addresses[type eq "home"]]', /nested value filters/],
    ['emails[emails.type eq "work"]', /plain sub-attribute/],
    ['emails.value[type eq "work"]', /top-level attribute/],
    ['emails[type eq "work"].', /sub-attribute name/],
    ['emails[type eq "work"].value', /expected an operator/],
    ['title pr pr', /expected end of filter/],
    ['title eq "x" and not (', /expected attribute path/],
    ['userName eq "x" # comment', /unexpected character/],
    ['userName = "x"', /unexpected character/],
    ['userName eq "nul \\u0000"', /U\+0000/],
    ['userName eq "lone \\ud800 high"', /unpaired/],
    ['userName eq "lone \\udc00 low"', /unpaired/],
    ['userName eq "reversed \\ude00\\ud83d"', /unpaired/],
  ];

  for (const [text, detail] of malformed) {
    it(`rejects ${JSON.stringify(text)} with 400 invalidFilter`, () => {
      assertScimError(() => parser.parse(text), 'invalidFilter', detail);
    });
  }

  it('rejects non-string input with a ScimError', () => {
    assertScimError(() => parser.parse(undefined as unknown as string), 'invalidFilter');
    assertScimError(() => parser.parse(42 as unknown as string), 'invalidFilter');
  });

  it('enforces the length limit', () => {
    const small = new ScimFilterParser({ maxLength: 20 });
    assert.ok(small.parse('userName eq "abcde"'));
    assertScimError(() => small.parse('userName eq "abcdefghij"'), 'invalidFilter', /longer than 20/);
    assertScimError(() => parser.parse(`userName eq "${'a'.repeat(5000)}"`), 'invalidFilter', /longer than 4096/);
  });

  it('enforces the nesting limit (default 32)', () => {
    const nested = (depth: number): string => `${'('.repeat(depth)}a pr${')'.repeat(depth)}`;
    assert.ok(parser.parse(nested(32)));
    assertScimError(() => parser.parse(nested(33)), 'invalidFilter', /nesting deeper than 32/);
    const nots = (depth: number): string => `${'not ('.repeat(depth)}a pr${')'.repeat(depth)}`;
    assert.ok(parser.parse(nots(32)));
    assertScimError(() => parser.parse(nots(33)), 'invalidFilter', /nesting/);
    assertScimError(() => new ScimFilterParser({ maxDepth: 1 }).parse('(emails[type eq "x"])'), 'invalidFilter', /nesting/);
  });

  it('enforces the clause limit (default 100): comparisons, presence tests and value paths each count', () => {
    const ors = (n: number): string => Array.from({ length: n }, (_, i) => `userName eq "u${i}"`).join(' or ');
    assert.ok(parser.parse(ors(100)));
    assertScimError(() => parser.parse(ors(101)), 'invalidFilter', /too many clauses, max 100/);
    const small = new ScimFilterParser({ maxClauses: 3 });
    assert.ok(small.parse('emails[type eq "work" and value pr]'), 'a value path and its two sub-filters are 3 clauses');
    assertScimError(() => small.parse('emails[type eq "work" and value pr] or a pr'), 'invalidFilter', /too many clauses, max 3/);
    assertScimError(() => small.parse('not (a pr) and not (b pr) and (c pr or d pr)'), 'invalidFilter', /too many clauses/);
    assertScimError(() => small.parsePath('emails[type eq "a" or type eq "b" or type eq "c"]'), 'invalidPath', /too many clauses/);
  });

  it('never throws anything but ScimError on garbage input', () => {
    const alphabet = ['a', 'eq', 'pr', 'and', 'or', 'not', '(', ')', '[', ']', '"x"', '"', '.', ':', '1', '-', ' ', 'urn:a:b', '\\', '\u0000', 'true'];
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 3000; i++) {
      const length = 1 + Math.floor(random() * 12);
      let text = '';
      for (let j = 0; j < length; j++) text += alphabet[Math.floor(random() * alphabet.length)];
      try {
        parser.parse(text);
      } catch (error: unknown) {
        assert.ok(error instanceof ScimError && error.status === 400 && error.scimType === 'invalidFilter', `${JSON.stringify(text)}: ${String(error)}`);
      }
    }
  });
});

describe('ScimFilterParser.parsePath', () => {
  it('parses attribute paths', () => {
    assert.deepEqual(parser.parsePath('displayName'), { attrPath: { attribute: 'displayName' } });
    assert.deepEqual(parser.parsePath('name.familyName'), { attrPath: { attribute: 'name', subAttribute: 'familyName' } });
    assert.deepEqual(parser.parsePath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager'), {
      attrPath: { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', attribute: 'manager' },
    });
    assert.deepEqual(parser.parsePath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value'), {
      attrPath: { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', attribute: 'manager', subAttribute: 'value' },
    });
  });

  it('parses value paths with an optional trailing sub-attribute', () => {
    assert.deepEqual(parser.parsePath('members[value eq "2819c223"]'), {
      attrPath: { attribute: 'members' },
      valueFilter: { kind: 'comparison', path: { attribute: 'value' }, operator: 'eq', value: '2819c223' },
    });
    assert.deepEqual(parser.parsePath('emails[type eq "work"].value'), {
      attrPath: { attribute: 'emails', subAttribute: 'value' },
      valueFilter: { kind: 'comparison', path: { attribute: 'type' }, operator: 'eq', value: 'work' },
    });
    const complex = parser.parsePath('addresses[type eq "work" and not (primary eq false)].streetAddress');
    assert.equal(complex.attrPath.subAttribute, 'streetAddress');
    assert.equal(complex.valueFilter && formatFilter(complex.valueFilter), '(type eq "work" and not (primary eq false))');
  });

  for (const text of [
    '',
    'emails[',
    'emails[type eq "work"',
    'emails[type eq "work"]]',
    'emails[type eq "work"].',
    'emails[type eq "work"] .value',
    'emails[type eq "work"].value.x',
    'emails[type eq "work"].value eq "x"',
    'emails.value[type eq "work"]',
    'emails[type eq "work"][value eq "x"]',
    'emails[members[value eq "x"]]',
    'userName eq "x"',
    'name.familyName.x',
    '"userName"',
    'a b',
  ]) {
    it(`rejects path ${JSON.stringify(text)} with 400 invalidPath`, () => {
      assertScimError(() => parser.parsePath(text), 'invalidPath');
    });
  }
});

describe('ScimFilterParser.parseAttrPath', () => {
  it('parses sortBy-style paths and rejects the rest with invalidValue', () => {
    assert.deepEqual(parser.parseAttrPath('meta.lastModified'), { attribute: 'meta', subAttribute: 'lastModified' });
    assertScimError(() => parser.parseAttrPath('emails[type eq "work"]'), 'invalidValue');
    assertScimError(() => parser.parseAttrPath('a b', 'invalidFilter'), 'invalidFilter');
  });
});
