import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startGateway, type GatewayHarness } from '../scim/scim-harness';
import { createGroup, createUser, expectError, expectStatus, newUser, patch, q, tenant, type TenantClient } from '../scim/scim-e2e.helpers';

// Hostile input against the real gateway (real Postgres, real Kafka for the outbox relay). Every
// request goes through the `guarded` client: any 5xx, or an error without the SCIM Error schema,
// fails the test. After each barrage the tenant's stored state must be byte-for-byte unchanged.

const INJECTIONS = [
  `'; DROP TABLE scim_resources; --`,
  `' OR '1'='1`,
  `" or "1" eq "1`,
  `\\" or userName pr or \\"`,
  `x') OR true; --`,
  `$1`,
  `%' OR 1=1 --`,
  `_%`,
  `\\`,
  `\u0000`,
  `\u202eevil`,
  `𝔞𝔡𝔪𝔦𝔫`,
  `${'a'.repeat(3000)}`,
];
const OPERATORS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];
const STRING_ATTRIBUTES = ['userName', 'displayName', 'name.familyName', 'emails.value', 'emails[type eq "work"].value', 'externalId', 'title'];

/** A fingerprint of every row the gateway writes, so "changes nothing" is checked exactly. */
async function storedState(gw: GatewayHarness): Promise<Record<string, string>> {
  const state: Record<string, string> = {};
  // The outbox relay marks rows published in the background: only what was written counts.
  for (const [table, row] of [['scim_resources', 't::text'], ['scim_group_members', 't::text'], ['scim_passwords', 't::text'], ['outbox', 't.id::text || t.payload::text']]) {
    const [fingerprint] = (await gw.dataSource.query(
      `SELECT count(*)::text || ':' || md5(coalesce(string_agg(${row}, '|' ORDER BY ${row}), '')) AS fp FROM ${table} t`,
    )) as { fp: string }[];
    state[table!] = fingerprint!.fp;
  }
  return state;
}

