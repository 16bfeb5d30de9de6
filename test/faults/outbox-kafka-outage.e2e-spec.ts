import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { TOPICS, scimChangeKey, topicName } from '@idsync/contracts';
import { createTestDatabase, uniqueTopicPrefix, waitFor, type TestDatabase } from '@idsync/testing';
import { startAppProcess, stopAllAppProcesses, type AppProcess } from '../support/app-process';
import {
  ADMIN_TOKEN,
  TopicCollector,
  adminTenant,
  analyzeChanges,
  createUser,
  mapLimit,
  patchUser,
  sql,
  unpublishedCount,
} from './fault-helpers';

type KafkaScript = typeof import('../../scripts/kafka.mjs');

const USERS = 20;
const WRITES = 200; // 20 creates + 180 PATCHes, all while the broker is down

// The outbox's promise: SCIM writes keep succeeding while Kafka is down, and once it is back every
// committed change reaches idsync.scim.changes.v1 exactly once, in per-resource order. This file
// runs its own broker (a temp dir, fixed port) so it can stop and restart it.
describe('outbox relay across a Kafka outage', () => {
  let kafka: KafkaScript;
  let dir: string;
  let port: number;
  let brokers: string;
  let db: TestDatabase;
  let prefix: string;
  let gateway: AppProcess;

  const env = (extra: Record<string, string> = {}) => ({
    DATABASE_URL: db.url,
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_PREFIX: prefix,
    ADMIN_API_TOKEN: ADMIN_TOKEN,
    ...extra,
  });

  before(async () => {
    kafka = await import('../../scripts/kafka.mjs');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idsync-outage-kafka-'));
    port = await kafka.freePort();
    ({ brokers } = await kafka.startKafka({ dir, port }));
    db = await createTestDatabase('outage');
    prefix = uniqueTopicPrefix('outage');
    gateway = await startAppProcess({ app: 'scim-gateway', name: 'gateway', env: env() });
  });

  after(async () => {
    await stopAllAppProcesses();
    await kafka?.stopKafka({ dir });
    fs.rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it('accepts 200 writes with Kafka down and publishes each exactly once, in order, after it returns', { timeout: 240_000 }, async () => {
    const scim = await adminTenant(gateway.url, 'outage');
    // A change published before the outage: the relay's producer is connected when the broker goes.
    const warmupId = await createUser(scim, 'warmup');
    await waitFor(async () => (await unpublishedCount(db.url)) === 0, { timeoutMs: 30_000, what: 'warm-up change published' });

    await kafka.stopKafka({ dir });
    const writesStarted = Date.now();
    let n = 0;
    const ids = await mapLimit(
      Array.from({ length: USERS }, (_, i) => i),
      USERS,
      (i) => createUser(scim, `outage-${i}`),
    );
    // 9 PATCHes per user, sequential per user (each depends on the previous version), users in parallel.
    const statuses = await mapLimit(ids, 10, async (id) => {
      const out: number[] = [];
      for (let k = 0; k < (WRITES - USERS) / USERS; k++) out.push((await patchUser(scim, id, ++n)).status);
      return out;
    });
    const failed = statuses.flat().filter((s) => s !== 200);
    assert.deepEqual(failed, [], 'every PATCH succeeds while Kafka is down');
    const writesMs = Date.now() - writesStarted;
    assert.equal(await unpublishedCount(db.url), WRITES, 'all 200 changes wait in the outbox');

    const restartAt = Date.now();
    await kafka.startKafka({ dir, port });
    const brokerUpMs = Date.now() - restartAt;
    await waitFor(async () => (await unpublishedCount(db.url)) === 0, { timeoutMs: 120_000, intervalMs: 50, what: `outbox drained\n${gateway.stderr()}` });
    const drainMs = Date.now() - restartAt;

    const reader = await new TopicCollector(brokers, topicName(TOPICS.scimChanges, prefix)).start();
    try {
      await waitFor(() => reader.distinctChangeIds() >= WRITES + 1, { timeoutMs: 60_000, what: 'all changes on the topic' });
      await new Promise((r) => setTimeout(r, 2_000)); // late duplicates would show up here
      const ours = new Set([warmupId, ...ids]);
      const records = reader.records.filter((r) => ours.has(r.change.resourceId));
      const a = analyzeChanges(records);
      process.stderr.write(
        `[outage] ${WRITES} writes with Kafka down in ${writesMs} ms; broker back in ${brokerUpMs} ms; ` +
          `outbox backlog drained ${drainMs} ms after the restart began (${drainMs - brokerUpMs} ms after the broker was ready)\n`,
      );
      assert.equal(a.distinct, WRITES + 1, 'every change (200 + warm-up) is on the topic');
      assert.equal(a.duplicates, 0, 'no change is published twice');
      assert.equal(a.total, WRITES + 1);
      assert.deepEqual(a.orderViolations, [], 'versions strictly increase per resource');
      assert.deepEqual(a.splitResources, [], "one resource's changes share a partition");
      for (const id of ids) {
        const versions = records.filter((r) => r.change.resourceId === id).map((r) => r.change.version);
        assert.deepEqual(versions, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], `user ${id}: every version, in order`);
      }
    } finally {
      await reader.stop();
    }
    assert.equal(await unpublishedCount(db.url), 0, 'no unpublished outbox rows are left');
  });

  it('re-establishes LISTEN after its Postgres backend is terminated and keeps relaying on NOTIFY', { timeout: 120_000 }, async () => {
    // A 10-minute poll: only NOTIFY can make a change appear within seconds, so a lost LISTEN shows.
    await gateway.kill('SIGTERM');
    const notifyOnly = await startAppProcess({ app: 'scim-gateway', name: 'gateway-notify-only', env: env({ OUTBOX_POLL_MS: '600000' }) });
    const scim = await adminTenant(notifyOnly.url, 'listen');
    const reader = await new TopicCollector(brokers, topicName(TOPICS.scimChanges, prefix)).start();
    const listeners = () =>
      sql<{ pid: number }>(db.url, `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN %' AND pid <> pg_backend_pid()`);
    // The gateway wakes its own relay after its own commits, without NOTIFY; a row another process
    // commits (the CLI, another replica) reaches this relay only through LISTEN. Such a row, with its NOTIFY:
    const enqueueElsewhere = async (label: string) => {
      const resourceId = randomUUID();
      const change = { changeId: randomUUID(), tenantId: scim.tenantId, resourceType: 'User', resourceId, operation: 'create', version: 1, occurredAt: new Date().toISOString() };
      await sql(
        db.url,
        `WITH rows AS (INSERT INTO outbox (tenant_id, topic, message_key, payload, headers) VALUES ($1, $2, $3, $4::jsonb, '{}'::jsonb) RETURNING 1)
         SELECT pg_notify('idsync_outbox', '') FROM (SELECT count(*) FROM rows) AS c`,
        [scim.tenantId, topicName(TOPICS.scimChanges, prefix), scimChangeKey(scim.tenantId, resourceId), JSON.stringify({ ...change, label })],
      );
      return resourceId;
    };
    const publishedWithinSeconds = async (userName: string) => {
      const id = await createUser(scim, userName);
      await waitFor(() => reader.records.some((r) => r.change.resourceId === id), { timeoutMs: 5_000, what: `${userName} relayed after its commit` });
      const foreign = await enqueueElsewhere(userName);
      await waitFor(() => reader.records.some((r) => r.change.resourceId === foreign), { timeoutMs: 5_000, what: `a row from another process after ${userName}, relayed on NOTIFY` });
    };
    try {
      await publishedWithinSeconds('listen-before');
      for (let round = 1; round <= 2; round++) {
        const [old] = await waitFor(async () => {
          const l = await listeners();
          return l.length === 1 && l;
        }, { what: 'one LISTEN backend' });
        await sql(db.url, 'SELECT pg_terminate_backend($1)', [old.pid]);
        await waitFor(async () => {
          const l = await listeners();
          return l.length === 1 && l[0].pid !== old.pid;
        }, { timeoutMs: 15_000, what: `a new LISTEN backend after terminating ${old.pid}\n${notifyOnly.stderr()}` });
        await publishedWithinSeconds(`listen-after-${round}`);
      }
      // Every connection of the gateway at once (pool and listener): it still serves and relays.
      await sql(db.url, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
      await waitFor(async () => (await listeners()).length === 1, { timeoutMs: 15_000, what: 'LISTEN back after terminating all backends' });
      await waitFor(async () => (await scim.get('/Users?count=1')).status === 200, { timeoutMs: 10_000, what: 'gateway serving again' });
      await publishedWithinSeconds('listen-after-all');
    } finally {
      await reader.stop();
    }
  });
});
