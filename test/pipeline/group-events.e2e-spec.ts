import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TOPICS } from '@idsync/contracts';
import { waitFor } from '@idsync/testing';
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, expectStatus, tenant, type TenantClient } from '../scim/scim-e2e.helpers';
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
});
