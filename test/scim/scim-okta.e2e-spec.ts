import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type GatewayHarness } from './scim-harness';
import { GROUP_SCHEMA, LIST_RESPONSE, USER_SCHEMA, expectStatus, meta, patch, q, resources, tenant, type Json, type TenantClient } from './scim-e2e.helpers';

/**
 * The request sequence Okta's SCIM 2.0 provisioning sends (developer.okta.com "Okta and SCIM
 * Version 2.0"): lookup by userName, create, read, deactivate by PATCH, profile PUT, group push.
 */
describe('Okta SCIM 2.0 provisioning sequence', () => {
  let gw: GatewayHarness;
  let scim: TenantClient;

  before(async () => {
    gw = await startGateway();
    scim = await tenant(gw);
  });
  after(async () => gw?.close());

  it('provisions, updates and deactivates a user and pushes a group', async () => {
    // 1. Does the user exist?
    const lookup = await scim.get(`/Users?filter=${q('userName eq "test.user@okta.local"')}&startIndex=1&count=100`);
    expectStatus(lookup, 200);
    assert.deepEqual(lookup.body, { schemas: [LIST_RESPONSE], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });

    // 2. Create it (Okta sends an empty groups list, a password and its own id as externalId)
    const created = await scim.post('/Users', {
      schemas: [USER_SCHEMA],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
    });
    expectStatus(created, 201);
    const id = created.body.id as string;
    assert.equal(created.body.password, undefined);
    assert.equal(created.body.externalId, '00ujl29u0le5T6Aj10h7');
    assert.equal(created.body.active, true);

    // 3. Lookup now finds it, whatever the casing
    const found = await scim.get(`/Users?filter=${q('userName eq "Test.User@okta.local"')}&startIndex=1&count=100`);
    assert.equal(found.body.totalResults, 1);
    assert.equal(resources(found)[0].id, id);

    // 4. Read it
    const got = await scim.get(`/Users/${id}`);
    expectStatus(got, 200);
    assert.equal(got.body.userName, 'test.user@okta.local');

    // 5. Profile update: full PUT, echoing id/meta/groups
    const put = await scim.put(`/Users/${id}`, {
      schemas: [USER_SCHEMA],
      id,
      userName: 'test.user@okta.local',
      name: { givenName: 'Another', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Another User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
      meta: { resourceType: 'User', created: meta(created).created, lastModified: meta(created).lastModified },
    });
    expectStatus(put, 200);
    assert.equal((put.body.name as Json).givenName, 'Another');
    assert.equal(put.body.displayName, 'Another User');
    assert.equal(meta(put).version, 'W/"2"');

    // 6. Deactivation (Okta never DELETEs users)
    const deactivated = await scim.patch(`/Users/${id}`, patch({ op: 'replace', value: { active: false } }));
    expectStatus(deactivated, 200);
    assert.equal(deactivated.body.active, false);
    const inactive = await scim.get(`/Users?filter=${q('active eq false')}&startIndex=1&count=100`);
    assert.deepEqual(resources(inactive).map((r) => r.id), [id]);
    // reactivation
    const reactivated = await scim.patch(`/Users/${id}`, patch({ op: 'replace', value: { active: true } }));
    assert.equal(reactivated.body.active, true);

    // 7. Group push: create the group, add members, remove one by filter, rename without a path
    const other = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'second.user@okta.local', name: { givenName: 'Second', familyName: 'User' }, active: true });
    expectStatus(other, 201);
    const groupLookup = await scim.get(`/Groups?filter=${q('displayName eq "Test SCIMv2"')}&startIndex=1&count=100`);
    assert.equal(groupLookup.body.totalResults, 0);
    const group = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Test SCIMv2', members: [] });
    expectStatus(group, 201);
    const gid = group.body.id as string;
    assert.equal(group.body.members, undefined);

    const added = await scim.patch(
      `/Groups/${gid}`,
      patch({
        op: 'add',
        path: 'members',
        value: [
          { value: id, display: 'test.user@okta.local' },
          { value: other.body.id, display: 'second.user@okta.local' },
        ],
      }),
    );
    expectStatus(added, 200);
    assert.equal((added.body.members as Json[]).length, 2);

    const removed = await scim.patch(`/Groups/${gid}`, patch({ op: 'remove', path: `members[value eq "${other.body.id as string}"]` }));
    expectStatus(removed, 200);
    assert.deepEqual((removed.body.members as Json[]).map((m) => m.value), [id]);

    const renamed = await scim.patch(`/Groups/${gid}`, patch({ op: 'replace', value: { id: gid, displayName: 'Test SCIMv2 renamed' } }));
    expectStatus(renamed, 200);
    assert.equal(renamed.body.displayName, 'Test SCIMv2 renamed');
    assert.equal(renamed.body.id, gid);

    const withoutMembers = await scim.get(`/Groups/${gid}?excludedAttributes=members`);
    expectStatus(withoutMembers, 200);
    assert.equal(withoutMembers.body.members, undefined);
    assert.equal(withoutMembers.body.displayName, 'Test SCIMv2 renamed');
    assert.equal(withoutMembers.body.id, gid);
    const groupList = await scim.get('/Groups?excludedAttributes=members&startIndex=1&count=100');
    assert.equal(groupList.body.totalResults, 1);
    assert.equal(resources(groupList)[0].members, undefined);

    const user = await scim.get(`/Users/${id}`);
    assert.deepEqual((user.body.groups as Json[]).map((g) => [g.value, g.display, g.type]), [[gid, 'Test SCIMv2 renamed', 'direct']]);

    // Okta deletes pushed groups when unlinked
    expectStatus(await scim.delete(`/Groups/${gid}`), 204);
    assert.equal((await scim.get(`/Users/${id}`)).body.groups, undefined);
  });

  it('accepts Okta sending application/json and the Accept header it uses', async () => {
    const res = await scim.request('POST', '/Users', JSON.stringify({ schemas: [USER_SCHEMA], userName: 'json.user@okta.local', active: true }), {
      'content-type': 'application/json; charset=utf-8',
      accept: 'application/scim+json',
    });
    expectStatus(res, 201);
    assert.match(res.headers.get('content-type') ?? '', /^application\/scim\+json/);
  });
});
