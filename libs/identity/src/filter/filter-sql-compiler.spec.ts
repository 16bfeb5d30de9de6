import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { ScimError } from '../errors/scim-error';
import { SCIM_SCHEMAS } from '../schema/types';
import type { ScimAttributeResolver } from './attribute-resolver';
import { ScimFilterEvaluator } from './filter-evaluator';
import { ScimFilterSqlCompiler } from './filter-sql-compiler';
import { ScimFilterParser } from './scim-filter-parser';
import type { JsonObject } from './scim-values';
import { normalizeForSearch } from './search-normalizer';
import { GROUP_IDS, TEST_GROUPS, TEST_USERS, USER_IDS, groupResolver, toStoredData, userResolver } from './testing/test-resources';
import { RFC7644_EXAMPLE_FILTERS } from './testing/rfc7644-examples';
import { TEST_EXTRA_SCHEMA_URN } from './testing/test-schemas';

// The compiler is exercised at the length limit (a ~220-clause chain), beyond the default clause limit.
const parser = new ScimFilterParser({ maxClauses: 1_000 });
const userCompiler = new ScimFilterSqlCompiler(userResolver, { resourceType: 'User' });
const groupCompiler = new ScimFilterSqlCompiler(groupResolver, { resourceType: 'Group' });
const compileUser = (filter: string, first?: number) => userCompiler.compile(parser.parse(filter), first);

