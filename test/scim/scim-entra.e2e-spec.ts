import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type GatewayHarness } from './scim-harness';
import { ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA, createUser, expectStatus, meta, patch, q, resources, tenant, type Json, type TenantClient } from './scim-e2e.helpers';

const AD_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

/**
 * The requests Microsoft Entra ID's provisioning service sends (Entra "SCIM 2.0 protocol
 * compliance" examples): capitalised ops, booleans as strings, externalId matching, manager by
 * URN path with a bare id, member removal with a value array, empty values meaning "remove".
 */
describe('Microsoft Entra ID provisioning sequence', () => {
  let gw: GatewayHarness;
  let scim: TenantClient;

  before(async () => {
    gw = await startGateway();
    scim = await tenant(gw);
  });
  after(async () => gw?.close());

  it('creates, matches, updates, manages and disables a user', async () => {
    const externalId = '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef';
    const missing = await scim.get(`/Users?filter=${q(`externalId eq "${externalId}"`)}`);
    expectStatus(missing, 200);
    assert.equal(missing.body.totalResults, 0);
    assert.deepEqual(missing.body.Resources, []);

    const created = await scim.post('/Users', {
      schemas: [USER_SCHEMA, ENTERPRISE],
      externalId,
      userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
      [ENTERPRISE]: { department: 'Engineering' },
    });
    expectStatus(created, 201);
    const id = created.body.id as string;
    assert.equal(created.body.roles, undefined);
    assert.equal((created.body[ENTERPRISE] as Json).department, 'Engineering');

    const byExternal = await scim.get(`/Users?filter=${q(`externalId eq "${externalId}"`)}`);
    assert.deepEqual(resources(byExternal).map((r) => r.id), [id]);
    const byUserName = await scim.get(`/Users?filter=${q('userName eq "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"')}`);
    assert.deepEqual(resources(byUserName).map((r) => r.id), [id]);

    // multi-valued and single-valued updates with capitalised ops
    let res = await scim.patch(
      `/Users/${id}`,
      patch(
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' },
      ),
    );
    expectStatus(res, 200);
    assert.deepEqual(res.body.emails, [{ value: 'updatedEmail@microsoft.com', type: 'work', primary: true }]);
    assert.equal((res.body.name as Json).familyName, 'updatedFamilyName');
    assert.deepEqual(res.body.phoneNumbers, [{ value: '+1 555 0100', type: 'mobile' }]);
    res = await scim.patch(`/Users/${id}`, patch({ op: 'Replace', path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' }));
    expectStatus(res, 200);
    assert.equal(res.body.userName, '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');

    // path-less Add with dotted and URN-qualified keys, booleans as strings
    res = await scim.patch(
      `/Users/${id}`,
      patch({ op: 'Add', value: { 'name.givenName': 'Ellen', title: 'Engineer', [`${ENTERPRISE}:employeeNumber`]: '100009', active: 'True' } }),
    );
    expectStatus(res, 200);
    assert.equal((res.body.name as Json).givenName, 'Ellen');
    assert.equal(res.body.title, 'Engineer');
    assert.equal((res.body[ENTERPRISE] as Json).employeeNumber, '100009');
    assert.equal(res.body.active, true);

    // manager by URN path with a bare id, then removed
    const manager = await createUser(scim, { displayName: 'The Manager' });
    res = await scim.patch(`/Users/${id}`, patch({ op: 'Add', path: `${ENTERPRISE}:manager`, value: manager.id }));
    expectStatus(res, 200);
    assert.equal(((res.body[ENTERPRISE] as Json).manager as Json).value, manager.id);
    const reports = await scim.get(`/Users?filter=${q(`${ENTERPRISE}:manager.value eq "${manager.id}"`)}`);
    assert.deepEqual(resources(reports).map((r) => r.id), [id]);
    res = await scim.patch(`/Users/${id}`, patch({ op: 'Replace', path: `${ENTERPRISE}:manager`, value: { value: manager.id } }));
    expectStatus(res, 200);
    res = await scim.patch(`/Users/${id}`, patch({ op: 'Remove', path: `${ENTERPRISE}:manager` }));
    expectStatus(res, 200);
    assert.equal((res.body[ENTERPRISE] as Json).manager, undefined);

    // empty-valued replace means remove
    res = await scim.patch(`/Users/${id}`, patch({ op: 'Replace', path: 'title', value: '' }, { op: 'Replace', path: `${ENTERPRISE}:department`, value: '' }));
    expectStatus(res, 200);
    assert.equal(res.body.title, undefined);
    assert.equal((res.body[ENTERPRISE] as Json).department, undefined);
    assert.equal((res.body[ENTERPRISE] as Json).employeeNumber, '100009');
    res = await scim.patch(`/Users/${id}`, patch({ op: 'Replace', path: 'phoneNumbers', value: [] }));
    expectStatus(res, 200);
    assert.equal(res.body.phoneNumbers, undefined);

    // disable with a string boolean, path and path-less
    res = await scim.patch(`/Users/${id}`, patch({ op: 'Replace', path: 'active', value: 'False' }));
    expectStatus(res, 200);
    assert.equal(res.body.active, false);
    res = await scim.patch(`/Users/${id}`, patch({ op: 'Replace', value: { active: 'True' } }));
    assert.equal(res.body.active, true);
    res = await scim.patch(`/Users/${id}`, patch({ op: 'Replace', path: 'active', value: false }));
    assert.equal(res.body.active, false);
    const inactive = await scim.get(`/Users?filter=${q('active eq false')}`);
    assert.deepEqual(resources(inactive).map((r) => r.id), [id]);

    expectStatus(await scim.delete(`/Users/${id}`), 204);
  });

  it('provisions a group: create, lookup by displayName without members, members add/remove, rename', async () => {
    const [a, b, c] = [await createUser(scim), await createUser(scim), await createUser(scim)];
    const created = await scim.post('/Groups', {
      schemas: [GROUP_SCHEMA, AD_GROUP],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    });
    expectStatus(created, 201);
    const gid = created.body.id as string;
    assert.deepEqual(created.body.schemas, [GROUP_SCHEMA]);
    assert.equal(created.body.externalId, '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159');

    let res = await scim.patch(`/Groups/${gid}`, patch({ op: 'Add', path: 'members', value: [{ $ref: null, value: a.id }, { $ref: null, value: b.id }, { $ref: null, value: c.id }] }));
    expectStatus(res, 200);
    assert.equal((res.body.members as Json[]).length, 3);

    const lookup = await scim.get(`/Groups?excludedAttributes=members&filter=${q('displayName eq "displayName"')}`);
    expectStatus(lookup, 200);
    assert.equal(lookup.body.totalResults, 1);
    assert.equal(resources(lookup)[0].id, gid);
    assert.equal(resources(lookup)[0].members, undefined);
    assert.equal(resources(lookup)[0].displayName, 'displayName');
    const byExternal = await scim.get(`/Groups?filter=${q('externalId eq "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"')}&excludedAttributes=members`);
    assert.equal(byExternal.body.totalResults, 1);
    // Entra checks membership with a filter on members
    const hasMember = await scim.get(`/Groups?filter=${q(`id eq "${gid}" and members[value eq "${b.id}"]`)}&excludedAttributes=members`);
    assert.equal(hasMember.body.totalResults, 1);

    res = await scim.patch(`/Groups/${gid}`, patch({ op: 'Remove', path: 'members', value: [{ $ref: null, value: a.id }, { $ref: null, value: b.id }] }));
    expectStatus(res, 200);
    assert.deepEqual((res.body.members as Json[]).map((m) => m.value), [c.id]);
    assert.equal((await scim.get(`/Users/${a.id}`)).body.groups, undefined);
    const noMember = await scim.get(`/Groups?filter=${q(`id eq "${gid}" and members[value eq "${b.id}"]`)}&excludedAttributes=members`);
    assert.equal(noMember.body.totalResults, 0);

    res = await scim.patch(`/Groups/${gid}`, patch({ op: 'Replace', path: 'displayName', value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName' }));
    expectStatus(res, 200);
    assert.equal(res.body.displayName, '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName');
    assert.equal(meta(res).version, 'W/"4"');
    const user = await scim.get(`/Users/${c.id}`);
    assert.equal((user.body.groups as Json[])[0].display, '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName');

    expectStatus(await scim.delete(`/Groups/${gid}`), 204);
  });
});
