import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type GatewayHarness } from './scim-harness';
import { GROUP_SCHEMA, changeRows, createGroup, createUser, expectError, expectStatus, meta, patch, q, resources, tenant, type Json, type TenantClient } from './scim-e2e.helpers';

const memberIds = (body: Json): string[] => ((body.members as Json[] | undefined) ?? []).map((m) => m.value as string).sort();
const groupsOf = (body: Json): Array<[string, string]> =>
  ((body.groups as Json[] | undefined) ?? []).map((g) => [g.value as string, g.type as string] as [string, string]).sort();

describe('SCIM /Groups end to end', () => {
  let gw: GatewayHarness;
  let scim: TenantClient;

  before(async () => {
    gw = await startGateway();
    scim = await tenant(gw);
  });
  after(async () => gw?.close());

  it('creates a group with user and group members, with $ref, display and type', async () => {
    const babs = await createUser(scim, { displayName: 'Babs Jensen' });
    const mandy = await createUser(scim);
    const inner = await createGroup(scim, 'Inner');
    const res = await scim.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Tour Guides',
      members: [{ value: babs.id, display: 'Babs Jensen' }, { value: mandy.id }, { value: inner.id }, { value: babs.id }],
    });
    expectStatus(res, 201);
    assert.equal(meta(res).resourceType, 'Group');
    assert.equal(meta(res).location, `${gw.url}/scim/v2/Groups/${res.body.id as string}`);
    const members = res.body.members as Json[];
    assert.equal(members.length, 3, 'duplicates are merged');
    const byId = new Map(members.map((m) => [m.value, m]));
    assert.equal(byId.get(babs.id)?.type, 'User');
    assert.equal(byId.get(inner.id)?.type, 'Group');
    assert.equal(byId.get(inner.id)?.$ref, `${gw.url}/scim/v2/Groups/${inner.id}`);
    assert.equal(byId.get(babs.id)?.$ref, `${gw.url}/scim/v2/Users/${babs.id}`);
    const filtered = await scim.get(`/Groups?filter=${q('displayName eq "tour guides"')}`);
    assert.deepEqual(resources(filtered).map((g) => g.id), [res.body.id]);
    const byMember = await scim.get(`/Groups?filter=${q(`members[value eq "${mandy.id}"]`)}`);
    assert.deepEqual(resources(byMember).map((g) => g.id), [res.body.id]);
  });

  it("shows a user's direct and indirect (nested) groups", async () => {
    const user = await createUser(scim);
    const team = await createGroup(scim, 'Team', [user.id]);
    const dept = await createGroup(scim, 'Department', [team.id]);
    const org = await createGroup(scim, 'Org', [dept.id, user.id]);
    const got = await scim.get(`/Users/${user.id}`);
    assert.deepEqual(
      groupsOf(got.body),
      [
        [team.id, 'direct'],
        [dept.id, 'indirect'],
        [org.id, 'direct'],
      ].sort() as Array<[string, string]>,
    );
    const team1 = (got.body.groups as Json[]).find((g) => g.value === team.id) as Json;
    assert.equal(team1.display, 'Team');
    assert.equal(team1.$ref, `${gw.url}/scim/v2/Groups/${team.id}`);
    // a user's groups can be filtered on
    // groups is derived, not stored: filtering on it is refused rather than silently empty
    expectError(await scim.get(`/Users?filter=${q(`groups[value eq "${dept.id}"]`)}`), 400, 'invalidFilter');
    expectError(await scim.get(`/Users?filter=${q(`userName pr and groups.value eq "${dept.id}"`)}`), 400, 'invalidFilter');
    // excluding groups
    const excluded = await scim.get(`/Users/${user.id}?excludedAttributes=groups`);
    assert.equal(excluded.body.groups, undefined);
    // removing the nested link drops the indirect membership
    expectStatus(await scim.patch(`/Groups/${dept.id}`, patch({ op: 'remove', path: `members[value eq "${team.id}"]` })), 200);
    const after = await scim.get(`/Users/${user.id}`);
    assert.deepEqual(groupsOf(after.body), [[team.id, 'direct'], [org.id, 'direct']].sort() as Array<[string, string]>);
  });

  it('rejects members that do not exist (or are not ids) with 400 and writes nothing', async () => {
    const group = await createGroup(scim, 'Strict');
    const before = await changeRows(gw, scim.tenantId);
    expectError(await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Bad', members: [{ value: '6f0c7c9e-4f37-4c4e-9f59-3d1f1ea6c000' }] }), 400, 'invalidValue');
    expectError(await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Bad', members: [{ value: 'not-an-id' }] }), 400, 'invalidValue');
    expectError(await scim.patch(`/Groups/${group.id}`, patch({ op: 'add', path: 'members', value: [{ value: '6f0c7c9e-4f37-4c4e-9f59-3d1f1ea6c000' }] })), 400, 'invalidValue');
    expectError(await scim.patch(`/Groups/${group.id}`, patch({ op: 'add', path: 'members', value: [{ value: group.id }] })), 400, 'invalidValue');
    expectError(await scim.post('/Groups', { schemas: [GROUP_SCHEMA] }), 400, 'invalidValue');
    assert.deepEqual(await changeRows(gw, scim.tenantId), before);
  });

  it('applies the RFC 7644 §3.5.2 group PATCH examples', async () => {
    const [a, b, c] = [await createUser(scim), await createUser(scim), await createUser(scim)];
    const group = await createGroup(scim, 'Patched', [a.id]);
    const url = `/Groups/${group.id}`;
    // §3.5.2.1 add members
    let res = await scim.patch(url, patch({ op: 'add', path: 'members', value: [{ display: 'B', $ref: `https://example.com/v2/Users/${b.id}`, value: b.id }] }));
    expectStatus(res, 200);
    assert.deepEqual(memberIds(res.body), [a.id, b.id].sort());
    // adding an existing member again changes nothing
    const version = meta(res).version;
    res = await scim.patch(url, patch({ op: 'add', path: 'members', value: [{ value: b.id }] }));
    expectStatus(res, 200);
    assert.equal(meta(res).version, version);
    // §3.5.2.2 remove one member by filter
    res = await scim.patch(url, patch({ op: 'remove', path: `members[value eq "${a.id}"]` }));
    expectStatus(res, 200);
    assert.deepEqual(memberIds(res.body), [b.id]);
    // §3.5.2.2 remove + add in one request
    res = await scim.patch(url, patch({ op: 'remove', path: `members[value eq "${b.id}"]` }, { op: 'add', path: 'members', value: [{ value: c.id }, { value: a.id }] }));
    expectStatus(res, 200);
    assert.deepEqual(memberIds(res.body), [a.id, c.id].sort());
    // §3.5.2.3 replace all members
    res = await scim.patch(url, patch({ op: 'replace', path: 'members', value: [{ value: b.id }] }));
    expectStatus(res, 200);
    assert.deepEqual(memberIds(res.body), [b.id]);
    const user = await scim.get(`/Users/${b.id}`);
    assert.deepEqual(groupsOf(user.body), [[group.id, 'direct']]);
    // §3.5.2.2 remove all members
    res = await scim.patch(url, patch({ op: 'remove', path: 'members' }));
    expectStatus(res, 200);
    assert.equal(res.body.members, undefined);
    assert.equal((await scim.get(`/Users/${b.id}`)).body.groups, undefined);
    // members of a PUT replace the list
    res = await scim.put(url, { schemas: [GROUP_SCHEMA], displayName: 'Patched', members: [{ value: c.id }] });
    expectStatus(res, 200);
    assert.deepEqual(memberIds(res.body), [c.id]);
    assert.deepEqual(groupsOf((await scim.get(`/Users/${c.id}`)).body), [[group.id, 'direct']]);
  });

  it('deleting a user removes it from its groups (and emits the group change)', async () => {
    const user = await createUser(scim);
    const group = await createGroup(scim, 'Cleanup', [user.id]);
    const before = await changeRows(gw, scim.tenantId);
    expectStatus(await scim.delete(`/Users/${user.id}`), 204);
    const afterRows = await changeRows(gw, scim.tenantId);
    assert.equal(afterRows.outbox, before.outbox + 2, 'one delete record and one group change record');
    const got = await scim.get(`/Groups/${group.id}`);
    assert.equal(got.body.members, undefined);
    assert.equal(meta(got).version, 'W/"2"');
    // deleting a group drops nested memberships
    const u2 = await createUser(scim);
    const child = await createGroup(scim, 'Child', [u2.id]);
    await createGroup(scim, 'Parent', [child.id]);
    expectStatus(await scim.delete(`/Groups/${child.id}`), 204);
    assert.equal((await scim.get(`/Users/${u2.id}`)).body.groups, undefined);
  });
});
