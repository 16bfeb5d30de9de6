import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type GatewayHarness } from './scim-harness';
import {
  GROUP_SCHEMA,
  SEARCH_REQUEST,
  changeRows,
  createGroup,
  createUser,
  expectError,
  expectStatus,
  newUser,
  patch,
  q,
  tenant,
  type Json,
  type TenantClient,
} from './scim-e2e.helpers';

describe('SCIM tenant isolation and the transactional outbox', () => {
  let gw: GatewayHarness;
  let a: TenantClient;
  let b: TenantClient;

  before(async () => {
    gw = await startGateway();
    a = await tenant(gw, 'tenant-a');
    b = await tenant(gw, 'tenant-b');
  });
  after(async () => gw?.close());

  it("never shows or changes another tenant's resources (404, never 403, never data)", async () => {
    const user = await createUser(a, { userName: 'shared.name@example.com', externalId: 'ext-a', title: 'Secret Title' });
    const group = await createGroup(a, 'A Team', [user.id]);
    const before = await changeRows(gw, b.tenantId);
    const beforeA = await changeRows(gw, a.tenantId);
    for (const [type, id] of [
      ['Users', user.id],
      ['Groups', group.id],
    ]) {
      for (const res of [
        await b.get(`/${type}/${id}`),
        await b.put(`/${type}/${id}`, type === 'Users' ? newUser() : { schemas: [GROUP_SCHEMA], displayName: 'x' }),
        await b.patch(`/${type}/${id}`, patch({ op: 'replace', path: 'displayName', value: 'hijacked' })),
        await b.delete(`/${type}/${id}`),
        await b.get(`/${type}/${id}`, { 'if-none-match': '*' }),
      ]) {
        expectError(res, 404);
        assert.ok(!res.text.includes('Secret Title'));
      }
    }
    assert.deepEqual(await changeRows(gw, b.tenantId), before);
    assert.deepEqual(await changeRows(gw, a.tenantId), beforeA);

    for (const path of [
      '/Users',
      `/Users?filter=${q('userName eq "shared.name@example.com"')}`,
      `/Users?filter=${q('externalId eq "ext-a"')}`,
      `/Users?filter=${q(`id eq "${user.id}"`)}`,
      `/Users?filter=${q('title pr')}`,
      '/Groups',
      `/Groups?filter=${q(`members[value eq "${user.id}"]`)}`,
      `/Groups?filter=${q('displayName sw "A"')}`,
    ]) {
      const res = await b.get(path);
      expectStatus(res, 200);
      assert.equal(res.body.totalResults, 0, path);
      assert.deepEqual(res.body.Resources, []);
    }
    const search = await b.post('/Users/.search', { schemas: [SEARCH_REQUEST], filter: 'userName eq "shared.name@example.com"' });
    expectStatus(search, 200);
    assert.equal(search.body.totalResults, 0);

    // tenant A still sees everything unchanged
    const own = await a.get(`/Users/${user.id}`);
    expectStatus(own, 200);
    assert.equal(own.body.title, 'Secret Title');
    assert.equal((own.body.meta as Json).version, 'W/"1"');
    expectStatus(await a.get(`/Groups/${group.id}`), 200);

    // the same userName is free in tenant B, and its user never appears in A's group
    const bUser = await createUser(b, { userName: 'shared.name@example.com' });
    assert.notEqual(bUser.id, user.id);
    assert.equal((await a.get(`/Users?filter=${q('userName eq "shared.name@example.com"')}`)).body.totalResults, 1);
  });

  it("does not let group members reference another tenant's users or groups", async () => {
    const aUser = await createUser(a);
    const aGroup = await createGroup(a, 'A only');
    const before = await changeRows(gw, b.tenantId);
    expectError(await b.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'B', members: [{ value: aUser.id }] }), 400, 'invalidValue');
    expectError(await b.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'B', members: [{ value: aGroup.id }] }), 400, 'invalidValue');
    const bGroup = await createGroup(b, 'B group');
    const mid = await changeRows(gw, b.tenantId);
    assert.equal(mid.outbox, before.outbox + 1);
    expectError(await b.patch(`/Groups/${bGroup.id}`, patch({ op: 'add', path: 'members', value: [{ value: aUser.id }] })), 400, 'invalidValue');
    expectError(await b.put(`/Groups/${bGroup.id}`, { schemas: [GROUP_SCHEMA], displayName: 'B group', members: [{ value: aUser.id }] }), 400, 'invalidValue');
    assert.deepEqual(await changeRows(gw, b.tenantId), mid);
    // and A's user's groups never list B's groups
    assert.equal((await a.get(`/Users/${aUser.id}`)).body.groups, undefined);
  });

  it('adds exactly one outbox row and one audit row per successful write, none for failed ones', async () => {
    const t = await tenant(gw);
    let expected = { outbox: 0, audit: 0 };
    const step = async (label: string, action: () => Promise<unknown>, writes: number) => {
      await action();
      expected = { outbox: expected.outbox + writes, audit: expected.audit + writes };
      assert.deepEqual(await changeRows(gw, t.tenantId), expected, label);
    };
    assert.deepEqual(await changeRows(gw, t.tenantId), expected);
    let userId = '';
    let groupId = '';
    await step('create user', async () => {
      userId = (await createUser(t, { userName: 'outbox@example.com' })).id;
    }, 1);
    await step('get/list', async () => {
      await t.get(`/Users/${userId}`);
      await t.get('/Users');
      await t.post('/Users/.search', { schemas: [SEARCH_REQUEST] });
    }, 0);
    await step('patch', async () => expectStatus(await t.patch(`/Users/${userId}`, patch({ op: 'replace', path: 'title', value: 'T' })), 200), 1);
    await step('put', async () => expectStatus(await t.put(`/Users/${userId}`, newUser({ userName: 'outbox@example.com' })), 200), 1);
    await step('create group', async () => {
      groupId = (await createGroup(t, 'Outbox', [userId])).id;
    }, 1);
    await step('400 bad body', async () => expectError(await t.post('/Users', newUser({ bogus: 1 })), 400), 0);
    await step('400 bad patch', async () => expectError(await t.patch(`/Users/${userId}`, patch({ op: 'remove', path: 'userName' })), 400), 0);
    await step('400 bad member', async () => expectError(await t.patch(`/Groups/${groupId}`, patch({ op: 'add', path: 'members', value: [{ value: '6f0c7c9e-4f37-4c4e-9f59-3d1f1ea6c000' }] })), 400), 0);
    await step('404', async () => expectError(await t.patch('/Users/6f0c7c9e-4f37-4c4e-9f59-3d1f1ea6c000', patch({ op: 'replace', path: 'title', value: 'x' })), 404), 0);
    await step('409', async () => expectError(await t.post('/Users', newUser({ userName: 'OUTBOX@example.com' })), 409), 0);
    await step('412', async () => expectError(await t.put(`/Users/${userId}`, newUser({ userName: 'outbox@example.com' }), { 'if-match': 'W/"1"' }), 412), 0);
    await step('delete group', async () => expectStatus(await t.delete(`/Groups/${groupId}`), 204), 1);
    await step('delete user', async () => expectStatus(await t.delete(`/Users/${userId}`), 204), 1);

    // the rows describe the changes, and audit and outbox agree on the change ids
    const rows = (await gw.dataSource.query(
      `SELECT o.payload->>'operation' AS op, o.payload->>'resourceType' AS type, (o.payload->>'version')::int AS version,
              o.payload->>'changeId' AS change_id, a.action
         FROM outbox o JOIN audit_log a ON a.details->>'changeId' = o.payload->>'changeId'
        WHERE o.tenant_id = $1 ORDER BY o.id`,
      [t.tenantId],
    )) as Array<{ op: string; type: string; version: number; action: string }>;
    assert.deepEqual(
      rows.map((r) => [r.op, r.type, r.version, r.action]),
      [
        ['create', 'User', 1, 'user.create'],
        ['patch', 'User', 2, 'user.patch'],
        ['replace', 'User', 3, 'user.replace'],
        ['create', 'Group', 1, 'group.create'],
        ['delete', 'Group', 2, 'group.delete'],
        ['delete', 'User', 4, 'user.delete'],
      ],
    );
    // no password or other tenant's data in any event
    const [{ leaked }] = (await gw.dataSource.query(`SELECT count(*)::int AS leaked FROM outbox WHERE tenant_id = $1 AND payload->>'tenantId' <> $1::text`, [t.tenantId])) as Array<{ leaked: number }>;
    assert.equal(leaked, 0);
  });
});
