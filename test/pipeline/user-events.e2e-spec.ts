import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TOPICS } from '@idsync/contracts';
import { waitFor } from '@idsync/testing';
import { PATCH_OP, USER_SCHEMA, expectStatus, tenant, type TenantClient } from '../scim/scim-e2e.helpers';
import { startPipeline, type PipelineHarness } from './pipeline-harness';

// Real SCIM HTTP writes → outbox → idsync.scim.changes.v1 → sync-worker → the public stream and
// the compacted users topic, read back with a plain kafkajs consumer from the beginning.
describe('pipeline: user lifecycle → identity events', () => {
  let pipeline: PipelineHarness;
  let scim: TenantClient;

  before(async () => {
    pipeline = await startPipeline('pipeline_users');
    scim = await tenant(pipeline.gateway);
  });

  after(async () => {
    await pipeline?.close();
  });

  it('create → patch → deactivate → reactivate → delete yields exactly the expected events, in order', async () => {
    const created = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'ada@example.com', name: { givenName: 'Ada' }, password: 'Sup3r-secret!', active: true });
    expectStatus(created, 201);
    const id = String(created.body.id);
    const patch = (value: Record<string, unknown>) => scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value }] });
    expectStatus(await patch({ displayName: 'Ada Lovelace' }), 200);
    // Okta's deactivation: PATCH active false.
    expectStatus(await patch({ active: false }), 200);
    expectStatus(await patch({ active: true }), 200);
    expectStatus(await scim.delete(`/Users/${id}`), 204);

    const events = await pipeline.reader.waitForEvents((e) => e.ce.subject === id, 5, 'the five user events');
    await new Promise((r) => setTimeout(r, 500)); // anything extra would arrive now
    const all = pipeline.reader.events((e) => e.ce.subject === id);
    assert.deepEqual(
      all.map((e) => e.ce.type),
      ['idsync.user.created', 'idsync.user.updated', 'idsync.user.deactivated', 'idsync.user.reactivated', 'idsync.user.deleted'],
    );
    assert.equal(new Set(all.map((e) => e.ce.id)).size, 5, 'ids are unique');
    const sequences = all.map((e) => e.ce.sequence);
    assert.deepEqual(sequences, [...sequences].sort(), 'sequence increases in string order');
    assert.deepEqual(
      all.map((e) => e.data.version),
      [1, 2, 3, 4, 5],
    );
    for (const e of events) {
      assert.equal(e.ce.specversion, '1.0');
      assert.equal(e.ce.source, `/idsync/tenants/${scim.tenantId}`);
      assert.equal(e.ce.tenantid, scim.tenantId);
      assert.equal(e.ce.actor, `scim-token:${scim.tokenId}`);
      assert.match(e.ce.id, new RegExp(`^${e.ce.changeid}:0$`));
      assert.ok(!Number.isNaN(Date.parse(e.ce.time)));
      assert.equal(e.headers['content-type'], 'application/json');
      assert.equal(e.key, `${scim.tenantId}:${id}`);
      assert.equal(e.data.resourceId, id);
      assert.doesNotMatch(e.value ?? '', /Sup3r-secret|"password"/i);
    }
    const [createdEvent, updated, deactivated] = all;
    assert.equal((createdEvent.data.resource as Record<string, unknown>).userName, 'ada@example.com');
    assert.deepEqual(updated.data.changedAttributes, ['displayName']);
    assert.deepEqual(deactivated.data.changedAttributes, ['active']);
    assert.equal((deactivated.data.resource as Record<string, unknown>).active, false);
    assert.equal(all[4].data.resource, null);

    // Compacted current state: one record per change, the last a tombstone.
    const state = await waitFor(
      () => {
        const records = pipeline.reader.on(TOPICS.users).filter((r) => r.key === `${scim.tenantId}:${id}`);
        return records.length === 5 ? records : undefined;
      },
      { timeoutMs: 30_000, what: 'five users-topic records' },
    );
    assert.equal(state[4].value, null, 'delete is a tombstone');
    const current = JSON.parse(state[3].value ?? '{}') as Record<string, unknown>;
    assert.equal(current.id, id);
    assert.equal(current.active, true);
    assert.equal(current.displayName, 'Ada Lovelace');
    assert.ok(state.every((r) => !/Sup3r-secret|"password"/i.test(r.value ?? '')));
  });

  it('failed SCIM requests (400, 409, 412) publish nothing', async () => {
    const existing = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'grace@example.com' });
    expectStatus(existing, 201);
    const id = String(existing.body.id);
    await pipeline.reader.waitForEvents((e) => e.ce.subject === id, 1, 'the created event');
    const [{ outboxBefore }] = (await pipeline.gateway.dataSource.query('SELECT count(*)::int AS "outboxBefore" FROM outbox')) as Array<{ outboxBefore: number }>;
    const eventsBefore = pipeline.reader.events().length;

    expectStatus(await scim.post('/Users', { schemas: [USER_SCHEMA], name: { givenName: 'no userName' } }), 400);
    expectStatus(await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'GRACE@example.com' }), 409);
    expectStatus(await scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }, { 'if-match': 'W/"999"' }), 412);
    expectStatus(await scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'bogus', path: 'active' }] }), 400);

    const [{ outboxAfter }] = (await pipeline.gateway.dataSource.query('SELECT count(*)::int AS "outboxAfter" FROM outbox')) as Array<{ outboxAfter: number }>;
    assert.equal(outboxAfter, outboxBefore, 'no change record for a failed request');
    // A later successful write on the same resource (same partition) is published; nothing before it.
    expectStatus(await scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { title: 'Admiral' } }] }), 200);
    await pipeline.reader.waitForEvents((e) => e.ce.subject === id && e.ce.type === 'idsync.user.updated', 1, 'the marker update');
    assert.equal(pipeline.reader.events().length, eventsBefore + 1);
    assert.deepEqual(
      pipeline.reader.events((e) => e.ce.subject === id).map((e) => e.ce.type),
      ['idsync.user.created', 'idsync.user.updated'],
    );
  });
});