function assertScimError(action: () => unknown, scimType: string, detail?: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof ScimError, `expected ScimError, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.equal(error.scimType, scimType);
    if (detail) assert.match(error.message, detail);
    return true;
  });
}

describe('ScimFilterSqlCompiler output', () => {
  it('compiles userName/displayName eq to the lower() expression indexes', () => {
    assert.deepEqual(compileUser('userName eq "X@Y.com"'), { sql: 'lower(r.user_name) = lower($1::text)', params: ['X@Y.com'] });
    assert.deepEqual(compileUser('DISPLAYNAME EQ "Babs"'), { sql: 'lower(r.display_name) = lower($1::text)', params: ['Babs'] });
    assert.deepEqual(groupCompiler.compile(parser.parse('displayName eq "Admins"')), {
      sql: 'lower(r.display_name) = lower($1::text)',
      params: ['Admins'],
    });
  });

  it('compiles externalId (caseExact) and id (uuid) to their columns', () => {
    assert.deepEqual(compileUser('externalId eq "EXT-1"'), { sql: 'r.external_id = $1::text', params: ['EXT-1'] });
    assert.deepEqual(compileUser(`id eq "${USER_IDS.bjensen}"`), { sql: 'r.id = $1::uuid', params: [USER_IDS.bjensen] });
    assert.deepEqual(compileUser('id eq "not-a-uuid"'), { sql: 'false', params: [] });
    assert.deepEqual(compileUser('id ne "not-a-uuid"'), { sql: 'NOT (false)', params: [] });
    assert.deepEqual(compileUser('id sw "2819"'), { sql: 'r.id::text LIKE $1::text', params: ['2819%'] });
  });

  it('compiles meta dates to timestamptz columns and rejects invalid dates', () => {
    assert.deepEqual(compileUser('meta.lastModified gt "2011-05-13T04:42:34Z"'), {
      sql: 'r.updated_at > $1::timestamptz',
      params: ['2011-05-13T04:42:34Z'],
    });
    assert.deepEqual(compileUser('meta.created le "2011-05-13T04:42:34"'), { sql: 'r.created_at <= $1::timestamptz', params: ['2011-05-13T04:42:34Z'] });
    assertScimError(() => compileUser('meta.created gt "2011-13-01T00:00:00Z"'), 'invalidFilter', /not a valid dateTime/);
    assertScimError(() => compileUser('meta.created gt 5'), 'invalidFilter');
    assert.deepEqual(compileUser('meta.version eq "W/\\"3\\""'), { sql: 'r.version = $1::int', params: [3] });
    assert.deepEqual(compileUser('meta.version eq "3"'), { sql: 'false', params: [] });
    assert.deepEqual(compileUser('meta.resourceType eq "User"'), { sql: 'true', params: [] });
    assert.deepEqual(compileUser('meta.resourceType eq "Group"'), { sql: 'false', params: [] });
    assertScimError(() => compileUser('meta.location pr'), 'invalidFilter', /not stored/);
  });

  it('compiles other eq comparisons to GIN-indexable containment on norm (folded unless caseExact)', () => {
    assert.deepEqual(compileUser('emails.value eq "A@X.com"'), { sql: 'r.norm @> $1::jsonb', params: ['{"emails":[{"value":"a@x.com"}]}'] });
    assert.deepEqual(compileUser('emails eq "A@X.com"'), { sql: 'r.norm @> $1::jsonb', params: ['{"emails":[{"value":"a@x.com"}]}'] });
    assert.deepEqual(compileUser('title eq "Tour Guide"'), { sql: 'r.norm @> $1::jsonb', params: ['{"title":"tour guide"}'] });
    assert.deepEqual(compileUser('active eq true'), { sql: 'r.norm @> $1::jsonb', params: ['{"active":true}'] });
    assert.deepEqual(compileUser('name.familyName eq "Jensen"'), { sql: 'r.norm @> $1::jsonb', params: ['{"name":{"familyName":"jensen"}}'] });
    assert.deepEqual(compileUser('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"'), {
      sql: 'r.norm @> $1::jsonb',
      params: [JSON.stringify({ [SCIM_SCHEMAS.enterpriseUser]: { employeeNumber: '701984' } })],
    });
    assert.deepEqual(compileUser('manager.value eq "ABC"'), {
      sql: 'r.norm @> $1::jsonb',
      params: [JSON.stringify({ [SCIM_SCHEMAS.enterpriseUser]: { manager: { value: 'abc' } } })],
    });
    assert.deepEqual(compileUser('badge eq "Gold"'), { sql: 'r.norm @> $1::jsonb', params: [JSON.stringify({ [TEST_EXTRA_SCHEMA_URN]: { badge: 'Gold' } })] });
    assert.deepEqual(compileUser('level eq 3'), { sql: 'r.norm @> $1::jsonb', params: [JSON.stringify({ [TEST_EXTRA_SCHEMA_URN]: { level: 3 } })] });
    assert.deepEqual(groupCompiler.compile(parser.parse('members.value eq "2819C223-7F76-453A-919D-413861904646"')), {
      sql: 'r.norm @> $1::jsonb',
      params: ['{"members":[{"value":"2819c223-7f76-453a-919d-413861904646"}]}'],
    });
  });

  it('compiles co/sw/ew to LIKE/ILIKE with escaped wildcards', () => {
    assert.deepEqual(compileUser('userName co "50%_off\\\\"'), { sql: 'r.user_name ILIKE $1::text', params: ['%50\\%\\_off\\\\%'] });
    assert.deepEqual(compileUser('externalId sw "A_"'), { sql: 'r.external_id LIKE $1::text', params: ['A\\_%'] });
    assert.deepEqual(compileUser('title ew "GUIDE"'), { sql: "(r.norm->>'title') LIKE $1::text", params: ['%guide'] });
  });

  it('compiles ordering with casts and code-point collation', () => {
    assert.deepEqual(compileUser('userName gt "m"'), { sql: 'lower(r.user_name) COLLATE "C" > lower($1::text)', params: ['m'] });
    assert.deepEqual(compileUser('title lt "M"'), { sql: `(r.norm->>'title') COLLATE "C" < $1::text`, params: ['m'] });
    assert.deepEqual(compileUser('level ge 2'), {
      sql: `(CASE WHEN jsonb_typeof(r.norm->'${TEST_EXTRA_SCHEMA_URN}'->'level') = 'number' THEN (r.norm->'${TEST_EXTRA_SCHEMA_URN}'->'level')::numeric END) >= $1::numeric`,
      params: [2],
    });
    assert.deepEqual(compileUser('hiredAt lt "2020-01-01T00:00:00+02:00"'), {
      sql: `((r.norm->'${TEST_EXTRA_SCHEMA_URN}'->>'hiredAt'))::timestamptz < $1::timestamptz`,
      params: ['2020-01-01T00:00:00+02:00'],
    });
  });

  it('compiles multi-valued non-eq comparisons and value paths to EXISTS over the array', () => {
    assert.deepEqual(compileUser('emails.value co "@X"'), {
      sql: "EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.norm->'emails') = 'array' THEN r.norm->'emails' END) AS e(value) WHERE (e.value->>'value') LIKE $1::text)",
      params: ['%@x%'],
    });
    assert.deepEqual(compileUser('emails[type eq "work" and value co "@x"]'), {
      sql:
        "EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.norm->'emails') = 'array' THEN r.norm->'emails' END) AS e(value) " +
        "WHERE (coalesce(e.value @> $1::jsonb, false) AND (e.value->>'value') LIKE $2::text))",
      params: ['{"type":"work"}', '%@x%'],
    });
  });

  it('compiles not with NULL-safe coalesce and presence checks', () => {
    assert.deepEqual(compileUser('not (title gt "a")'), { sql: `NOT coalesce((r.norm->>'title') COLLATE "C" > $1::text, false)`, params: ['a'] });
    assert.deepEqual(compileUser('not (userName eq "x")'), { sql: 'NOT coalesce(lower(r.user_name) = lower($1::text), false)', params: ['x'] });
    assert.deepEqual(compileUser('title ne "x"'), { sql: 'NOT (r.norm @> $1::jsonb)', params: ['{"title":"x"}'] });
    assert.deepEqual(compileUser('title pr'), {
      sql: `coalesce(r.norm->'title' NOT IN ('null'::jsonb, '""'::jsonb, '[]'::jsonb, '{}'::jsonb), false)`,
      params: [],
    });
    assert.deepEqual(compileUser('userName pr'), { sql: "coalesce(r.user_name <> '', false)", params: [] });
    assert.deepEqual(compileUser('title eq null'), {
      sql: `NOT (coalesce(r.norm->'title' NOT IN ('null'::jsonb, '""'::jsonb, '[]'::jsonb, '{}'::jsonb), false))`,
      params: [],
    });
  });

  it('combines with and/or, numbering placeholders from the requested index', () => {
    assert.deepEqual(compileUser('userName eq "a" and (title eq "b" or externalId eq "c")', 3), {
      sql: '(lower(r.user_name) = lower($3::text) AND (r.norm @> $4::jsonb OR r.external_id = $5::text))',
      params: ['a', '{"title":"b"}', 'c'],
    });
    const aliased = new ScimFilterSqlCompiler(userResolver, { tableAlias: 'u', firstParameterIndex: 2 });
    assert.deepEqual(aliased.compile(parser.parse('userName eq "a" and title eq "b"')), {
      sql: '(lower(u.user_name) = lower($2::text) AND u.norm @> $3::jsonb)',
      params: ['a', '{"title":"b"}'],
    });
    assert.throws(() => new ScimFilterSqlCompiler(userResolver, { tableAlias: 'r; DROP TABLE x' }), /Invalid table alias/);
    assert.throws(() => userCompiler.compile(parser.parse('title pr'), 0), /firstParameterIndex/);
  });

  it('never puts client values into the SQL text', () => {
    const hostile = `x'); DROP TABLE users; --`;
    for (const filter of [
      `userName eq ${JSON.stringify(hostile)}`,
      `title co ${JSON.stringify(hostile)}`,
      `emails[value sw ${JSON.stringify(hostile)}]`,
      `emails.value gt ${JSON.stringify(hostile)}`,
      `externalId ew ${JSON.stringify(hostile)}`,
    ]) {
      const { sql } = compileUser(filter);
      assert.ok(!sql.includes('DROP') && !sql.includes('drop'), sql);
    }
  });

  it('rejects what the evaluator rejects, with the same errors', () => {
    const evaluator = new ScimFilterEvaluator(userResolver);
    for (const filter of ['nope eq 1', 'active gt true', 'name eq "x"', 'level co 1', 'userName eq 5', 'emails[nope pr]']) {
      let evaluatorMessage = '';
      try {
        evaluator.compile(parser.parse(filter));
      } catch (error: unknown) {
        evaluatorMessage = (error as Error).message;
      }
      assertScimError(() => compileUser(filter), 'invalidFilter');
      assert.throws(() => compileUser(filter), { message: evaluatorMessage });
    }
    assertScimError(() => new ScimFilterSqlCompiler(userResolver).compile(parser.parse('meta.resourceType eq "User"')), 'invalidFilter');
  });

  it('compiles sortBy expressions', () => {
    assert.equal(userCompiler.compileSortExpression('userName'), 'lower(r.user_name)');
    assert.equal(userCompiler.compileSortExpression('externalId'), 'r.external_id');
    assert.equal(userCompiler.compileSortExpression('meta.lastModified'), 'r.updated_at');
    assert.equal(userCompiler.compileSortExpression({ attribute: 'title' }), "(r.norm->>'title')");
    assert.equal(userCompiler.compileSortExpression('name.familyName'), "(r.norm->'name'->>'familyName')");
    assert.equal(
      userCompiler.compileSortExpression('emails'),
      "coalesce((SELECT (e.value->>'value') FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.norm->'emails') = 'array' THEN r.norm->'emails' END) " +
        "WITH ORDINALITY AS e(value, position) WHERE e.value->'primary' = 'true'::jsonb ORDER BY e.position LIMIT 1), ((r.norm->'emails')->0->>'value'))",
    );
    assertScimError(() => userCompiler.compileSortExpression('nope'), 'invalidValue');
    assertScimError(() => userCompiler.compileSortExpression('emails[type eq "work"]'), 'invalidValue');
    assertScimError(() => userCompiler.compileSortExpression('meta.location'), 'invalidValue');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Against a real PostgreSQL: the compiled SQL must select exactly what ScimFilterEvaluator selects in memory.
// ---------------------------------------------------------------------------------------------------------------

const PG = { host: process.env.PGHOST ?? '127.0.0.1', port: Number(process.env.PGPORT ?? 5432), user: process.env.PGUSER ?? 'postgres' };

const TABLE_DDL = (table: string): string[] => [
  `CREATE TABLE ${table} (
     id uuid PRIMARY KEY,
     external_id text,
     user_name text,
     display_name text,
     created_at timestamptz NOT NULL,
     updated_at timestamptz NOT NULL,
     version int NOT NULL,
     data jsonb NOT NULL,
     norm jsonb NOT NULL
   )`,
  `CREATE INDEX ${table}_user_name ON ${table} (lower(user_name))`,
  `CREATE INDEX ${table}_display_name ON ${table} (lower(display_name))`,
  `CREATE INDEX ${table}_external_id ON ${table} (external_id)`,
  `CREATE INDEX ${table}_norm ON ${table} USING gin (norm jsonb_path_ops)`,
];

async function insertResources(client: Client, table: string, resources: readonly JsonObject[], resolver: ScimAttributeResolver): Promise<void> {
  for (const resource of resources) {
    const data = toStoredData(resource);
    const meta = resource.meta as { created: string; lastModified: string; version: string };
    await client.query(
      `INSERT INTO ${table} (id, external_id, user_name, display_name, created_at, updated_at, version, data, norm)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)`,
      [
        resource.id,
        data.externalId ?? null,
        data.userName ?? null,
        data.displayName ?? null,
        meta.created,
        meta.lastModified,
        Number(/\d+/.exec(meta.version)![0]),
        JSON.stringify(data),
        JSON.stringify(normalizeForSearch(data, resolver)),
      ],
    );
  }
}

/** Valid-or-not generated filters: every path × operator × literal of a few kinds. */
function generatedUserFilters(): string[] {
  const strings = [
    '', 'a', 'J', 'bjensen', 'BJENSEN', 'Employee', 'work', 'WORK', '@example.com', 'example.org', '%', '_', '\\', 'ær', 'Ä',
    'EXT-JS', 'ext-js', 'W/"3"', 'W/"12"', 'gold', 'alpha', 'User', USER_IDS.bjensen, USER_IDS.jsmith.toUpperCase(), '0b1c6a52',
    '😀', '\ufffd', '\ufffd z', SCIM_SCHEMAS.enterpriseUser, 'tour guide', "O'Malley", 'a_b%c\\d', 'strasse', '701984', 'm',
  ];
  const stringPaths = [
    'userName', 'displayName', 'externalId', 'id', 'title', 'userType', 'nickName', 'name.familyName', 'name.givenName',
    'emails', 'emails.value', 'emails.type', 'ims.value', 'ims.type', 'employeeNumber', 'manager', 'manager.displayName',
    `${TEST_EXTRA_SCHEMA_URN}:badge`, 'tags', 'meta.version', 'meta.resourceType', 'schemas', 'certifications.value',
  ];
  const numbers = [-2, 0, 1, 2.5, 3, 4.5, 10];
  const numberPaths = ['level', 'score', 'certifications.level'];
  const dates = ['2010-01-23T04:56:22Z', '2010-01-22T23:56:22-05:00', '2011-05-13T04:42:34Z', '2015-06-01T00:00:00', '2023-09-01T08:00:00.250Z', '2019-06-01T00:00:00+01:00'];
  const datePaths = ['meta.created', 'meta.lastModified', 'hiredAt', 'certifications.earnedAt'];
  const orderingOperators = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];
  const stringOperators = [...orderingOperators, 'co', 'sw', 'ew'];

  const filters: string[] = [];
  for (const path of [...stringPaths, ...numberPaths, ...datePaths, 'active', 'emails.primary', 'name', 'emails', 'meta']) filters.push(`${path} pr`);
  for (const path of stringPaths) for (const op of stringOperators) for (const value of strings) filters.push(`${path} ${op} ${JSON.stringify(value)}`);
  for (const path of numberPaths) for (const op of orderingOperators) for (const value of numbers) filters.push(`${path} ${op} ${value}`);
  for (const path of datePaths) for (const op of orderingOperators) for (const value of dates) filters.push(`${path} ${op} ${JSON.stringify(value)}`);
  for (const path of ['active', 'emails.primary', 'certifications.primary']) for (const op of ['eq', 'ne']) for (const value of [true, false]) filters.push(`${path} ${op} ${value}`);
  for (const path of ['title', 'emails.value', 'active', 'level', 'hiredAt']) for (const op of ['eq', 'ne']) filters.push(`${path} ${op} null`);
  // Type errors both engines must reject identically.
  for (const path of [...numberPaths, ...datePaths, 'active', 'emails.primary']) for (const op of ['co', 'sw', 'ew']) filters.push(`${path} ${op} "1"`);
  for (const path of stringPaths) for (const value of [1, true]) filters.push(`${path} eq ${value}`, `${path} gt ${value}`);
  for (const path of ['active', 'emails.primary', 'name', 'meta']) for (const op of ['gt', 'le']) filters.push(`${path} ${op} true`);
  return filters;
}

const HANDWRITTEN_USER_FILTERS = [
  ...RFC7644_EXAMPLE_FILTERS,
  'userName eq "x@y.com"',
  'userName eq "jsmith@example.com"',
  'externalId eq "EXT-JS"',
  'emails[type eq "work" and value co "@example.com"]',
  'emails[type eq "home" and value co "@example.com"]',
  'emails[type eq "work"].value ew "example.com"',
  'emails[primary eq true]',
  'emails[not (primary eq true)]',
  'emails[value pr and not (type eq "work")]',
  'emails[type eq "work" or (type eq "home" and value ew ".org")]',
  'ims[type eq "xmpp" and value co "@foo.com"]',
  'certifications[level ge 3 and earnedAt gt "2020-01-01T00:00:00Z"]',
  'certifications[value eq "gcp" and primary eq true]',
  'name[givenName eq "pat"]',
  'name[givenName pr or familyName pr]',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value pr]',
  `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "${USER_IDS.jsmith}"`,
  'not (title eq "Manager")',
  'not (title pr) and not (emails pr)',
  'userType eq "intern" or title pr and active eq false',
  '(userType eq "intern" or title pr) and active eq true',
  'not (not (userName eq "minimal"))',
  'not (emails[type eq "work"]) or level gt 2',
  'not (userName gt "m" or displayName lt "b")',
  'not (hiredAt gt "2010-01-01T00:00:00Z") and not (level lt 2)',
  'not (meta.version eq "W/\\"1\\"")',
  'not (id eq "nope") and not (externalId sw "EXT")',
];

