import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { Client as PgClient } from 'pg';
import { TOPICS, topicName } from '@idsync/contracts';
import { createTestDatabase, testKafkaBrokers, uniqueTopicPrefix, waitFor, type TestDatabase } from '@idsync/testing';
import type { ScimClient } from '../scim/scim-harness';
import { startAppProcess, stopAllAppProcesses, type AppProcess } from '../support/app-process';
import {
  ADMIN_TOKEN,
  TopicCollector,
  adminTenant,
  analyzeChanges,
  createUser,
  mapLimit,
  patchUser,
  sameTenantOn,
  sql,
  unpublishedCount,
} from './fault-helpers';

const USERS = 20;
const PHASE1_WRITES = 300; // 20 creates + 280 PATCHes through both gateways
const PHASE2_PATCHES = 300;
// outbox-relay.ts's RELAY_LOCK_ID, as pg_locks shows a one-bigint advisory lock (objid = low 32 bits).
const RELAY_LOCK_OBJID = 0x1d5c_0001;

// Two gateway processes on one database run two relays; the advisory lock lets one publish at a
// time, so per-resource order holds whichever relay wins. SIGKILLing the relay that holds the lock
// mid-batch must lose nothing: the other one re-publishes the rolled-back batch. Records Kafka had
// already accepted from the dead relay are then on the topic twice — consumers (sync-worker)
// dedupe by changeId, which these checks do too, and their order is asserted after dedupe.
describe('two outbox relays on one database', () => {
  let db: TestDatabase;
  let prefix: string;
  let brokers: string;
  let gwA: AppProcess;
  let gwB: AppProcess;
  let reader: TopicCollector;
  let scimA: ScimClient & { tenantId: string };
  let scimB: ScimClient & { tenantId: string };
  let users: string[] = [];
  let patchNo = 0;

  // application_name tells the tests which gateway's connection holds the relay lock. A 10-minute
  // poll: rows reach Kafka within the tests' waits only by the wake-ups — a gateway's own commit,
  // and its NOTIFY to the other relay when that one holds the lock — so a row stranded behind the
  // other relay's batch fails the test instead of waiting for the poll.
  const gatewayEnv = (name: string) => ({
    DATABASE_URL: `${db.url}?application_name=${name}`,
    OUTBOX_POLL_MS: '600000',
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_PREFIX: prefix,
    ADMIN_API_TOKEN: ADMIN_TOKEN,
  });

  before(async () => {
    brokers = testKafkaBrokers();
    db = await createTestDatabase('relays');
    prefix = uniqueTopicPrefix('relays');
    gwA = await startAppProcess({ app: 'scim-gateway', name: 'gw-a', env: gatewayEnv('gw-a') });
    gwB = await startAppProcess({ app: 'scim-gateway', name: 'gw-b', env: gatewayEnv('gw-b') });
    scimA = await adminTenant(gwA.url, 'relays');
    scimB = sameTenantOn(scimA, gwB.url);
    reader = await new TopicCollector(brokers, topicName(TOPICS.scimChanges, prefix)).start();
  });

  after(async () => {
    await reader?.stop();
    await stopAllAppProcesses();
    await db?.drop();
  });

  /** Every outbox row is on the topic (nothing lost, nothing foreign); returns the analysis of our records. */
  async function checkTopicAgainstOutbox(label: string) {
    await waitFor(async () => (await unpublishedCount(db.url)) === 0, { timeoutMs: 60_000, what: `${label}: outbox drained` });
    const outbox = await sql<{ change_id: string }>(db.url, `SELECT payload->>'changeId' AS change_id FROM outbox`);
    const expected = new Set(outbox.map((r) => r.change_id));
    await waitFor(() => reader.distinctChangeIds() >= expected.size, { timeoutMs: 30_000, what: `${label}: ${expected.size} changes on the topic` });
    await new Promise((r) => setTimeout(r, 1_500)); // late duplicates would show up here
    const onTopic = new Set(reader.records.map((r) => r.change.changeId));
    assert.deepEqual([...expected].filter((id) => !onTopic.has(id)), [], `${label}: every committed change is on the topic`);
    assert.deepEqual([...onTopic].filter((id) => !expected.has(id)), [], `${label}: nothing but committed changes is on the topic`);
    const a = analyzeChanges(reader.records);
    assert.deepEqual(a.orderViolations, [], `${label}: versions strictly increase per resource (after dedupe by changeId)`);
    assert.deepEqual(a.splitResources, [], `${label}: one resource, one partition`);
    // Nothing lost also means no version gap per resource.
    for (const id of users) {
      const versions = [...new Set(reader.records.filter((r) => r.change.resourceId === id).map((r) => r.change.version))];
      assert.deepEqual(versions, Array.from({ length: versions.length }, (_, i) => i + 1), `${label}: user ${id} has every version once, in order`);
    }
    return { ...a, outboxRows: expected.size };
  }

  it('publishes concurrent writes through both gateways exactly once, in per-resource order', { timeout: 180_000 }, async () => {
    const admin = new Kafka({ clientId: 'fault-test-admin', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const [meta] = (await admin.fetchTopicMetadata({ topics: [topicName(TOPICS.scimChanges, prefix)] })).topics;
    await admin.disconnect();
    assert.equal(meta.partitions.length, 6, 'the changes topic has 6 partitions');

    users = await mapLimit(
      Array.from({ length: USERS }, (_, i) => i),
      8,
      (i) => createUser(i % 2 ? scimB : scimA, `relay-${i}`),
    );
    // The same users through both gateways at once: each PATCH waits for the row lock, versions interleave across replicas.
    const plan = Array.from({ length: PHASE1_WRITES - USERS }, (_, i) => ({ user: users[i % USERS], via: (i * 7) % 3 === 0 ? scimB : scimA }));
    const statuses = await mapLimit(plan, 16, async ({ user, via }) => (await patchUser(via, user, ++patchNo)).status);
    assert.deepEqual(
      statuses.filter((s) => s !== 200),
      [],
      'every PATCH succeeds',
    );
    const a = await checkTopicAgainstOutbox('phase 1');
    assert.equal(a.outboxRows, PHASE1_WRITES);
    assert.equal(a.distinct, PHASE1_WRITES);
    assert.equal(a.duplicates, 0, 'no relay died: no change is published twice');
  });

  it('loses nothing when the gateway holding the relay lock is SIGKILLed mid-stream', { timeout: 180_000 }, async () => {
    const before = reader.records.length;
    const watcher = new PgClient({ connectionString: db.url });
    await watcher.connect();
    let done = 0;
    let killedHoldingLock: boolean | undefined;
    let rerouted = 0;
    const lockHolder = async () =>
      (
        await watcher.query<{ application_name: string }>(
          `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objid = $1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          [RELAY_LOCK_OBJID],
        )
      ).rows[0]?.application_name;
    // Kill gw-b the moment its relay holds the lock (inside a publish transaction) once the stream is under way;
    // if that moment never comes, kill it a third of the way through anyway.
    const killer = (async () => {
      while (done < PHASE2_PATCHES / 3) {
        if (done >= PHASE2_PATCHES / 10 && (await lockHolder()) === 'gw-b') {
          await gwB.kill('SIGKILL');
          killedHoldingLock = true;
          return;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
      await gwB.kill('SIGKILL');
      killedHoldingLock = false;
    })();
    const statuses = await mapLimit(
      Array.from({ length: PHASE2_PATCHES }, (_, i) => i),
      12,
      async (i) => {
        const user = users[i % USERS];
        const n = ++patchNo;
        let status: number;
        if (i % 2 && gwB.running) {
          // A request cut by the kill may or may not have committed: the outbox, not the response, is the truth.
          status = await patchUser(scimB, user, n).then(
            (r) => r.status,
            () => -1,
          );
          if (status === -1) {
            rerouted++;
            status = (await patchUser(scimA, user, n)).status;
          }
        } else {
          status = (await patchUser(scimA, user, n)).status;
        }
        done++;
        return status;
      },
    );
    await killer;
    await watcher.end();
    assert.ok(!gwB.running, 'gw-b was killed');
    assert.deepEqual(
      statuses.filter((s) => s !== 200),
      [],
      'every PATCH succeeds (through gw-a once gw-b is gone)',
    );
    const a = await checkTopicAgainstOutbox('phase 2');
    const resent = new Set<string>();
    const seen = new Set<string>();
    for (const r of reader.records.slice(before)) {
      if (seen.has(r.change.changeId)) resent.add(r.change.changeId);
      seen.add(r.change.changeId);
    }
    process.stderr.write(
      `[two-relays] gw-b SIGKILLed ${killedHoldingLock ? 'while holding the relay lock' : 'between batches'} after ${PHASE2_PATCHES / 10}+ writes; ` +
        `${rerouted} cut requests re-sent via gw-a; outbox rows ${a.outboxRows}, records ${a.total}, distinct ${a.distinct}, re-published duplicates ${a.duplicates}\n`,
    );
    assert.equal(a.distinct, a.outboxRows, 'each committed change is on the topic');
    assert.ok(a.outboxRows >= PHASE1_WRITES + PHASE2_PATCHES, 'at least every acknowledged write is in the outbox');
    // Duplicates can only be a replay of the batch gw-b had in flight (at most one OUTBOX_BATCH_SIZE).
    assert.ok(a.duplicates <= 500, `duplicates (${a.duplicates}) are at most one re-sent batch`);
    assert.equal(resent.size, a.duplicates, 'each duplicate is a single re-send');
  });

  it('a restarted replica rejoins: both relays again, nothing new duplicated', { timeout: 120_000 }, async () => {
    const duplicatesBefore = analyzeChanges(reader.records).duplicates;
    await gwB.restart('SIGKILL'); // already dead: starts it again on the same port
    const statuses = await mapLimit(
      Array.from({ length: 60 }, (_, i) => i),
      8,
      async (i) => (await patchUser(i % 2 ? scimB : scimA, users[i % USERS], ++patchNo)).status,
    );
    assert.deepEqual(
      statuses.filter((s) => s !== 200),
      [],
      'writes through the restarted gw-b and gw-a succeed',
    );
    const a = await checkTopicAgainstOutbox('after restart');
    assert.equal(a.duplicates, duplicatesBefore, 'no further duplicates once both relays run cleanly');
  });

  it('wakes its relay without a NOTIFY per write; NOTIFYs the lock holder only when another relay holds the lock', { timeout: 60_000 }, async () => {
    const listener = new PgClient({ connectionString: db.url });
    await listener.connect();
    const notifications: string[] = [];
    listener.on('notification', (n) => notifications.push(n.payload ?? ''));
    await listener.query('LISTEN idsync_outbox');
    const holder = new PgClient({ connectionString: db.url });
    await holder.connect();
    try {
      // gw-b's relay is idle (10-minute poll, nothing NOTIFYs it): gw-a's relay always gets the lock.
      for (let i = 0; i < 20; i++) assert.equal((await patchUser(scimA, users[i % USERS], ++patchNo)).status, 200);
      await waitFor(async () => (await unpublishedCount(db.url)) === 0, { timeoutMs: 10_000, what: 'writes through gw-a relayed by its own wake-up' });
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(notifications, [], 'no NOTIFY: neither in the write transactions nor from a relay that got the lock');

      // Another relay mid-batch: the lock is held when gw-a's relay wakes after its commit.
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1::bigint)', [RELAY_LOCK_OBJID]);
      assert.equal((await patchUser(scimA, users[0], ++patchNo)).status, 200);
      await waitFor(() => notifications.length > 0, { timeoutMs: 5_000, what: "gw-a's relay NOTIFYing the lock holder" });
      assert.ok(
        notifications.every((p) => p !== ''),
        'sent by a relay (its instance id as payload), outside the write transaction',
      );
      assert.equal(await unpublishedCount(db.url), 1, 'the row waits while the lock is held');
      await holder.query('ROLLBACK');
      // A real holder drains again on that NOTIFY; here the next write's wake-up publishes both rows.
      assert.equal((await patchUser(scimA, users[1], ++patchNo)).status, 200);
      await waitFor(async () => (await unpublishedCount(db.url)) === 0, { timeoutMs: 10_000, what: 'outbox drained once the lock is free' });
    } finally {
      await holder.end();
      await listener.end();
    }
  });
});
