import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScimError } from '../errors/scim-error';
import { SCIM_SCHEMAS, type ScimAttributeDefinition } from '../schema/types';
import { SchemaAttributeResolver } from './attribute-resolver';
import { ScimElementFilterEvaluator, ScimFilterEvaluator } from './filter-evaluator';
import { ScimFilterParser } from './scim-filter-parser';
import { normalizeForSearch } from './search-normalizer';
import { GROUP_IDS, TEST_GROUPS, TEST_USERS, USER_IDS, groupResolver, userResolver } from './testing/test-resources';
import { TEST_EXTRA_SCHEMA_URN, TEST_GROUP_SCHEMA, TEST_USER_SCHEMA } from './testing/test-schemas';

const parser = new ScimFilterParser();
const users = new ScimFilterEvaluator(userResolver);
const groups = new ScimFilterEvaluator(groupResolver);
const userNames = new Map(Object.entries(USER_IDS).map(([name, id]) => [id as string, name]));
const groupNames = new Map(Object.entries(GROUP_IDS).map(([name, id]) => [id as string, name]));

/** Names (keys of USER_IDS) of the test users matching `filter`, sorted. */
function matchingUsers(filter: string): string[] {
  return users.filter(TEST_USERS, parser.parse(filter)).map((user) => userNames.get(user.id as string)!).sort();
}

function matchingGroups(filter: string): string[] {
  return groups.filter(TEST_GROUPS, parser.parse(filter)).map((group) => groupNames.get(group.id as string)!).sort();
}

