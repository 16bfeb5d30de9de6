import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type GatewayHarness, type ScimClient } from './scim-harness';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const MAX_OPERATIONS = 10;
const MAX_PAYLOAD_BYTES = 64 * 1024;

interface BulkResult {
  method: string;
  bulkId?: string;
  version?: string;
  location?: string;
  status: string;
  response?: { status: string; scimType?: string; detail?: string; schemas: string[] };
}

const bulk = (Operations: unknown[], extra: Record<string, unknown> = {}) => ({ schemas: [BULK_REQUEST], Operations, ...extra });
const user = (userName: string, extra: Record<string, unknown> = {}) => ({ schemas: [USER], userName, ...extra });
const idOf = (location: string | undefined) => String(location).split('/').pop() as string;

describe('scim-gateway /Bulk (RFC 7644 §3.7)', () => {
  let gw: GatewayHarness;
  let scim: ScimClient & { tenantId: string };

  before(async () => {
    gw = await startGateway({ SCIM_BULK_MAX_OPERATIONS: String(MAX_OPERATIONS), SCIM_MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES) });
    scim = await gw.tenant();
  });
  after(async () => gw?.close());

  async function post(body: unknown) {
    const res = await scim.post('/Bulk', body);
    return { ...res, operations: (res.body.Operations ?? []) as BulkResult[] };
  }
  async function outboxRows(): Promise<number> {
    const [row] = (await gw.dataSource.query('SELECT count(*)::int AS n FROM outbox WHERE tenant_id = $1', [scim.tenantId])) as Array<{ n: number }>;
    return row.n;
  }

  it('§3.7.2 example: a group names a user created earlier in the request by bulkId', async () => {
    const res = await post(
      bulk([
        { method: 'POST', path: '/Users', bulkId: 'qwerty', data: user('Alice', { name: { givenName: 'Alice', familyName: 'Smith' } }) },
        { method: 'POST', path: '/Groups', bulkId: 'ytrewq', data: { schemas: [GROUP], displayName: 'Tour Guides', members: [{ type: 'User', value: 'bulkId:qwerty' }] } },
      ]),
    );
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type') ?? '', /application\/scim\+json/);
    assert.deepEqual(res.body.schemas, [BULK_RESPONSE]);
    const [u, g] = res.operations;
    assert.deepEqual(
      { method: u.method, bulkId: u.bulkId, status: u.status, version: u.version },
      { method: 'POST', bulkId: 'qwerty', status: '201', version: 'W/"1"' },
    );
    assert.match(u.location ?? '', /\/scim\/v2\/Users\/[0-9a-f-]{36}$/);
    assert.equal(g.status, '201', JSON.stringify(g));
    assert.equal(g.bulkId, 'ytrewq');
    const group = await scim.get(`/Groups/${idOf(g.location)}`);
    assert.deepEqual((group.body.members as Array<{ value: string }>).map((m) => m.value), [idOf(u.location)]);
  });

  it('resolves a reference to a bulkId that a later operation creates', async () => {
    const res = await post(
      bulk([
        { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP], displayName: 'Forward', members: [{ value: 'bulkId:later' }] } },
        { method: 'POST', path: '/Users', bulkId: 'later', data: user('later-user') },
      ]),
    );
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.operations.map((o) => [o.bulkId, o.status]), [['g', '201'], ['later', '201']]);
    const group = await scim.get(`/Groups/${idOf(res.operations[0].location)}`);
    assert.deepEqual((group.body.members as Array<{ value: string }>).map((m) => m.value), [idOf(res.operations[1].location)]);
  });

  it('§3.7.1 example: two groups naming each other as members are both created with their members', async () => {
    const res = await post(
      bulk([
        { method: 'POST', path: '/Groups', bulkId: 'qwerty', data: { schemas: [GROUP], displayName: 'Group A', members: [{ type: 'Group', value: 'bulkId:ytrewq' }] } },
        { method: 'POST', path: '/Groups', bulkId: 'ytrewq', data: { schemas: [GROUP], displayName: 'Group B', members: [{ type: 'Group', value: 'bulkId:qwerty' }] } },
      ]),
    );
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.operations.map((o) => o.status), ['201', '201'], res.text);
    const [a, b] = res.operations.map((o) => idOf(o.location));
    const groupA = await scim.get(`/Groups/${a}`);
    const groupB = await scim.get(`/Groups/${b}`);
    assert.deepEqual((groupA.body.members as Array<{ value: string }>).map((m) => m.value), [b]);
    assert.deepEqual((groupB.body.members as Array<{ value: string }>).map((m) => m.value), [a]);
    // Group A was created first and then got its member: the reported version is the final one.
    assert.equal(res.operations[0].version, groupA.headers.get('etag'));
  });

  it('fails a circle it cannot break with 409 invalidValue, and undeclared or failed bulkIds too', async () => {
    const res = await post(
      bulk([
        { method: 'POST', path: '/Users', bulkId: 'u1', data: user('circle-1', { nickName: 'bulkId:u2' }) },
        { method: 'POST', path: '/Users', bulkId: 'u2', data: user('circle-2', { nickName: 'bulkId:u1' }) },
        { method: 'POST', path: '/Groups', bulkId: 'g1', data: { schemas: [GROUP], displayName: 'Nobody', members: [{ value: 'bulkId:nowhere' }] } },
        { method: 'POST', path: '/Users', bulkId: 'bad', data: { schemas: [USER] } },
        { method: 'PATCH', path: '/Users/bulkId:bad', data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] } },
      ]),
    );
    assert.equal(res.status, 200, res.text);
    const byBulkId = new Map(res.operations.map((o) => [o.bulkId ?? o.method, o]));
    for (const id of ['u1', 'u2']) {
      assert.equal(byBulkId.get(id)?.status, '409', res.text);
      assert.equal(byBulkId.get(id)?.response?.scimType, 'invalidValue');
    }
    assert.equal(byBulkId.get('g1')?.status, '400');
    assert.equal(byBulkId.get('g1')?.response?.scimType, 'invalidValue');
    assert.equal(byBulkId.get('bad')?.status, '400');
    assert.equal(byBulkId.get('PATCH')?.status, '409');
    assert.equal(byBulkId.get('PATCH')?.response?.scimType, 'invalidValue');
    const list = await scim.get(`/Users?filter=${encodeURIComponent('userName sw "circle-"')}`);
    assert.equal(list.body.totalResults, 0);
  });

  it('runs PUT, PATCH and DELETE with version as If-Match; each successful operation writes one outbox row', async () => {
    const seeded = await scim.post('/Users', user('bob'));
    const bob = seeded.body.id as string;
    const before = await outboxRows();
    const res = await post(
      bulk([
        { method: 'POST', path: '/Users', bulkId: 'carol', data: user('carol') },
        { method: 'PUT', path: `/Users/${bob}`, version: 'W/"1"', data: user('bob', { displayName: 'Bob' }) },
        { method: 'PATCH', path: `/Users/${bob}`, version: 'W/"1"', data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] } },
        { method: 'PATCH', path: '/Users/bulkId:carol', version: 'W/"1"', data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] } },
        { method: 'DELETE', path: '/Users/bulkId:carol' },
        { method: 'DELETE', path: '/Users/00000000-0000-4000-8000-000000000000' },
      ]),
    );
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      res.operations.map((o) => [o.method, o.status]),
      [['POST', '201'], ['PUT', '200'], ['PATCH', '412'], ['PATCH', '200'], ['DELETE', '204'], ['DELETE', '404']],
    );
    assert.equal(res.operations[1].version, 'W/"2"');
    assert.equal(res.operations[2].response?.scimType, 'invalidVers');
    assert.deepEqual(res.operations[2].response?.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
    assert.match(res.operations[2].location ?? '', new RegExp(`/Users/${bob}$`));
    assert.equal(res.operations[3].version, 'W/"2"');
    // Each operation committed on its own: the failures undid nothing.
    assert.equal((await scim.get(`/Users/${bob}`)).body.displayName, 'Bob');
    assert.equal((await scim.get(`/Users/${idOf(res.operations[0].location)}`)).status, 404);
    assert.equal((await outboxRows()) - before, 4);
  });

  it('stops after failOnErrors errors and leaves the remaining operations unprocessed', async () => {
    const res = await post(
      bulk(
        [
          { method: 'POST', path: '/Users', bulkId: 'a', data: user('foe-a') },
          { method: 'POST', path: '/Users', bulkId: 'dup', data: user('foe-a') },
          { method: 'POST', path: '/Users', bulkId: 'b', data: { schemas: [USER] } },
          { method: 'POST', path: '/Users', bulkId: 'c', data: user('foe-c') },
        ],
        { failOnErrors: 2 },
      ),
    );
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.operations.map((o) => [o.bulkId, o.status]), [['a', '201'], ['dup', '409'], ['b', '400']]);
    assert.equal(res.operations[1].response?.scimType, 'uniqueness');
    const c = await scim.get(`/Users?filter=${encodeURIComponent('userName eq "foe-c"')}`);
    assert.equal(c.body.totalResults, 0);
  });

  it('answers more than maxOperations with 413 and processes nothing', async () => {
    const before = await outboxRows();
    const ops = Array.from({ length: MAX_OPERATIONS + 1 }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `m${i}`, data: user(`max-${i}`) }));
    const res = await post(bulk(ops));
    assert.equal(res.status, 413, res.text);
    assert.deepEqual(res.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
    assert.equal(res.body.status, '413');
    assert.match(String(res.body.detail), /maxOperations/);
    assert.equal(await outboxRows(), before);
  });

  it('answers a body larger than maxPayloadSize with 413', async () => {
    const res = await post(bulk([{ method: 'POST', path: '/Users', bulkId: 'big', data: user('big', { displayName: 'x'.repeat(MAX_PAYLOAD_BYTES) }) }]));
    assert.equal(res.status, 413, res.text);
    assert.equal(res.body.status, '413');
    const config = await scim.get('/ServiceProviderConfig');
    assert.deepEqual(config.body.bulk, { supported: true, maxOperations: MAX_OPERATIONS, maxPayloadSize: MAX_PAYLOAD_BYTES });
  });

  it('rejects a malformed BulkRequest as a whole, before running anything', async () => {
    const noSchema = await post({ Operations: [] });
    assert.equal(noSchema.status, 400);
    assert.equal(noSchema.body.scimType, 'invalidSyntax');
    const cases: Array<[unknown, string]> = [
      [bulk([{ method: 'POST', path: '/Users', data: user('no-bulk-id') }]), 'invalidValue'],
      [bulk([{ method: 'GET', path: '/Users' }]), 'invalidValue'],
      [bulk([{ method: 'POST', path: '/Widgets', bulkId: 'w', data: {} }]), 'invalidPath'],
      [bulk([{ method: 'DELETE', path: '/Users' }]), 'invalidPath'],
      [bulk([{ method: 'PUT', path: '/Users/x' }]), 'invalidSyntax'],
      [bulk([{ method: 'POST', path: '/Users', bulkId: 'same', data: user('s1') }, { method: 'POST', path: '/Users', bulkId: 'same', data: user('s2') }]), 'invalidValue'],
      [bulk([], { failOnErrors: 0 }), 'invalidValue'],
    ];
    for (const [body, scimType] of cases) {
      const res = await post(body);
      assert.equal(res.status, 400, `${JSON.stringify(body)} → ${res.text}`);
      assert.equal(res.body.scimType, scimType, res.text);
    }
    const users = await scim.get(`/Users?filter=${encodeURIComponent('userName eq "s1" or userName eq "no-bulk-id"')}`);
    assert.equal(users.body.totalResults, 0);
    const empty = await post(bulk([]));
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.operations, []);
  });

  it('requires a SCIM token and stays within the caller tenant', async () => {
    const unauth = await fetch(`${gw.url}/scim/v2/Bulk`, { method: 'POST', headers: { 'content-type': 'application/scim+json' }, body: JSON.stringify(bulk([])) });
    assert.equal(unauth.status, 401);
    const other = await gw.tenant();
    const seeded = await scim.post('/Users', user('tenant-bound'));
    const res = await other.post('/Bulk', bulk([{ method: 'DELETE', path: `/Users/${seeded.body.id as string}` }]));
    assert.equal((res.body.Operations as BulkResult[])[0].status, '404');
    assert.equal((await scim.get(`/Users/${seeded.body.id as string}`)).status, 200);
  });
});