/** Sends raw bytes (fetch would re-encode them) and returns status and parsed body. */
function rawRequest(url: string, token: string, method: string, path: string, body: Buffer, contentType?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const target = new URL(`${url}/scim/v2${path}`);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method, headers: { authorization: `Bearer ${token}`, ...(contentType ? { 'content-type': contentType } : {}), 'content-length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Record<string, unknown> = {};
          try {
            parsed = JSON.parse(text) as Record<string, unknown>;
          } catch {
            /* asserted by the caller */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('hostile input: every attack gets a SCIM 4xx, never a 500, and changes nothing', () => {
  let gw: GatewayHarness;
  let t: TenantClient;
  let other: TenantClient;
  let userId: string;
  let groupId: string;

  before(async () => {
    gw = await startGateway();
    t = await tenant(gw, 'hostile');
    other = await tenant(gw, 'hostile-other');
    userId = (await createUser(t, { userName: 'victim@example.com', externalId: 'victim-1', title: 'Engineer' })).id;
    groupId = (await createGroup(t, 'Victims', [userId])).id;
    await createUser(other, { userName: 'neighbour@example.com' });
  });
  after(async () => gw?.close());

  it('filter injection in every operator and attribute: 200 with no foreign rows, or 400 invalidFilter', async () => {
    const before = await storedState(gw);
    let answered = 0;
    for (const attribute of STRING_ATTRIBUTES) {
      for (const operator of OPERATORS) {
        for (const value of INJECTIONS) {
          const filter = `${attribute} ${operator} ${JSON.stringify(value)}`;
          const res = await t.get(`/Users?filter=${q(filter)}`);
          if (res.status === 200) {
            answered++;
            const found = (res.body.Resources as { userName: string }[] | undefined) ?? [];
            // Only the tenant's own user can ever match (e.g. `ne`, `gt`), never the neighbour.
            for (const r of found) assert.equal(r.userName, 'victim@example.com', filter);
          } else {
            expectError(res, 400, 'invalidFilter');
          }
        }
      }
    }
    assert.ok(answered > 0, 'well-formed filters with hostile values must be answered, not refused');
    // Injection through the attribute name and the grammar itself.
    for (const filter of [
      `userName eq "x") or (1 eq 1`,
      `userName; DROP TABLE scim_resources eq "x"`,
      `userName eq "x" or 1=1`,
      `userName eq 'x'`,
      `userName eq "x" --`,
      `emails[type eq "work"] or userName pr`,
      `__proto__ eq "x"`,
      `constructor.prototype eq "x"`,
      `${'('.repeat(200)}userName eq "x"${')'.repeat(200)}`,
      Array.from({ length: 300 }, (_, i) => `userName eq "u${i}"`).join(' or '),
    ]) {
      const res = await t.get(`/Users?filter=${q(filter)}`);
      assert.ok(res.status === 400 || res.status === 200, `${filter.slice(0, 80)} → ${res.status}`);
      if (res.status === 200) assert.ok(((res.body.Resources as unknown[] | undefined) ?? []).length <= 1);
    }
    // A filter too long for a URL: SCIM error from the HTTP layer; through POST .search: the parser's length bound.
    const huge = Array.from({ length: 2000 }, (_, i) => `userName eq "u${i}"`).join(' or ');
    expectError(await t.get(`/Users?filter=${q(huge)}`), 431);
    expectError(await t.post('/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: huge }), 400, 'invalidFilter');
    // The same through POST .search, sortBy and attributes.
    for (const value of INJECTIONS) {
      const res = await t.post('/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: `userName eq ${JSON.stringify(value)}`, sortBy: value, attributes: [value] });
      assert.ok(res.status === 400 || res.status === 200, `.search ${value.slice(0, 40)} → ${res.status}`);
    }
    for (const param of ['sortBy', 'attributes', 'excludedAttributes', 'startIndex', 'count', 'sortOrder']) {
      for (const value of INJECTIONS) {
        const res = await t.get(`/Users?${param}=${q(value)}`);
        assert.ok(res.status === 400 || res.status === 200, `${param}=${value.slice(0, 40)} → ${res.status}`);
      }
    }
    assert.deepEqual(await storedState(gw), before);
  });

  it('PATCH path injection and prototype-pollution paths: 400, nothing stored', async () => {
    const before = await storedState(gw);
    for (const path of [
      ...INJECTIONS.map((i) => `userName${i}`),
      `emails[value eq "x" or 1 eq 1]`,
      `emails[type eq "work"].value; DROP TABLE scim_resources`,
      `__proto__.polluted`,
      `constructor.prototype.polluted`,
      `name.__proto__`,
      `members[value eq "${userId}"].__proto__`,
      `urn:ietf:params:scim:schemas:core:2.0:User:__proto__`,
      `${'emails['.repeat(50)}`,
      `meta.version`,
      `id`,
    ]) {
      for (const op of ['add', 'replace', 'remove']) {
        const res = await t.patch(`/Users/${userId}`, patch({ op, path, value: { polluted: true } }));
        assert.ok(res.status === 400, `${op} ${path.slice(0, 60)} → ${res.status} ${res.text.slice(0, 200)}`);
      }
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype polluted in the gateway process');
    assert.deepEqual(await storedState(gw), before);
  });

  it('prototype-pollution keys in bodies never reach Object.prototype nor the stored resource', async () => {
    const before = await storedState(gw);
    for (const body of [
      `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"p1@example.com","__proto__":{"polluted":true}}`,
      `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"p2@example.com","constructor":{"prototype":{"polluted":true}}}`,
      `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"p3@example.com","name":{"__proto__":{"polluted":true}}}`,
      `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"p4@example.com","emails":[{"value":"p4@example.com","__proto__":{"polluted":true}}]}`,
    ]) {
      const res = await t.post('/Users', body);
      expectError(res, 400);
    }
    const viaPatch = await t.patch(`/Users/${userId}`, JSON.parse(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","value":{"__proto__":{"polluted":true}}}]}`));
    expectError(viaPatch, 400);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(await storedState(gw), before);
  });

  it('malformed bodies: duplicate keys, deep nesting, huge arrays, invalid UTF-8, wrong content types', async () => {
    const before = await storedState(gw);
    const user = (extra: string) => `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"m@example.com"${extra}}`;
    const cases: [string, Buffer, string | undefined, number[]][] = [
      ['duplicate key', Buffer.from(user(',"userName":"admin@example.com"')), 'application/scim+json', [400]],
      ['duplicate key via escape', Buffer.from(user(',"user\\u004eame":"admin@example.com"')), 'application/scim+json', [400]],
      ['deep nesting', Buffer.from(user(`,"name":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`)), 'application/scim+json', [400]],
      ['deep arrays', Buffer.from(user(`,"x":${'['.repeat(100000)}${']'.repeat(100000)}`)), 'application/scim+json', [400, 413]],
      ['huge array', Buffer.from(user(`,"emails":[${Array.from({ length: 300000 }, () => '{"value":"a@b.c"}').join(',')}]`)), 'application/scim+json', [413]],
      ['overlong UTF-8', Buffer.concat([Buffer.from(user(',"title":"')), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]).subarray(0), 'application/scim+json', [400]],
      ['truncated UTF-8', Buffer.concat([Buffer.from('{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"'), Buffer.from([0xe2, 0x82]), Buffer.from('"}')]), 'application/scim+json', [400]],
      ['not JSON', Buffer.from('<user><userName>x</userName></user>'), 'application/scim+json', [400]],
      ['XML content type', Buffer.from('<user/>'), 'application/xml', [400, 415]],
      ['text/plain', Buffer.from(user('')), 'text/plain', [400, 415]],
      ['multipart', Buffer.from('--b\r\n\r\nx\r\n--b--'), 'multipart/form-data; boundary=b', [400, 415]],
      ['no content type', Buffer.from(user('')), undefined, [400, 415]],
      ['charset latin1', Buffer.from(user('')), 'application/scim+json; charset=latin1', [415]],
      ['JSON array', Buffer.from('[1,2,3]'), 'application/scim+json', [400]],
      ['JSON string', Buffer.from('"x"'), 'application/scim+json', [400]],
      ['empty', Buffer.alloc(0), 'application/scim+json', [400]],
    ];
    for (const [label, body, contentType, allowed] of cases) {
      const res = await rawRequest(gw.url, t.token, 'POST', '/Users', body, contentType);
      assert.ok(allowed.includes(res.status), `${label}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      assert.deepEqual(res.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error'], `${label}: not a SCIM error`);
    }
    assert.deepEqual(await storedState(gw), before);
  });

  it('unicode edge cases in userName: NUL refused; RTL, homoglyph and normalisation variants are distinct, never a 500', async () => {
    const before = await storedState(gw);
    for (const userName of ['nul\u0000@example.com', '\u0000']) expectError(await t.post('/Users', newUser({ userName })), 400);
    assert.deepEqual(await storedState(gw), before);

    // Cyrillic "а" in "vіctim": a different name, so a different user; the original is untouched.
    const homoglyph = await t.post('/Users', newUser({ userName: 'vіctim@example.com' }));
    expectStatus(homoglyph, 201);
    const rtl = await t.post('/Users', newUser({ userName: '\u202emoc.elpmaxe@victim' }));
    expectStatus(rtl, 201);
    // Case folding is the only equivalence SCIM defines for userName (caseExact=false).
    expectError(await t.post('/Users', newUser({ userName: 'VICTIM@EXAMPLE.COM' })), 409, 'uniqueness');
    const found = await t.get(`/Users?filter=${q('userName eq "victim@example.com"')}`);
    expectStatus(found, 200);
    assert.deepEqual((found.body.Resources as { id: string }[]).map((r) => r.id), [userId]);
    for (const id of [homoglyph.body.id as string, rtl.body.id as string]) expectStatus(await t.delete(`/Users/${id}`), 204);
  });

  it('cross-tenant id guessing: 404 everywhere, the other tenant unchanged', async () => {
    const before = await storedState(gw);
    const guesses = [userId, groupId, '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', `${userId.slice(0, -1)}0`, '../Users', '1 OR 1=1', '%2e%2e%2fUsers'];
    for (const id of guesses) {
      for (const type of ['Users', 'Groups']) {
        const get = await other.get(`/${type}/${encodeURIComponent(id)}`);
        assert.equal(get.status, 404, `GET ${type}/${id}`);
        expectError(await other.patch(`/${type}/${encodeURIComponent(id)}`, patch({ op: 'replace', path: 'displayName', value: 'x' })), 404);
        expectError(await other.delete(`/${type}/${encodeURIComponent(id)}`), 404);
      }
    }
    // Referencing a foreign user as a group member, or via filter, or through Bulk.
    expectError(await other.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Steal', members: [{ value: userId }] }), 400);
    const filtered = await other.get(`/Users?filter=${q(`id eq "${userId}"`)}`);
    expectStatus(filtered, 200);
    assert.equal(filtered.body.totalResults, 0);
    const bulk = await other.post('/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'PATCH', path: `/Users/${userId}`, data: patch({ op: 'replace', path: 'title', value: 'owned' }) },
        { method: 'DELETE', path: `/Groups/${groupId}` },
      ],
    });
    expectStatus(bulk, 200);
    for (const op of bulk.body.Operations as { status: string }[]) assert.equal(op.status, '404');
    assert.deepEqual(await storedState(gw), before);
  });
});