function assertInvalidFilter(action: () => unknown, detail?: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof ScimError, `expected ScimError, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.equal(error.scimType, 'invalidFilter');
    if (detail) assert.match(error.message, detail);
    return true;
  });
}

describe('SchemaAttributeResolver', () => {
  it('resolves core, sub, extension and common attributes case-insensitively', () => {
    assert.equal(userResolver.resolve({ attribute: 'USERNAME' })?.attribute.name, 'userName');
    assert.equal(userResolver.resolve({ attribute: 'name', subAttribute: 'FAMILYNAME' })?.subAttribute?.name, 'familyName');
    const qualified = userResolver.resolve({ schema: 'urn:ietf:params:scim:schemas:core:2.0:User', attribute: 'userName' });
    assert.deepEqual([qualified?.schema, qualified?.extension], [SCIM_SCHEMAS.user, false]);
    const enterprise = userResolver.resolve({ schema: SCIM_SCHEMAS.enterpriseUser.toUpperCase(), attribute: 'manager', subAttribute: 'value' });
    assert.deepEqual([enterprise?.schema, enterprise?.extension, enterprise?.subAttribute?.name], [SCIM_SCHEMAS.enterpriseUser, true, 'value']);
    // Unqualified names fall back to extensions in declaration order.
    assert.equal(userResolver.resolve({ attribute: 'employeeNumber' })?.schema, SCIM_SCHEMAS.enterpriseUser);
    assert.equal(userResolver.resolve({ attribute: 'level' })?.schema, TEST_EXTRA_SCHEMA_URN);
    assert.equal(userResolver.resolve({ attribute: 'id' })?.attribute.caseExact, true);
    assert.equal(userResolver.resolve({ schema: SCIM_SCHEMAS.user, attribute: 'externalId' })?.attribute.name, 'externalId');
    assert.equal(userResolver.resolve({ attribute: 'meta', subAttribute: 'lastmodified' })?.subAttribute?.type, 'dateTime');
    assert.equal(userResolver.resolve({ attribute: 'meta', subAttribute: 'version' })?.subAttribute?.caseExact, true);
  });

  it('returns undefined for unknown names and wrong schemas', () => {
    assert.equal(userResolver.resolve({ attribute: 'nope' }), undefined);
    assert.equal(userResolver.resolve({ attribute: 'userName', subAttribute: 'x' }), undefined);
    assert.equal(userResolver.resolve({ attribute: 'name', subAttribute: 'nope' }), undefined);
    assert.equal(userResolver.resolve({ schema: SCIM_SCHEMAS.enterpriseUser, attribute: 'userName' }), undefined);
    assert.equal(userResolver.resolve({ schema: SCIM_SCHEMAS.user, attribute: 'employeeNumber' }), undefined);
    assert.equal(userResolver.resolve({ schema: 'urn:example:unknown', attribute: 'userName' }), undefined);
    assert.equal(groupResolver.resolve({ attribute: 'userName' }), undefined);
  });
});

describe('ScimFilterEvaluator', () => {
  it('matches strings case-insensitively unless caseExact', () => {
    assert.deepEqual(matchingUsers('userName eq "BJENSEN"'), ['bjensen']);
    assert.deepEqual(matchingUsers('userName eq "jsmith@example.com"'), ['jsmith']); // Okta style
    assert.deepEqual(matchingUsers('userType eq "Employee"'), ['bjensen', 'jsmith', 'lowerEmployee', 'upperWork']);
    assert.deepEqual(matchingUsers('externalId eq "EXT-JS"'), ['jsmith']); // Entra style; externalId is caseExact
    assert.deepEqual(matchingUsers('externalId eq "ext-js"'), ['externalLower']);
    assert.deepEqual(matchingUsers(`id eq "${USER_IDS.bjensen}"`), ['bjensen']);
    assert.deepEqual(matchingUsers(`id eq "${USER_IDS.bjensen.toUpperCase()}"`), []);
    assert.deepEqual(matchingUsers(`${TEST_EXTRA_SCHEMA_URN}:badge eq "gold"`), ['jsmith']);
    assert.deepEqual(matchingUsers('userName eq "ærøskøbing"'), ['unicode']);
    assert.deepEqual(matchingUsers('title eq "strasse"'), ['unicode']);
  });

  it('evaluates co, sw, ew literally (no wildcard characters)', () => {
    assert.deepEqual(matchingUsers('userName co "SMITH"'), ['jsmith']);
    assert.deepEqual(matchingUsers('userName sw "b"'), ['bjensen']);
    assert.deepEqual(matchingUsers('userName ew ".COM"'), ['jsmith']);
    assert.deepEqual(matchingUsers('userName co "%"'), ['likeChars']);
    assert.deepEqual(matchingUsers('userName co "_"'), ['likeChars']);
    assert.deepEqual(matchingUsers('title co "\\\\"'), ['likeChars']);
    assert.deepEqual(matchingUsers('title co "_b%"'), ['likeChars']);
    assert.deepEqual(matchingUsers('title co ""'), ['bjensen', 'jsmith', 'likeChars', 'lowerEmployee', 'omalley', 'unicode']);
    assert.deepEqual(matchingUsers('externalId sw "EXT"'), ['jsmith']);
  });

  it('orders strings by code point, case-folded unless caseExact', () => {
    assert.deepEqual(matchingUsers('userName gt "u"'), ['unicode', 'upperWork']); // "æ" (U+00E6) sorts after "u"
    assert.deepEqual(matchingUsers('userName ge "upper.work"'), ['unicode', 'upperWork']);
    assert.deepEqual(matchingUsers('userName lt "c"'), ['bjensen', 'likeChars']);
    assert.deepEqual(matchingUsers('userName le "bjensen"'), ['bjensen', 'likeChars']);
    // U+1F600 sorts after U+FFFD by code point (UTF-16 unit order would say the opposite).
    assert.deepEqual(matchingUsers('displayName gt "\\ufffd"'), ['emoji', 'numbers']);
    assert.deepEqual(matchingUsers('displayName gt "\\ufffd z"'), ['emoji']);
    assert.deepEqual(matchingUsers('externalId lt "a"'), ['jsmith']); // "EXT-JS" < "a" when case matters
  });

  it('compares numbers and dateTimes by value', () => {
    assert.deepEqual(matchingUsers('level gt 2'), ['bjensen', 'jsmith']);
    assert.deepEqual(matchingUsers('level ge 0'), ['bjensen', 'intern', 'jsmith', 'numbers']);
    assert.deepEqual(matchingUsers('level eq 3.0'), ['bjensen']);
    assert.deepEqual(matchingUsers('score lt 0'), ['numbers']);
    assert.deepEqual(matchingUsers('score le 7'), ['bjensen', 'jsmith', 'numbers']);
    // 2010-01-22T23:56:22-05:00 is the same instant as 2010-01-23T04:56:22Z.
    assert.deepEqual(matchingUsers('hiredAt eq "2010-01-23T04:56:22Z"'), ['bjensen', 'numbers']);
    assert.deepEqual(matchingUsers('hiredAt lt "2009-01-01T00:00:00Z"'), ['jsmith']);
    assert.deepEqual(matchingUsers('hiredAt gt "2023-09-01T08:00:00.249Z"'), ['intern']);
    assert.deepEqual(matchingUsers('hiredAt gt "2023-09-01T08:00:00.250Z"'), []);
    assert.deepEqual(matchingUsers('hiredAt ge "2023-09-01T08:00:00.25Z"'), ['intern']);
    assert.deepEqual(matchingUsers('meta.created lt "2011-05-13T04:42:34"'), ['bjensen', 'jsmith', 'unicode']); // no offset = UTC
  });

  it('evaluates booleans with eq and ne', () => {
    assert.deepEqual(matchingUsers('active eq true'), ['bjensen', 'jsmith', 'lowerEmployee', 'omalley']);
    assert.deepEqual(matchingUsers('active eq false'), ['intern']);
    assert.deepEqual(matchingUsers('active ne true'), ['emoji', 'externalLower', 'intern', 'likeChars', 'minimal', 'nulls', 'numbers', 'unicode', 'upperWork']);
  });

  it('matches multi-valued attributes when ANY value matches', () => {
    assert.deepEqual(matchingUsers('emails.value eq "babs@jensen.org"'), ['bjensen']);
    assert.deepEqual(matchingUsers('emails.value co "@example.com"'), ['bjensen', 'jsmith', 'likeChars', 'lowerEmployee', 'upperWork']);
    assert.deepEqual(matchingUsers('emails co "example.org"'), ['jsmith', 'lowerEmployee']); // implied .value
    assert.deepEqual(matchingUsers('emails.type eq "work"'), ['bjensen', 'intern', 'jsmith', 'lowerEmployee', 'nulls', 'unicode', 'upperWork']);
    assert.deepEqual(matchingUsers('tags eq "ALPHA"'), ['bjensen', 'jsmith']);
    assert.deepEqual(matchingUsers('certifications.level gt 4'), ['bjensen']);
    assert.deepEqual(matchingUsers(`schemas eq "${SCIM_SCHEMAS.enterpriseUser}"`), ['bjensen', 'jsmith', 'lowerEmployee']);
  });

  it('treats ne as "not eq" (absent attribute matches, any equal value excludes)', () => {
    assert.deepEqual(matchingUsers('userType ne "Employee"'), ['emoji', 'externalLower', 'intern', 'likeChars', 'minimal', 'nulls', 'numbers', 'omalley', 'unicode']);
    assert.deepEqual(matchingUsers('emails.type ne "home"'), ['emoji', 'externalLower', 'intern', 'likeChars', 'minimal', 'nulls', 'numbers', 'omalley', 'unicode', 'upperWork']);
  });

  it('treats null, "", [] and {} as absent for pr and eq null', () => {
    assert.deepEqual(matchingUsers('title pr'), ['bjensen', 'jsmith', 'likeChars', 'lowerEmployee', 'unicode']);
    assert.deepEqual(matchingUsers('emails pr'), ['bjensen', 'intern', 'jsmith', 'likeChars', 'lowerEmployee', 'nulls', 'unicode', 'upperWork']);
    assert.deepEqual(matchingUsers('emails.value pr'), ['bjensen', 'intern', 'jsmith', 'likeChars', 'lowerEmployee', 'unicode', 'upperWork']);
    assert.deepEqual(matchingUsers('name.givenName pr'), ['bjensen', 'omalley']);
    assert.deepEqual(matchingUsers('tags pr'), ['bjensen', 'externalLower', 'jsmith']);
    assert.deepEqual(matchingUsers('title eq null'), matchingUsers('not (title pr)'));
    assert.deepEqual(matchingUsers('title ne null'), matchingUsers('title pr'));
    assert.equal(matchingUsers('id pr').length, TEST_USERS.length);
    assert.equal(matchingUsers('meta pr').length, TEST_USERS.length);
  });

  it('reads extension attributes under their URN key, qualified or not', () => {
    assert.deepEqual(matchingUsers('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"'), ['bjensen']);
    assert.deepEqual(matchingUsers('employeeNumber sw "7019"'), ['bjensen', 'lowerEmployee']);
    assert.deepEqual(matchingUsers(`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "${USER_IDS.jsmith}"`), ['bjensen']);
    assert.deepEqual(matchingUsers('URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:MANAGER pr'), ['bjensen', 'lowerEmployee']);
    assert.deepEqual(matchingUsers('urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"'), ['jsmith']);
  });

  it('evaluates value paths against one element at a time', () => {
    assert.deepEqual(matchingUsers('emails[type eq "work" and value co "@example.com"]'), ['bjensen', 'jsmith', 'lowerEmployee', 'upperWork']);
    // Same conditions without brackets may be satisfied by different elements.
    assert.deepEqual(matchingUsers('emails[type eq "home" and value co "@example.com"]'), []);
    assert.deepEqual(matchingUsers('emails.type eq "home" and emails.value co "@example.com"'), ['bjensen', 'jsmith', 'lowerEmployee']);
    assert.deepEqual(matchingUsers('emails[primary eq true]'), ['bjensen', 'jsmith']);
    assert.deepEqual(matchingUsers('emails[not (primary eq true)]'), ['bjensen', 'intern', 'jsmith', 'likeChars', 'lowerEmployee', 'nulls', 'unicode', 'upperWork']);
    assert.deepEqual(matchingUsers('emails[type eq "work"].value ew "example.com"'), ['bjensen', 'jsmith', 'lowerEmployee', 'upperWork']);
    assert.deepEqual(matchingUsers('certifications[level ge 3 and earnedAt gt "2020-01-01T00:00:00Z"]'), ['numbers']);
    assert.deepEqual(matchingUsers('name[givenName eq "pat"]'), ['omalley']);
    assert.deepEqual(matchingUsers('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value pr]'), ['bjensen', 'lowerEmployee']);
  });

  it('evaluates logic, precedence and not over missing attributes', () => {
    assert.deepEqual(matchingUsers('not (title eq "Manager")').length, TEST_USERS.length - 1);
    assert.deepEqual(matchingUsers('userType eq "intern" or title pr and active eq false'), ['intern']);
    assert.deepEqual(matchingUsers('(userType eq "intern" or title pr) and active eq true'), ['bjensen', 'jsmith', 'lowerEmployee']);
    assert.deepEqual(matchingUsers('not (not (userName eq "minimal"))'), ['minimal']);
  });

  it('evaluates every RFC 7644 §3.4.2.2 example', () => {
    const expected: Record<string, string[]> = {
      'userName eq "bjensen"': ['bjensen'],
      'name.familyName co "O\'Malley"': ['omalley'],
      'userName sw "J"': ['jsmith'],
      'urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"': ['jsmith'],
      'title pr': ['bjensen', 'jsmith', 'likeChars', 'lowerEmployee', 'unicode'],
      'meta.lastModified gt "2011-05-13T04:42:34Z"': ['emoji', 'externalLower', 'intern', 'likeChars', 'lowerEmployee', 'minimal', 'nulls', 'numbers', 'upperWork'],
      'meta.lastModified ge "2011-05-13T04:42:34Z"': ['bjensen', 'emoji', 'externalLower', 'intern', 'jsmith', 'likeChars', 'lowerEmployee', 'minimal', 'nulls', 'numbers', 'omalley', 'upperWork'],
      'meta.lastModified lt "2011-05-13T04:42:34Z"': ['unicode'],
      'meta.lastModified le "2011-05-13T04:42:34Z"': ['bjensen', 'jsmith', 'omalley', 'unicode'],
      'title pr and userType eq "Employee"': ['bjensen', 'jsmith', 'lowerEmployee'],
      'title pr or userType eq "Intern"': ['bjensen', 'intern', 'jsmith', 'likeChars', 'lowerEmployee', 'unicode'],
      'schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"': ['bjensen', 'jsmith', 'lowerEmployee'],
      'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")': ['bjensen', 'jsmith', 'lowerEmployee', 'upperWork'],
      'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")': ['emoji', 'externalLower', 'intern', 'minimal', 'nulls', 'numbers', 'omalley', 'unicode'],
      'userType eq "Employee" and (emails.type eq "work")': ['bjensen', 'jsmith', 'lowerEmployee', 'upperWork'],
      'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]': ['bjensen', 'jsmith', 'lowerEmployee', 'upperWork'],
      'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]': ['bjensen', 'intern', 'jsmith', 'lowerEmployee', 'upperWork'],
    };
    assert.equal(Object.keys(expected).length, 17);
    for (const [filter, names] of Object.entries(expected)) assert.deepEqual(matchingUsers(filter), names, filter);
  });

  it('evaluates Group filters (displayName, members.value, externalId)', () => {
    assert.deepEqual(matchingGroups('displayName eq "tour guides"'), ['tourGuides']);
    assert.deepEqual(matchingGroups(`members.value eq "${USER_IDS.bjensen}"`), ['tourGuides']);
    assert.deepEqual(matchingGroups(`members[value eq "${GROUP_IDS.tourGuides}" and type eq "Group"]`), ['admins']);
    assert.deepEqual(matchingGroups('externalId eq "Tour-Guides"'), ['tourGuides']);
    assert.deepEqual(matchingGroups('members pr'), ['admins', 'tourGuides']);
  });

  const invalid: Array<[string, RegExp]> = [
    ['nope eq "x"', /Unknown attribute "nope"/],
    ['name.nope eq "x"', /Unknown attribute/],
    ['urn:example:other:User:userName eq "x"', /Unknown attribute/],
    ['active gt true', /not supported for boolean/],
    ['active co "t"', /not a boolean|not supported/],
    ['active eq "true"', /not a boolean/],
    ['name gt "x"', /Complex attribute/],
    ['name eq "x"', /Complex attribute/],
    ['emails[type eq "work"] and meta gt "x"', /Complex attribute/],
    ['manager gt 1', /not a string/],
    ['userName eq 1', /not a string/],
    ['level eq "3"', /not a number/],
    ['level co 3', /not supported/],
    ['meta.created eq "yesterday"', /not a valid dateTime/],
    ['meta.created gt "2011-02-30T00:00:00Z"', /not a valid dateTime/],
    ['meta.created sw "2011"', /not supported/],
    ['userName gt null', /cannot compare/],
    ['emails[nope eq "x"]', /not a sub-attribute/],
    ['userName[value eq "x"]', /needs a complex attribute/],
    ['x509Certificates.value gt "x"', /not supported for binary/],
  ];
  for (const [filter, detail] of invalid) {
    it(`rejects ${JSON.stringify(filter)} with invalidFilter before evaluating`, () => {
      assertInvalidFilter(() => users.compile(parser.parse(filter)), detail);
      assertInvalidFilter(() => users.filter([], parser.parse(filter)), detail);
    });
  }

  it('selects elements for PATCH value paths by path or by definition', () => {
    const members = TEST_GROUPS[1]!.members as unknown[];
    const byPath = groups.compileValueFilter({ attribute: 'members' }, parser.parse('type eq "group"'));
    assert.deepEqual(members.filter(byPath), [members[1]]);
    assert.equal(groups.matchesElement({ attribute: 'MEMBERS' }, members[0], parser.parse(`value eq "${USER_IDS.jsmith}"`)), true);
    assert.equal(groups.matchesElement({ attribute: 'members' }, 'not-an-object', parser.parse('value pr')), false);
    assertInvalidFilter(() => groups.compileValueFilter({ attribute: 'displayName' }, parser.parse('value pr')), /complex/);

    const path = parser.parsePath('emails[type eq "WORK" and value ew "example.com"].value');
    const emails = TEST_USERS[0]!.emails as unknown[];
    assert.deepEqual(emails.filter((e) => users.matchesElement(path.attrPath, e, path.valueFilter!)), [emails[0]]);

    const elementEvaluator = new ScimElementFilterEvaluator();
    const membersDefinition = TEST_GROUP_SCHEMA.attributes.find((a) => a.name === 'members')!;
    const filter = parser.parse('type eq "User"');
    assert.deepEqual(members.filter((m) => elementEvaluator.matches(filter, membersDefinition, m)), [members[0]]);
    const tags: ScimAttributeDefinition = { name: 'tags', type: 'string', multiValued: true, required: false, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none' };
    assert.deepEqual(['Alpha', 'beta'].filter((t) => elementEvaluator.matches(parser.parse('value eq "ALPHA"'), tags, t)), ['Alpha']);
    assertInvalidFilter(() => elementEvaluator.matches(parser.parse('nope eq 1'), membersDefinition, members[0]));
  });

  it('normalizeForSearch lowercases exactly the non-caseExact strings and canonicalises keys', () => {
    const resolver = new SchemaAttributeResolver(TEST_USER_SCHEMA, [userResolver.extensionSchemas[0]!]);
    const norm = normalizeForSearch(
      {
        schemas: [SCIM_SCHEMAS.user],
        USERNAME: 'BJensen',
        externalId: 'ABC',
        name: { GivenName: 'Barbara', custom: 'KeepMe' },
        emails: [{ Value: 'A@X.COM', PRIMARY: true }],
        active: true,
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user': { EMPLOYEENUMBER: 'E-1', manager: { value: 'ID-X' } },
        unknownThing: 'AsIs',
      },
      resolver,
    );
    assert.deepEqual(norm, {
      schemas: [SCIM_SCHEMAS.user],
      userName: 'bjensen',
      externalId: 'ABC',
      name: { givenName: 'barbara', custom: 'KeepMe' },
      emails: [{ value: 'a@x.com', primary: true }],
      active: true,
      [SCIM_SCHEMAS.enterpriseUser]: { employeeNumber: 'e-1', manager: { value: 'id-x' } },
      unknownThing: 'AsIs',
    });
  });
});
