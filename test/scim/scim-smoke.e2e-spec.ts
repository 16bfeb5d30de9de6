import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type GatewayHarness, type ScimClient } from './scim-harness';

describe('scim-gateway smoke: users and groups over HTTP', () => {
  let gw: GatewayHarness;
  let scim: ScimClient;

  before(async () => {
    gw = await startGateway();
    scim = await gw.tenant();
  });
  after(async () => gw?.close());

  it('creates, reads, patches, lists and deletes a user', async () => {
    const created = await scim.post('/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'Alice@Example.com',
      name: { givenName: 'Alice', familyName: 'Smith' },
      emails: [{ value: 'alice@example.com', type: 'work', primary: true }],
      active: true,
      password: 'S3cret!pass',
    });
    assert.equal(created.status, 201, created.text);
    assert.match(created.headers.get('content-type') ?? '', /application\/scim\+json/);
    const id = created.body.id as string;
    assert.equal(created.headers.get('etag'), 'W/"1"');
    assert.equal(created.body.password, undefined);
    const got = await scim.get(`/Users/${id}`);
    assert.equal(got.status, 200);
    assert.equal((got.body.meta as { resourceType: string }).resourceType, 'User');

    const list = await scim.get(`/Users?filter=${encodeURIComponent('userName eq "alice@example.com"')}&startIndex=1&count=100`);
    assert.equal(list.status, 200, list.text);
    assert.equal(list.body.totalResults, 1);

    const deactivated = await scim.patch(`/Users/${id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    assert.equal(deactivated.status, 200, deactivated.text);
    assert.equal(deactivated.body.active, false);
    assert.equal(deactivated.headers.get('etag'), 'W/"2"');

    const group = await scim.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Engineering', members: [{ value: id }] });
    assert.equal(group.status, 201, group.text);
    const withGroups = await scim.get(`/Users/${id}`);
    assert.deepEqual((withGroups.body.groups as Array<{ value: string; type: string }>).map((g) => [g.value, g.type]), [[group.body.id, 'direct']]);

    assert.equal((await scim.delete(`/Users/${id}`)).status, 204);
    assert.equal((await scim.get(`/Users/${id}`)).status, 404);
    const groupAfter = await scim.get(`/Groups/${group.body.id as string}`);
    assert.equal(groupAfter.body.members, undefined);
  });

  it('answers bad input with SCIM errors', async () => {
    const bad = await scim.post('/Users', '{not json');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.scimType, 'invalidSyntax');
    assert.deepEqual(bad.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
    const filter = await scim.get(`/Users?filter=${encodeURIComponent('userName eq')}`);
    assert.equal(filter.status, 400);
    assert.equal(filter.body.scimType, 'invalidFilter');
    const unauth = await fetch(`${gw.url}/scim/v2/Users`);
    assert.equal(unauth.status, 401);
    assert.match(unauth.headers.get('www-authenticate') ?? '', /Bearer/);
  });
});