describe('ScimFilterSqlCompiler against PostgreSQL', { concurrency: false }, () => {
  const databaseName = `idsync_filter_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ ...PG, database: 'postgres' });
  let db: Client | undefined;
  const userEvaluator = new ScimFilterEvaluator(userResolver);
  const groupEvaluator = new ScimFilterEvaluator(groupResolver);

  before(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${databaseName}`);
    db = new Client({ ...PG, database: databaseName });
    await db.connect();
    for (const statement of [...TABLE_DDL('users'), ...TABLE_DDL('groups')]) await db.query(statement);
    await insertResources(db, 'users', TEST_USERS, userResolver);
    await insertResources(db, 'groups', TEST_GROUPS, groupResolver);
    await db.query('ANALYZE users; ANALYZE groups');
  });

  after(async () => {
    await db?.end();
    await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
    await admin.end();
  });

  async function sqlIds(table: string, compiler: ScimFilterSqlCompiler, filter: string): Promise<string[]> {
    const { sql, params } = compiler.compile(parser.parse(filter), 2);
    // $1 is taken by an unrelated condition, as in the gateway's tenant-scoped queries.
    const result = await db!.query<{ id: string }>(`SELECT r.id FROM ${table} r WHERE r.id <> $1::uuid AND (${sql}) ORDER BY r.id`, [
      '00000000-0000-0000-0000-000000000000',
      ...params,
    ]);
    return result.rows.map((row) => row.id);
  }

  function evaluatorIds(evaluator: ScimFilterEvaluator, resources: readonly JsonObject[], filter: string): string[] {
    return evaluator.filter(resources, parser.parse(filter)).map((r) => r.id as string).sort();
  }

  /** Runs filters through both engines; filters both reject (invalidFilter) count as agreement. */
  async function assertEnginesAgree(
    table: string,
    compiler: ScimFilterSqlCompiler,
    evaluator: ScimFilterEvaluator,
    resources: readonly JsonObject[],
    filters: readonly string[],
  ): Promise<{ compared: number; rejected: number; nonEmpty: number }> {
    let compared = 0, rejected = 0, nonEmpty = 0;
    for (const filter of filters) {
      let expected: string[] | ScimError;
      try {
        expected = evaluatorIds(evaluator, resources, filter);
      } catch (error: unknown) {
        if (!(error instanceof ScimError)) throw error;
        expected = error;
      }
      if (expected instanceof ScimError) {
        assert.throws(() => compiler.compile(parser.parse(filter)), { message: expected.message }, filter);
        rejected++;
        continue;
      }
      const actual = await sqlIds(table, compiler, filter);
      assert.deepEqual(actual, expected, `filter: ${filter}\nsql: ${compiler.compile(parser.parse(filter)).sql}`);
      compared++;
      if (expected.length > 0) nonEmpty++;
    }
    return { compared, rejected, nonEmpty };
  }

  it('agrees with the evaluator on RFC examples and hand-written User filters (and their negations)', async () => {
    const filters = HANDWRITTEN_USER_FILTERS.flatMap((f) => [f, `not (${f})`]);
    const stats = await assertEnginesAgree('users', userCompiler, userEvaluator, TEST_USERS, filters);
    assert.equal(stats.rejected, 0);
    assert.ok(stats.nonEmpty > 40, JSON.stringify(stats));
  });

  it('agrees with the evaluator on generated path × operator × literal filters (and their negations)', async () => {
    const filters = generatedUserFilters();
    const stats = await assertEnginesAgree('users', userCompiler, userEvaluator, TEST_USERS, filters.flatMap((f) => [f, `not (${f})`]));
    assert.ok(stats.compared > 3000 && stats.nonEmpty > 1000 && stats.rejected > 100, JSON.stringify(stats));
  });

  it('handles filters at the length and depth limits', async () => {
    const terms: string[] = [];
    while ([...terms, 'x'].join(' or ').length < 4000) terms.push(`title eq "t${terms.length}"`);
    terms.push('userName eq "bjensen"');
    const longChain = terms.join(' or ');
    // 15 "not (" + 15 "(" + "[" + the inner "not (" = 32 levels, the maximum.
    const deep = `${'not ('.repeat(15)}${'('.repeat(15)}emails[type eq "work" and not (value ew ".com")]${')'.repeat(30)}`;
    const stats = await assertEnginesAgree('users', userCompiler, userEvaluator, TEST_USERS, [longChain, deep]);
    assert.deepEqual(stats, { compared: 2, rejected: 0, nonEmpty: 2 });
  });

  it('agrees with the evaluator on Group filters', async () => {
    const filters = [
      'displayName eq "tour guides"',
      'displayName co "GUIDE"',
      'displayName gt "b"',
      `members.value eq "${USER_IDS.bjensen}"`,
      `members.value eq "${USER_IDS.bjensen.toUpperCase()}"`,
      `members[value eq "${GROUP_IDS.tourGuides}" and type eq "Group"]`,
      'members[type eq "user"]',
      'members pr',
      'members.display pr',
      'externalId eq "Tour-Guides"',
      'externalId eq "tour-guides"',
      'externalId pr',
      'not (externalId pr)',
      'not (members.value eq "x") and displayName sw "a"',
      'meta.resourceType eq "Group"',
      `id eq "${GROUP_IDS.admins}"`,
    ];
    const stats = await assertEnginesAgree('groups', groupCompiler, groupEvaluator, TEST_GROUPS, filters.flatMap((f) => [f, `not (${f})`]));
    assert.equal(stats.rejected, 0);
  });

  it('runs every sortBy expression, ordering multi-valued attributes by their primary (else first) value', async () => {
    for (const sortBy of ['userName', 'displayName', 'externalId', 'id', 'title', 'name.familyName', 'emails', 'emails.type', 'level', 'hiredAt', 'active', 'tags', 'certifications.level', 'manager', 'meta.created', 'meta.lastModified', 'meta.version', 'meta.resourceType']) {
      await db!.query(`SELECT r.id FROM users r ORDER BY ${userCompiler.compileSortExpression(sortBy)}, r.id`);
    }
    const sorted = await db!.query<{ id: string; key: string | null }>(
      `SELECT r.id, ${userCompiler.compileSortExpression('emails.value')} AS key FROM users r ORDER BY 2 NULLS LAST, r.id`,
    );
    const byId = new Map(sorted.rows.map((row) => [row.id, row.key]));
    assert.equal(byId.get(USER_IDS.bjensen), 'bjensen@example.com'); // primary is first
    assert.equal(byId.get(USER_IDS.jsmith), 'js@example.org'); // primary is second
    assert.equal(byId.get(USER_IDS.lowerEmployee), 'lower@example.com'); // no primary: first, folded
    assert.equal(byId.get(USER_IDS.minimal), null);
    const levels = await db!.query<{ id: string }>(`SELECT r.id FROM users r WHERE ${userCompiler.compileSortExpression('level')} IS NOT NULL ORDER BY ${userCompiler.compileSortExpression('level')} DESC`);
    assert.deepEqual(levels.rows.map((row) => row.id), [USER_IDS.jsmith, USER_IDS.bjensen, USER_IDS.intern, USER_IDS.numbers]);
  });

  async function planFor(filter: string): Promise<string> {
    const { sql, params } = userCompiler.compile(parser.parse(filter));
    await db!.query('SET enable_seqscan = off');
    try {
      const result = await db!.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) SELECT r.id FROM users r WHERE ${sql}`, params);
      return JSON.stringify(result.rows[0]!['QUERY PLAN']);
    } finally {
      await db!.query('RESET enable_seqscan');
    }
  }

  it('uses the lower(user_name) index for userName eq', async () => {
    const plan = await planFor('userName eq "BJensen"');
    assert.match(plan, /"Node Type":"(Index Scan|Index Only Scan|Bitmap Index Scan)"/, plan);
    assert.match(plan, /users_user_name/, plan);
  });

  it('uses the GIN index on norm for emails.value eq and extension eq', async () => {
    for (const filter of ['emails.value eq "bjensen@example.com"', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"']) {
      const plan = await planFor(filter);
      assert.match(plan, /"Node Type":"Bitmap Index Scan"/, plan);
      assert.match(plan, /users_norm/, plan);
    }
  });

  it('uses the external_id and lower(display_name) indexes', async () => {
    assert.match(await planFor('externalId eq "EXT-JS"'), /users_external_id/);
    assert.match(await planFor('displayName eq "babs jensen"'), /users_display_name/);
  });
});
