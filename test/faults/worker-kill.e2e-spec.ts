import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { TOPICS, topicName } from '@idsync/contracts';
import { createTestDatabase, testKafkaBrokers, uniqueTopicPrefix, waitFor, type TestDatabase } from '@idsync/testing';
import { OutputTopicsReader } from '../pipeline/pipeline-harness';
import type { ScimClient } from '../scim/scim-harness';
import { startAppProcess, stopAllAppProcesses, type AppProcess } from '../support/app-process';
import {
  ADMIN_TOKEN,
  TopicCollector,
  adminTenant,
  analyzeIdentityEvents,
  committedOffsets,
  createUser,
  expectedEventIds,
  mapLimit,
  patchUser,
  sleepUntil,
  sql,
  unpublishedCount,
} from './fault-helpers';

const USERS = 20;
const WRITES = 150; // 20 creates + 130 PATCHes, one change (and one public event) each
const PATCH_PACE_MS = 350; // the PATCHes span ~45 s: the stream keeps coming across the kills
const MIN_KILLS = 2;
const MAX_KILLS = 3;
const PARTITIONS_CONCURRENCY = 6; // WORKER_PARTITIONS_CONCURRENCY (set below): at most this many records in flight at a kill

interface KillReport {
  kill: number;
  publishedChanges: number;
  committed: string;
  /** Published changes whose input record is at or after the group's committed offset. */
  beyondCommit: number;
  /** ...of which the ledger already had (complete effect, offset not committed): redelivered, must be skipped. */
  ledgerBeyondCommit: number;
  completedBeyondCommit: string[];
  /** ...published but not yet in the ledger: killed mid-effect; redelivery re-sends the identical events. */
  inFlight: string[];
}

