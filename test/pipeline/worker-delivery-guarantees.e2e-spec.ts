import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { IHeaders } from 'kafkajs';
import { TOPICS, scimChangeKey, type ScimChangeRecord } from '@idsync/contracts';
import { waitFor } from '@idsync/testing';
import { startPipeline, type PipelineHarness, type ReadRecord } from './pipeline-harness';

const MAX_ATTEMPTS = 3;

function userChange(tenantId: string, resourceId: string, version: number): ScimChangeRecord {
  return {
    changeId: randomUUID(),
    tenantId,
    resourceType: 'User',
    resourceId,
    operation: version === 1 ? 'create' : 'patch',
    version,
    occurredAt: new Date().toISOString(),
    actor: { type: 'system', id: 'test' },
    changedAttributes: ['userName'],
    resource: { id: resourceId, userName: `${resourceId}@example.com`, active: true },
    previous: version === 1 ? null : { active: true },
  };
}

// Records written straight to idsync.scim.changes.v1 (as the relay would, or as a broken producer
// might): duplicates, poison values, and a record that fails every attempt.
describe('sync-worker: exactly-once effect, dead letters, partitions keep moving', () => {
  let pipeline: PipelineHarness;

  before(async () => {
    pipeline = await startPipeline('pipeline_worker', { WORKER_MAX_ATTEMPTS: String(MAX_ATTEMPTS), WORKER_RETRY_INITIAL_MS: '50', WORKER_RETRY_MAX_MS: '200' });
  });

  after(async () => {
    await pipeline?.close();
  });

  async function send(key: string, value: string | Buffer | null, headers: IHeaders = {}): Promise<{ partition: number; offset: string }> {
    const [meta] = await pipeline.producer.send({ topic: pipeline.inputTopic, messages: [{ key, value, headers }] });
    return { partition: meta.partition, offset: meta.baseOffset ?? '' };
  }

  const eventsOf = (changeId: string) => pipeline.reader.events((e) => e.ce.changeid === changeId);

  async function deadLetter(offset: { partition: number; offset: string }): Promise<ReadRecord> {
    return waitFor(
      () =>
        pipeline.reader
          .on(TOPICS.deadLetter)
          .find((r) => r.headers['idsync-dlq-original-partition'] === String(offset.partition) && r.headers['idsync-dlq-original-offset'] === offset.offset),
      { timeoutMs: 30_000, what: `dead letter of ${offset.partition}@${offset.offset}` },
    );
  }

  it('the same change record published twice yields one set of events', async () => {
    const tenantId = randomUUID();
    const resourceId = randomUUID();
    const key = scimChangeKey(tenantId, resourceId);
    const first = userChange(tenantId, resourceId, 1);
    await send(key, JSON.stringify(first));
    await send(key, JSON.stringify(first));
    const marker = userChange(tenantId, resourceId, 2);
    await send(key, JSON.stringify(marker));
    // Same key → same partition, in order: once the marker is out, both copies were handled.
    await pipeline.reader.waitForEvents((e) => e.ce.changeid === marker.changeId, 1, 'the marker event');
    assert.deepEqual(
      eventsOf(first.changeId).map((e) => [e.ce.id, e.ce.type]),
      [[`${first.changeId}:0`, 'idsync.user.created']],
    );
    const stateRecords = pipeline.reader.on(TOPICS.users).filter((r) => r.key === key);
    assert.equal(stateRecords.length, 2, 'one current-state record per distinct change');
    const ledger = (await pipeline.gateway.dataSource.query('SELECT consumer_group, event_count FROM worker_processed_changes WHERE change_id = $1', [first.changeId])) as Array<{
      consumer_group: string;
      event_count: number;
    }>;
    assert.deepEqual(ledger, [{ consumer_group: `${pipeline.prefix}-worker`, event_count: 1 }]);
  });

  it('poison records (not JSON, broken JSON, invalid record, null) are dead-lettered as they were; the next record on the partition is processed', async () => {
    const tenantId = randomUUID();
    const resourceId = randomUUID();
    const key = scimChangeKey(tenantId, resourceId);
    const notJson = await send(key, 'not json at all', { 'x-trace': 'trace-1' });
    const brokenJson = await send(key, '{"changeId": ');
    const invalid = await send(key, JSON.stringify({ changeId: 'x', tenantId, resourceType: 'Device' }));
    const nullValue = await send(key, null);
    const valid = userChange(tenantId, resourceId, 1);
    await send(key, JSON.stringify(valid));

    await pipeline.reader.waitForEvents((e) => e.ce.changeid === valid.changeId, 1, 'the valid record after the poison ones');

    const first = await deadLetter(notJson);
    assert.equal(first.key, key);
    assert.equal(first.value, 'not json at all');
    assert.equal(first.headers['x-trace'], 'trace-1', 'original headers kept');
    assert.equal(first.headers['idsync-dlq-original-topic'], pipeline.inputTopic);
    assert.match(first.headers['idsync-dlq-error'], /not JSON/);
    assert.ok(!Number.isNaN(Date.parse(first.headers['idsync-dlq-failed-at'])));

    const broken = await deadLetter(brokenJson);
    assert.equal(broken.value, '{"changeId": ');
    assert.match(broken.headers['idsync-dlq-error'], /not JSON/);

    const invalidLetter = await deadLetter(invalid);
    assert.match(invalidLetter.headers['idsync-dlq-error'], /invalid change record: resourceType/);

    const nullLetter = await deadLetter(nullValue);
    assert.equal(nullLetter.value, null);
    assert.match(nullLetter.headers['idsync-dlq-error'], /null/);
  });

  it(`a record failing ${MAX_ATTEMPTS} times (database unavailable) is dead-lettered; later records are processed once it recovers`, async () => {
    const tenantId = randomUUID();
    const resourceId = randomUUID();
    const key = scimChangeKey(tenantId, resourceId);
    const ds = pipeline.gateway.dataSource;
    const doomed = userChange(tenantId, resourceId, 1);
    await ds.query('ALTER TABLE worker_processed_changes RENAME TO worker_processed_changes_away');
    let restored = false;
    try {
      const at = await send(key, JSON.stringify(doomed));
      const letter = await deadLetter(at);
      assert.match(letter.headers['idsync-dlq-error'], new RegExp(`failed ${MAX_ATTEMPTS} attempts`));
      assert.equal(letter.value, JSON.stringify(doomed));
      await ds.query('ALTER TABLE worker_processed_changes_away RENAME TO worker_processed_changes');
      restored = true;
      const next = userChange(tenantId, resourceId, 2);
      await send(key, JSON.stringify(next));
      await pipeline.reader.waitForEvents((e) => e.ce.changeid === next.changeId, 1, 'the record after the dead-lettered one');
      assert.deepEqual(eventsOf(doomed.changeId), [], 'nothing was published for the dead-lettered change');
    } finally {
      if (!restored) await ds.query('ALTER TABLE IF EXISTS worker_processed_changes_away RENAME TO worker_processed_changes');
    }
  });

  it('a worker restart mid-stream loses nothing and publishes every change once', async (t) => {
    const tenantId = randomUUID();
    const changes = Array.from({ length: 300 }, () => userChange(tenantId, randomUUID(), 1));
    await pipeline.producer.send({
      topic: pipeline.inputTopic,
      messages: changes.map((c) => ({ key: scimChangeKey(c.tenantId, c.resourceId), value: JSON.stringify(c) })),
    });
    // Restart as soon as the first events are out, while the rest are still being processed.
    await pipeline.reader.waitForEvents((e) => e.ce.tenantid === tenantId, 1, 'the first events');
    const atRestart = pipeline.reader.events((e) => e.ce.tenantid === tenantId).length;
    await pipeline.restartWorker();
    t.diagnostic(`${atRestart} of ${changes.length} changes published when the worker restarted`);
    await pipeline.reader.waitForEvents((e) => e.ce.tenantid === tenantId, changes.length, 'every change published after the restart');
    await new Promise((r) => setTimeout(r, 500));
    const perChange = new Map<string, number>();
    for (const e of pipeline.reader.events((x) => x.ce.tenantid === tenantId)) perChange.set(e.ce.changeid, (perChange.get(e.ce.changeid) ?? 0) + 1);
    assert.equal(perChange.size, changes.length);
    assert.deepEqual([...new Set(perChange.values())], [1], 'no change published twice');
  });
});
