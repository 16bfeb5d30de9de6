import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ScimTokenService } from '../../apps/scim-gateway/src/tenants/scim-token.service';
import { ScimClient, startGateway, type GatewayHarness } from './scim-harness';
import { ENTERPRISE, ERROR_SCHEMA, GROUP_SCHEMA, LIST_RESPONSE, USER_SCHEMA, createUser, expectError, expectStatus, guarded, newUser, tenant, type Json, type TenantClient } from './scim-e2e.helpers';

const UNKNOWN_ID = '6f0c7c9e-4f37-4c4e-9f59-3d1f1ea6c000';

describe('SCIM errors, discovery and authentication', () => {
  let gw: GatewayHarness;
  let scim: TenantClient;

  before(async () => {
    gw = await startGateway({ SCIM_MAX_PAYLOAD_BYTES: '4096' });
    scim = await tenant(gw);
  });
  after(async () => gw?.close());

  it('answers malformed and oversized bodies with SCIM errors', async () => {
    expectError(await scim.post('/Users', '{"schemas": ['), 400, 'invalidSyntax');
    expectError(await scim.patch(`/Users/${UNKNOWN_ID}`, 'not json'), 400, 'invalidSyntax');
    expectError(await scim.put(`/Users/${UNKNOWN_ID}`, '{"a":1,}'), 400, 'invalidSyntax');
    const big = newUser({ displayName: 'x'.repeat(5000) });
    expectError(await scim.post('/Users', big), 413);
    const bigPatch = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'y'.repeat(5000) }] };
    expectError(await scim.patch(`/Users/${UNKNOWN_ID}`, bigPatch), 413);
    // a JSON body that is not an object
    expectError(await scim.post('/Users', '"just a string"'), 400);
    expectError(await scim.post('/Users', 'null'), 400);
    // U+0000 cannot be stored by PostgreSQL: a 400, not a failed INSERT
    expectError(await scim.post('/Users', newUser({ userName: 'nul\u0000byte' })), 400, 'invalidValue');
    expectError(await scim.post('/Users', newUser({ externalId: 'e\u0000' })), 400, 'invalidValue');
    const user = await createUser(scim);
    expectError(await scim.patch(`/Users/${user.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'a\u0000' }] }), 400, 'invalidValue');
    expectError(await scim.get(`/Users?filter=${encodeURIComponent('userName eq "\\u0000"')}`), 400, 'invalidFilter');
    // a body without a content type is not parsed: the request has no resource in it
    const noType = await fetch(`${gw.url}/scim/v2/Users`, { method: 'POST', headers: { authorization: `Bearer ${scim.token}` }, body: JSON.stringify(newUser()) });
    assert.ok(noType.status === 400 || noType.status === 415, `status ${noType.status}`);
  });

  it('answers unknown ids and endpoints with 404 and /Me with 501', async () => {
    for (const path of [`/Users/${UNKNOWN_ID}`, `/Groups/${UNKNOWN_ID}`, '/Users/not-a-uuid', '/Groups/123']) {
      expectError(await scim.get(path), 404);
      expectError(await scim.put(path, newUser()), 404);
      expectError(await scim.patch(path, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'displayName', value: 'x' }] }), 404);
      expectError(await scim.delete(path), 404);
    }
    const user = await createUser(scim);
    expectError(await scim.get(`/Groups/${user.id}`), 404);
    expectError(await scim.get('/Widgets'), 404);
    expectError(await scim.post('/Widgets', {}), 404);
    expectError(await scim.get('/Users/a/b/c'), 404);
    expectError(await scim.get('/Me'), 501);
    expectError(await scim.post('/Me', newUser()), 501);
    expectError(await scim.request('PATCH', '/Me', {}), 501);
    // methods a collection does not support
    const r = await scim.request('DELETE', '/Users');
    assert.ok(r.status === 404 || r.status === 405, `DELETE /Users → ${r.status}`);
  });

  it('rejects bad list parameters and filters with 400', async () => {
    expectError(await scim.get(`/Users?filter=${encodeURIComponent('userName eq')}`), 400, 'invalidFilter');
    expectError(await scim.get(`/Users?filter=${encodeURIComponent('nosuchattr eq "x"')}`), 400, 'invalidFilter');
    expectError(await scim.get(`/Users?filter=${encodeURIComponent('userName gt 5 and')}`), 400, 'invalidFilter');
    expectError(await scim.get(`/Users?filter=${encodeURIComponent('name.familyName co 42')}`), 400, 'invalidFilter');
    expectError(await scim.get(`/Users?filter=${encodeURIComponent('meta.lastModified gt "yesterday"')}`), 400, 'invalidFilter');
    expectError(await scim.get('/Users?sortOrder=sideways'), 400);
    expectError(await scim.get('/Users?sortBy=nosuchattr'), 400);
    expectError(await scim.get('/Users?count=abc'), 400);
    expectError(await scim.get('/Users?filter=a&filter=b'), 400);
    expectError(await scim.post('/Users/.search', { filter: 'userName eq "x"' }), 400, 'invalidSyntax');
  });

  it('serves ServiceProviderConfig, ResourceTypes and Schemas', async () => {
    const spc = await scim.get('/ServiceProviderConfig');
    expectStatus(spc, 200);
    assert.deepEqual(spc.body.schemas, ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
    assert.deepEqual(spc.body.patch, { supported: true });
    assert.equal((spc.body.filter as Json).supported, true);
    assert.equal((spc.body.filter as Json).maxResults, 1000);
    assert.equal((spc.body.bulk as Json).maxPayloadSize, 4096);
    assert.deepEqual(spc.body.etag, { supported: true });
    assert.deepEqual(spc.body.sort, { supported: true });
    assert.equal((spc.body.authenticationSchemes as Json[])[0].type, 'oauthbearertoken');
    assert.equal((spc.body.meta as Json).location, `${gw.url}/scim/v2/ServiceProviderConfig`);

    const types = await scim.get('/ResourceTypes');
    expectStatus(types, 200);
    assert.deepEqual(types.body.schemas, [LIST_RESPONSE]);
    assert.equal(types.body.totalResults, 2);
    const user = (types.body.Resources as Json[]).find((t) => t.id === 'User') as Json;
    assert.equal(user.endpoint, '/Users');
    assert.equal(user.schema, USER_SCHEMA);
    assert.deepEqual(user.schemaExtensions, [{ schema: ENTERPRISE, required: false }]);
    assert.deepEqual(user.schemas, ['urn:ietf:params:scim:schemas:core:2.0:ResourceType']);
    const single = await scim.get('/ResourceTypes/User');
    expectStatus(single, 200);
    assert.deepEqual(single.body, user);
    expectStatus(await scim.get('/ResourceTypes/Group'), 200);
    expectError(await scim.get('/ResourceTypes/Device'), 404);

    const schemas = await scim.get('/Schemas');
    expectStatus(schemas, 200);
    assert.deepEqual((schemas.body.Resources as Json[]).map((s) => s.id).sort(), [ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA].sort());
    const userSchema = await scim.get(`/Schemas/${USER_SCHEMA}`);
    expectStatus(userSchema, 200);
    assert.equal(userSchema.body.name, 'User');
    assert.deepEqual(userSchema.body.schemas, ['urn:ietf:params:scim:schemas:core:2.0:Schema']);
    const userName = (userSchema.body.attributes as Json[]).find((a) => a.name === 'userName') as Json;
    assert.equal(userName.uniqueness, 'server');
    assert.equal(userName.required, true);
    const password = (userSchema.body.attributes as Json[]).find((a) => a.name === 'password') as Json;
    assert.equal(password.returned, 'never');
    assert.equal((userSchema.body.meta as Json).location, `${gw.url}/scim/v2/Schemas/${USER_SCHEMA}`);
    expectStatus(await scim.get(`/Schemas/${encodeURIComponent(ENTERPRISE)}`), 200);
    expectError(await scim.get('/Schemas/urn:example:nothing'), 404);
  });

  it('requires a valid, unrevoked bearer token (401 with WWW-Authenticate and a SCIM body)', async () => {
    const check = async (headers: Record<string, string>, path = '/Users') => {
      const res = await fetch(`${gw.url}/scim/v2${path}`, { headers });
      assert.equal(res.status, 401, path);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /);
      const body = (await res.json()) as Json;
      assert.deepEqual(body.schemas, [ERROR_SCHEMA]);
      assert.equal(body.status, '401');
    };
    await check({});
    await check({ authorization: 'Bearer idsync_scim_not-a-real-token' });
    await check({ authorization: 'Bearer' });
    await check({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
    await check({ authorization: `bearer ${scim.token}x` }, '/ServiceProviderConfig');
    await check({}, '/Schemas');
    await check({}, `/Users/${UNKNOWN_ID}`);
    const write = await fetch(`${gw.url}/scim/v2/Users`, { method: 'POST', headers: { 'content-type': 'application/scim+json' }, body: JSON.stringify(newUser()) });
    assert.equal(write.status, 401);

    const revoked = guarded(await gw.tenant());
    expectStatus(await revoked.get('/Users'), 200);
    assert.equal(await gw.app.get(ScimTokenService).revoke(revoked.tokenId), true);
    await check({ authorization: `Bearer ${revoked.token}` });
    const res = await revoked.post('/Users', newUser());
    expectError(res, 401);
    // other tenants' tokens keep working
    expectStatus(await scim.get('/Users?count=0'), 200);
    // a second token of the same tenant sees the same data
    const second = await gw.app.get(ScimTokenService).issue(scim.tenantId, 'second');
    const other = guarded(new ScimClient(gw.url, second.token));
    const user = await createUser(scim);
    expectStatus(await other.get(`/Users/${user.id}`), 200);
  });
});
