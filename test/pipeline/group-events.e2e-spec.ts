import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TOPICS } from '@idsync/contracts';
import { waitFor } from '@idsync/testing';
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, expectStatus, tenant, type TenantClient } from '../scim/scim-e2e.helpers';
import { benchUserId, usersSelectParams, usersSelectSql } from '../../bench/bench-users';
import { startPipeline, type PipelineHarness, type ReadIdentityEvent } from './pipeline-harness';

describe('pipeline: groups and memberships → identity events', () => {
  let pipeline: PipelineHarness;
  let scim: TenantClient;

  before(async () => {
    pipeline = await startPipeline('pipeline_groups');
    scim = await tenant(pipeline.gateway);
  });

  after(async () => {
    await pipeline?.close();
  });

  async function user(userName: string): Promise<string> {
    const res = await scim.post('/Users', { schemas: [USER_SCHEMA], userName });
    expectStatus(res, 201);
    return String(res.body.id);
  }

  const summary = (events: ReadIdentityEvent[]) => events.map((e) => [e.ce.type, (e.data.member as { id?: string } | undefined)?.id]);

  it('create with members, add, remove, rename, member deleted, group deleted', async () => {
    const [u1, u2, u3] = [await user('u1@example.com'), await user('u2@example.com'), await user('u3@example.com')];
    const created = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering', members: [{ value: u1 }, { value: u2 }] });
    expectStatus(created, 201);
    const g = String(created.body.id);
    const ofGroup = (e: ReadIdentityEvent) => e.ce.subject === g;

    let events = await pipeline.reader.waitForEvents(ofGroup, 3, 'group created + 2 member.added');
    assert.deepEqual(summary(events), [
      ['idsync.group.created', undefined],
      ['idsync.group.member.added', u1],
      ['idsync.group.member.added', u2],
    ]);
    assert.deepEqual(
      events.map((e) => e.ce.sequence),
      ['000000000001.000000', '000000000001.000001', '000000000001.000002'],
    );
    assert.deepEqual(events[1].data.member, { id: u1, type: 'User' });
    assert.deepEqual(
      (events[0].data.resource as { members?: Array<{ value: string }> }).members?.map((m) => m.value),
      [u1, u2],
      'group.created carries the full group',
    );
    for (const e of events.slice(1)) {
      const resource = e.data.resource as Record<string, unknown>;
      assert.equal(resource.displayName, 'Engineering');
      assert.equal(resource.id, g);
      assert.ok(!('members' in resource), 'member events carry the group without its members list');
    }
    assert.ok(events.every((e) => e.key === `${scim.tenantId}:${g}`));

    // Okta: add a member, then remove one by filter.
    expectStatus(await scim.patch(`/Groups/${g}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: u3 }] }] }), 200);
    expectStatus(await scim.patch(`/Groups/${g}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${u1}"]` }] }), 200);
    expectStatus(await scim.patch(`/Groups/${g}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { displayName: 'Platform' } }] }), 200);
    events = await pipeline.reader.waitForEvents(ofGroup, 6, 'add, remove and rename events');
    assert.deepEqual(summary(events.slice(3)), [
      ['idsync.group.member.added', u3],
      ['idsync.group.member.removed', u1],
      ['idsync.group.updated', undefined],
    ]);
    assert.deepEqual(events[5].data.changedAttributes, ['displayName']);

    // Deleting a user takes it out of the group: a member.removed on the group's stream.
    expectStatus(await scim.delete(`/Users/${u2}`), 204);
    events = await pipeline.reader.waitForEvents(ofGroup, 7, 'member.removed for the deleted user');
    assert.deepEqual(summary(events.slice(6)), [['idsync.group.member.removed', u2]]);

    // Deleting the group: every remaining member removed, then the group.
    expectStatus(await scim.delete(`/Groups/${g}`), 204);
    events = await pipeline.reader.waitForEvents(ofGroup, 9, 'group delete events');
    assert.deepEqual(summary(events.slice(7)), [
      ['idsync.group.member.removed', u3],
      ['idsync.group.deleted', undefined],
    ]);
    assert.equal(events[7].data.resource, null, 'member.removed of a deleted group: no resource');

    const sequences = events.map((e) => e.ce.sequence);
    assert.deepEqual(sequences, [...sequences].sort(), 'sequence increases in string order');
    assert.equal(new Set(events.map((e) => e.ce.id)).size, events.length, 'ids are unique');

    const state = await waitFor(
      () => {
        const records = pipeline.reader.on(TOPICS.groups).filter((r) => r.key === `${scim.tenantId}:${g}`);
        return records.at(-1)?.value === null ? records : undefined;
      },
      { timeoutMs: 30_000, what: 'the group tombstone' },
    );
    const beforeDelete = JSON.parse(state.at(-2)?.value ?? '{}') as { displayName?: string; members?: Array<{ value: string }> };
    assert.equal(beforeDelete.displayName, 'Platform');
    assert.deepEqual(
      beforeDelete.members?.map((m) => m.value),
      [u3],
    );
  });

  it('ONE PATCH adding 1,500 members → exactly 1,500 small member.added events, the full group on the compacted topic, no dead letter', { timeout: 120_000 }, async () => {
    const MEMBERS = 1_500;
    // The member users are loaded with SQL (the rows the gateway writes, as the fan-out bench does):
    // creating 1,500 through SCIM would dominate the test's time; the change under test is the PATCH.
    await pipeline.gateway.dataSource.query(
      `INSERT INTO scim_resources (id, tenant_id, resource_type, user_name, external_id, display_name, active, data, norm, version, created_at, updated_at) ${usersSelectSql()}`,
      usersSelectParams(scim.tenantId, 1, MEMBERS, MEMBERS),
    );
    const memberIds = Array.from({ length: MEMBERS }, (_, k) => benchUserId(scim.tenantId, k + 1));
    const created = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Everyone' });
    expectStatus(created, 201);
    const g = String(created.body.id);

    const patched = await scim.patch(`/Groups/${g}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: memberIds.map((value) => ({ value })) }] });
    expectStatus(patched, 200);

    const isAdded = (e: ReadIdentityEvent) => e.ce.subject === g && e.ce.type === 'idsync.group.member.added';
    const added = await waitFor(
      () => {
        const found = pipeline.reader.events(isAdded);
        return found.length >= MEMBERS ? found : undefined;
      },
      { timeoutMs: 90_000, what: `${MEMBERS} member.added events` },
    );
    const latestState = await waitFor(
      () => {
        const value = pipeline.reader.on(TOPICS.groups).filter((r) => r.key === `${scim.tenantId}:${g}`).at(-1)?.value;
        const group = value ? (JSON.parse(value) as { members?: Array<{ value: string }> }) : undefined;
        return group?.members?.length === MEMBERS ? group : undefined;
      },
      { timeoutMs: 30_000, what: `the groups topic record with ${MEMBERS} members` },
    );
    assert.deepEqual(new Set(latestState.members?.map((m) => m.value)), new Set(memberIds));

    // Exactly one event per member, all from the one change (a retried partial send would re-publish ids: none here).
    assert.equal(new Set(added.map((e) => e.ce.changeid)).size, 1, 'one change');
    assert.equal(added.length, MEMBERS);
    assert.deepEqual(new Set(added.map((e) => (e.data.member as { id: string }).id)), new Set(memberIds));
    assert.equal(new Set(added.map((e) => e.ce.id)).size, MEMBERS);
    for (const e of added) {
      const bytes = Buffer.byteLength(e.value ?? '') + Object.entries(e.headers).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
      assert.ok(bytes < 4096, `member event of ${bytes} bytes`);
      const resource = e.data.resource as Record<string, unknown>;
      assert.ok(!('members' in resource), 'no members list in a member event');
      assert.equal(resource.displayName, 'Everyone');
    }
    assert.deepEqual(
      added.map((e) => e.ce.sequence),
      [...added.map((e) => e.ce.sequence)].sort(),
      'read in sequence order (the split produce requests kept the partition order)',
    );
    assert.equal(pipeline.reader.on(TOPICS.deadLetter).length, 0, 'nothing dead-lettered');
  });
});