// One gateway and one sync-worker as child processes. The worker is SIGKILLed while it is working
// through the stream, so some records have their effect (events, current state, ledger row) but
// not their offset commit (kafkajs commits after each fetched batch). The restarted worker gets
// them again and must change nothing twice: no event of theirs is published again, every event id
// is on the stream (once, deduped by id), per-subject order holds and the compacted users topic
// ends equal to the gateway's state. A kill can also land mid-effect (Kafka took the batch, the
// ledger row is not written): that record's events are re-sent identically — checked, bounded.
describe('sync-worker SIGKILLed between effect and offset commit', () => {
  let db: TestDatabase;
  let prefix: string;
  let brokers: string;
  let groupId: string;
  let changesTopic: string;
  let gateway: AppProcess;
  let worker: AppProcess;
  let reader: OutputTopicsReader;
  let changes: TopicCollector;
  let scim: ScimClient & { tenantId: string };

  before(async () => {
    brokers = testKafkaBrokers();
    db = await createTestDatabase('wkill');
    prefix = uniqueTopicPrefix('wkill');
    groupId = `${prefix}-worker`;
    changesTopic = topicName(TOPICS.scimChanges, prefix);
    const env = { DATABASE_URL: db.url, KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: prefix };
    gateway = await startAppProcess({ app: 'scim-gateway', name: 'gateway', env: { ...env, ADMIN_API_TOKEN: ADMIN_TOKEN } });
    worker = await startAppProcess({ app: 'sync-worker', name: 'worker', env: { ...env, WORKER_GROUP_ID: groupId, WORKER_PARTITIONS_CONCURRENCY: String(PARTITIONS_CONCURRENCY) } });
    reader = new OutputTopicsReader(new Kafka({ clientId: `${prefix}-test`, brokers: [brokers], logLevel: logLevel.NOTHING }), prefix);
    await reader.start();
    changes = await new TopicCollector(brokers, changesTopic).start();
    scim = await adminTenant(gateway.url, 'wkill');
  });

  after(async () => {
    await reader?.stop();
    await changes?.stop();
    await stopAllAppProcesses();
    await db?.drop();
  });

  const publishedChangeIds = () => new Set(reader.events().map((e) => e.ce.changeid));

  /** Waits until the reader has seen everything on the output topics (nothing new for 1.5 s). */
  async function readerSettled(): Promise<void> {
    let last = -1;
    let stableSince = Date.now();
    await waitFor(
      () => {
        if (reader.records.length !== last) {
          last = reader.records.length;
          stableSince = Date.now();
        }
        return Date.now() - stableSince >= 1_500;
      },
      { timeoutMs: 30_000, what: 'the output topics read to their end' },
    );
  }

  /** With the worker dead: which published changes' input records lie at or after the committed offset? */
  async function effectsBeyondCommit(kill: number): Promise<KillReport> {
    await readerSettled();
    const published = publishedChangeIds();
    await waitFor(() => [...published].every((id) => changes.records.some((r) => r.change.changeId === id)), {
      timeoutMs: 30_000,
      what: 'the input record of every published change read',
    });
    const committed = await committedOffsets(brokers, groupId, changesTopic);
    const floor = (p: number) => {
      const c = committed.get(p) ?? -1n;
      return c < 0n ? 0n : c; // nothing committed yet: every record of the partition is beyond
    };
    const beyond = changes.records.filter((r) => published.has(r.change.changeId) && BigInt(r.offset) >= floor(r.partition));
    const ledger = await sql<{ change_id: string; source_partition: number; source_offset: string }>(
      db.url,
      'SELECT change_id, source_partition, source_offset::text FROM worker_processed_changes WHERE consumer_group = $1',
      [groupId],
    );
    const inLedger = new Set(ledger.map((r) => r.change_id));
    const completedBeyondCommit = ledger.filter((r) => BigInt(r.source_offset) >= floor(r.source_partition)).map((r) => r.change_id);
    return {
      kill,
      publishedChanges: published.size,
      committed: [...committed].map(([p, o]) => `p${p}@${o}`).join(' '),
      beyondCommit: beyond.length,
      ledgerBeyondCommit: completedBeyondCommit.length,
      completedBeyondCommit,
      inFlight: beyond.map((r) => r.change.changeId).filter((id) => !inLedger.has(id)),
    };
  }

  async function duplicatesSkipped(): Promise<number> {
    const text = await fetch(`${worker.url}/metrics`).then((r) => r.text());
    const m = /^idsync_worker_changes_total\{outcome="duplicate"\} (\d+)/m.exec(text);
    return m ? Number(m[1]) : 0;
  }

  it('a record killed between effect and offset commit is not published again; per-subject order kept; compacted users = SCIM state', { timeout: 170_000 }, async (t) => {
    const started = Date.now();
    let writesDone = 0;
    const writer = (async () => {
      const ids = await mapLimit(
        Array.from({ length: USERS }, (_, i) => i),
        4,
        (i) => createUser(scim, `wkill-${i}`),
      );
      writesDone += USERS;
      const t0 = Date.now();
      const statuses = await mapLimit(
        Array.from({ length: WRITES - USERS }, (_, i) => i),
        4,
        async (i) => {
          await sleepUntil(t0 + i * PATCH_PACE_MS);
          const status = (await patchUser(scim, ids[i % USERS], i)).status;
          writesDone++;
          return status;
        },
      );
      return { ids, statuses };
    })();
    // Unhandled until awaited below; keep a rejection from crashing the runner meanwhile.
    writer.catch(() => undefined);

    const kills: KillReport[] = [];
    for (let k = 1; k <= MAX_KILLS; k++) {
      const base = publishedChangeIds().size;
      const target = k === 1 ? 20 : base + 5;
      const midStream = await waitFor(
        () => {
          const n = publishedChangeIds().size;
          if (n >= target && n < WRITES) return 'mid-stream';
          if (n >= WRITES) return 'stream over';
          return undefined;
        },
        { timeoutMs: 90_000, what: `kill ${k}: more events published (≥ ${target})` },
      );
      if (midStream === 'stream over') break;
      await worker.kill('SIGKILL');
      const report = await effectsBeyondCommit(k);
      kills.push(report);
      t.diagnostic(
        `kill ${k} at ${((Date.now() - started) / 1000).toFixed(1)} s, ${writesDone}/${WRITES} writes done: ${report.publishedChanges} changes published, ` +
          `committed ${report.committed || '(none)'}; ${report.beyondCommit} published beyond the committed offset (${report.ledgerBeyondCommit} in the ledger, ${report.inFlight.length} mid-effect)`,
      );
      await worker.start();
      if (report.ledgerBeyondCommit > 0) {
        // The redelivered records come back to the new process and are skipped by the ledger.
        await waitFor(async () => (await duplicatesSkipped()) >= report.ledgerBeyondCommit, {
          timeoutMs: 90_000,
          what: `kill ${k}: the restarted worker skips the ${report.ledgerBeyondCommit} redelivered records`,
        });
      }
      if (k >= MIN_KILLS && kills.some((r) => r.ledgerBeyondCommit > 0)) break;
    }
    assert.ok(kills.length >= 1, 'the worker was killed mid-stream');
    assert.ok(
      kills.some((r) => r.ledgerBeyondCommit > 0),
      `a kill landed between effect and offset commit (effects beyond the committed offset): ${JSON.stringify(kills)}`,
    );

    const { ids, statuses } = await writer;
    assert.deepEqual(
      statuses.filter((s) => s !== 200),
      [],
      'every PATCH succeeds',
    );
    await waitFor(async () => (await unpublishedCount(db.url)) === 0, { timeoutMs: 60_000, what: 'outbox drained' });
    const expected = await expectedEventIds(db.url);
    assert.equal(expected.length, WRITES, 'one public event per write');
    await waitFor(() => expected.every((id) => reader.events().some((e) => e.ce.id === id)), { timeoutMs: 120_000, what: `all ${expected.length} events published` });
    await readerSettled(); // late duplicates would show up here
    const a = analyzeIdentityEvents(reader.events(), expected);
    t.diagnostic(`${kills.length} kills; ${a.total} events read, ${a.distinct} distinct; total ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.deepEqual(a.missing, [], 'every change has its events');
    assert.deepEqual(a.unexpected, [], 'nothing but the changes’ events');
    assert.equal(a.distinct, WRITES, 'deduped by ce_id, each change’s event exactly once');
    assert.deepEqual(a.orderViolations, [], 'per-subject ce_sequence strictly increasing in partition order');
    assert.deepEqual(a.splitSubjects, [], 'one subject, one partition');
    // The scenario under test: effect complete (ledger row) but offset not committed at the kill.
    // Those records were redelivered and must not have been published again.
    const completed = kills.flatMap((r) => r.completedBeyondCommit);
    assert.deepEqual(
      completed.filter((id) => a.duplicatedChanges.has(id)),
      [],
      `no duplicate effect for the ${completed.length} records killed between effect and offset commit`,
    );
    // The one window the ledger cannot close (docs/ARCHITECTURE.md, "Offsets"): killed after Kafka
    // took the batch and before the ledger row. Redelivery re-sends the identical events (same
    // ce_id), at most one record per partition being processed; consumers dedupe on ce_id.
    const inFlight = new Set(kills.flatMap((r) => r.inFlight));
    t.diagnostic(`re-sent: ${a.duplicateIds.length ? a.duplicateIds.join(', ') : 'none'}; in flight at a kill: ${inFlight.size}`);
    assert.deepEqual(
      [...a.duplicatedChanges].filter((id) => !inFlight.has(id)),
      [],
      'only a change killed mid-effect (published, not yet in the ledger) is re-sent',
    );
    for (const r of kills) assert.ok(r.inFlight.length <= PARTITIONS_CONCURRENCY, `kill ${r.kill}: at most one record per concurrently processed partition in flight`);
    assert.deepEqual(a.differingDuplicates, [], 'a re-sent event is identical to the first copy (id, key, partition, headers, data)');

    const [ledger] = await sql<{ n: number }>(db.url, 'SELECT count(*)::int AS n FROM worker_processed_changes WHERE consumer_group = $1', [groupId]);
    assert.equal(ledger.n, WRITES, 'one ledger row per change');

    // Compacted current state: per key the last record (one key, one partition, read in order) is the SCIM resource.
    const latest = new Map<string, string | null>();
    for (const r of reader.on(TOPICS.users)) if (r.key) latest.set(r.key, r.value);
    assert.equal(latest.size, USERS, 'one key per user');
    for (const id of ids) {
      const res = await scim.get(`/Users/${id}`);
      assert.equal(res.status, 200);
      const value = latest.get(`${scim.tenantId}:${id}`);
      assert.ok(value, `user ${id} has a current-state record`);
      assert.deepEqual(JSON.parse(value) as unknown, res.body, `user ${id}: compacted value = GET /Users/${id}`);
    }
  });
});
