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
  PATCH_OP,
  adminTenant,
  analyzeIdentityEvents,
  createUser,
  describeConsumerGroup,
  expectedEventIds,
  mapLimit,
  patchUser,
  sameTenantOn,
  sleepUntil,
  sql,
  unpublishedCount,
  type GroupMember,
} from './fault-helpers';

const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const USERS = 30;
const GROUPS = 4;
const MEMBER_OPS_PER_GROUP = 15; // 10 adds, 5 removes
const WRITES = 300; // 30 user creates + 4 group creates (2 members each) + 60 member changes + 206 user PATCHes
const PACE_MS = 120; // the paced part spans ~32 s, across the kills and rebalances
const PARTITIONS = 6;
const PARTITIONS_CONCURRENCY = 3; // WORKER_PARTITIONS_CONCURRENCY, set explicitly below

type Op = { kind: 'patch'; user: number } | { kind: 'add' | 'remove'; group: number; user: number };

// Two gateways (two relays) and two sync-workers in one consumer group, on one database and a
// 6-partition changes topic. Concurrent SCIM writes through both gateways while the workers are
// SIGTERMed, restarted and SIGKILLed (each a rebalance mid-stream). At the end the public stream
// holds each derived event of each outbox change (exactly once after dedupe by id; a re-send only
// for a record in flight at the SIGKILL, identical), in per-subject sequence order.
describe('two relays and two workers on 6 partitions', () => {
  let db: TestDatabase;
  let prefix: string;
  let brokers: string;
  let groupId: string;
  let changesTopic: string;
  let gwA: AppProcess;
  let gwB: AppProcess;
  let wA: AppProcess;
  let wB: AppProcess;
  let reader: OutputTopicsReader;
  let scimA: ScimClient & { tenantId: string };
  let scimB: ScimClient & { tenantId: string };

  before(async () => {
    brokers = testKafkaBrokers();
    db = await createTestDatabase('wtwo');
    prefix = uniqueTopicPrefix('wtwo');
    groupId = `${prefix}-worker`;
    changesTopic = topicName(TOPICS.scimChanges, prefix);
    const env = { DATABASE_URL: db.url, KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: prefix };
    const gatewayEnv = { ...env, ADMIN_API_TOKEN: ADMIN_TOKEN };
    const workerEnv = { ...env, WORKER_GROUP_ID: groupId, WORKER_PARTITIONS_CONCURRENCY: String(PARTITIONS_CONCURRENCY) };
    // The first gateway migrates the fresh database and creates the topics; the rest start together.
    gwA = await startAppProcess({ app: 'scim-gateway', name: 'gw-a', env: gatewayEnv, startTimeoutMs: 90_000 });
    [gwB, wA, wB] = await Promise.all([
      startAppProcess({ app: 'scim-gateway', name: 'gw-b', env: gatewayEnv, startTimeoutMs: 90_000 }),
      startAppProcess({ app: 'sync-worker', name: 'worker-a', env: workerEnv, startTimeoutMs: 90_000 }),
      startAppProcess({ app: 'sync-worker', name: 'worker-b', env: workerEnv, startTimeoutMs: 90_000 }),
    ]);
    reader = new OutputTopicsReader(new Kafka({ clientId: `${prefix}-test`, brokers: [brokers], logLevel: logLevel.NOTHING }), prefix);
    await reader.start();
    scimA = await adminTenant(gwA.url, 'wtwo');
    scimB = sameTenantOn(scimA, gwB.url);
  });

  after(async () => {
    await reader?.stop();
    await stopAllAppProcesses();
    await db?.drop();
  });

  const describeGroup = () => describeConsumerGroup(brokers, groupId, changesTopic);
  const showMembers = (members: GroupMember[]) => members.map((m) => `[${m.partitions.join(',')}]`).join(' ');

  /** Both workers in the group, each with partitions, all 6 covered. */
  async function twoMembersWithPartitions(what: string): Promise<GroupMember[]> {
    return waitFor(
      async () => {
        const { state, members } = await describeGroup();
        const covered = new Set(members.flatMap((m) => m.partitions));
        return state === 'Stable' && members.length === 2 && members.every((m) => m.partitions.length > 0) && covered.size === PARTITIONS ? members : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, what },
    );
  }

  it('every outbox change once per derived event id, per-subject order kept across rebalances; re-sends only from the SIGKILL, identical', { timeout: 200_000 }, async (t) => {
    const started = Date.now();
    const admin = new Kafka({ clientId: 'fault-test-admin', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const [meta] = (await admin.fetchTopicMetadata({ topics: [changesTopic] })).topics;
    await admin.disconnect();
    assert.equal(meta.partitions.length, PARTITIONS, 'the changes topic has 6 partitions');

    const initial = await twoMembersWithPartitions('both workers hold partitions');
    t.diagnostic(`group ${groupId}: 2 members ${showMembers(initial)}`);

    // Resources first (through both gateways), then the paced stream of changes.
    const users = await mapLimit(
      Array.from({ length: USERS }, (_, i) => i),
      6,
      (i) => createUser(i % 2 ? scimB : scimA, `wtwo-${i}`),
    );
    // Initial members 20+g; later adds come from users 0..19, ten distinct ones per group.
    const groups = await mapLimit(
      Array.from({ length: GROUPS }, (_, g) => g),
      GROUPS,
      async (g) => {
        const res = await (g % 2 ? scimB : scimA).post('/Groups', { schemas: [GROUP_SCHEMA], displayName: `wtwo-group-${g}`, members: [{ value: users[20 + g] }, { value: users[24 + g] }] });
        if (res.status !== 201) throw new Error(`create group ${g}: ${res.status} ${res.text}`);
        return String(res.body.id);
      },
    );
    const ops: Op[] = [];
    const groupOps = Array.from({ length: GROUPS }, (_, g) =>
      Array.from({ length: MEMBER_OPS_PER_GROUP }, (_, j): Op => {
        const added = (k: number) => (g * 5 + k) % 20;
        // add, add, remove the first of the two, add, add, remove, …
        return j % 3 === 2 ? { kind: 'remove', group: g, user: added(Math.floor(j / 3) * 2) } : { kind: 'add', group: g, user: added(Math.floor(j / 3) * 2 + (j % 3)) };
      }),
    );
    const patches = WRITES - USERS - GROUPS - GROUPS * MEMBER_OPS_PER_GROUP;
    for (let i = 0, next = Array<number>(GROUPS).fill(0); ops.length < patches + GROUPS * MEMBER_OPS_PER_GROUP; i++) {
      const g = i % 4 === 3 ? (i >> 2) % GROUPS : -1; // every fourth write a member change
      if (g >= 0 && next[g] < MEMBER_OPS_PER_GROUP) ops.push(groupOps[g][next[g]++]);
      else if (ops.filter((o) => o.kind === 'patch').length < patches) ops.push({ kind: 'patch', user: (i * 7) % USERS });
    }
    // A group's member changes run one after another (a remove follows its add); everything else concurrently.
    const groupChain = Array.from({ length: GROUPS }, () => Promise.resolve());
    let writesDone = USERS + GROUPS;
    const t0 = Date.now();
    const writer = mapLimit(ops, 8, async (op, i) => {
      await sleepUntil(t0 + i * PACE_MS);
      const via = i % 2 ? scimB : scimA;
      let status: number;
      if (op.kind === 'patch') {
        status = (await patchUser(via, users[op.user], i)).status;
      } else {
        const body =
          op.kind === 'add'
            ? { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: users[op.user] }] }] }
            : { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${users[op.user]}"]` }] };
        const run = groupChain[op.group].then(async () => (await via.patch(`/Groups/${groups[op.group]}`, body)).status);
        groupChain[op.group] = run.then(() => undefined);
        status = await run;
      }
      writesDone++;
      return status;
    });
    writer.catch(() => undefined); // awaited below

    // Rebalances mid-stream: worker A leaves cleanly (SIGTERM) and comes back; then worker B dies (SIGKILL) and comes back.
    await waitFor(() => writesDone >= 90 && reader.events().length >= 60, { timeoutMs: 90_000, what: 'the stream under way' });
    await wA.kill('SIGTERM');
    t.diagnostic(`${((Date.now() - started) / 1000).toFixed(1)} s: worker-a SIGTERMed after ${writesDone} writes, ${reader.events().length} events`);
    await waitFor(
      async () => {
        const { state, members } = await describeGroup();
        return state === 'Stable' && members.length === 1 && members[0].partitions.length === PARTITIONS;
      },
      { timeoutMs: 60_000, intervalMs: 300, what: 'worker-b takes all 6 partitions' },
    );
    await wA.start();
    const rejoined = await twoMembersWithPartitions('worker-a back in the group');
    t.diagnostic(`${((Date.now() - started) / 1000).toFixed(1)} s: worker-a restarted, ${writesDone} writes, members ${showMembers(rejoined)}`);
    await waitFor(() => writesDone >= Math.min(WRITES - 40, 210), { timeoutMs: 90_000, what: 'more writes' });
    const eventsAtKill = reader.events().length;
    await wB.kill('SIGKILL');
    t.diagnostic(`${((Date.now() - started) / 1000).toFixed(1)} s: worker-b SIGKILLed after ${writesDone} writes, ${eventsAtKill} events`);
    await wB.start();

    const statuses = await writer;
    assert.deepEqual(
      statuses.filter((s) => s !== 200 && s !== 204),
      [],
      'every write succeeds',
    );
    const final = await twoMembersWithPartitions('worker-b back in the group');
    t.diagnostic(`${((Date.now() - started) / 1000).toFixed(1)} s: all ${writesDone} writes done; members ${showMembers(final)}`);

    await waitFor(async () => (await unpublishedCount(db.url)) === 0, { timeoutMs: 60_000, what: 'outbox drained (both relays)' });
    const [outbox] = await sql<{ n: number; changes: number }>(db.url, `SELECT count(*)::int AS n, count(DISTINCT payload->>'changeId')::int AS changes FROM outbox`);
    assert.equal(outbox.changes, WRITES, 'one outbox change per write');
    const expected = await expectedEventIds(db.url);
    await waitFor(
      () => {
        const seen = new Set(reader.events().map((e) => e.ce.id));
        return expected.every((id) => seen.has(id));
      },
      { timeoutMs: 120_000, what: `all ${expected.length} derived events published` },
    );
    await new Promise((r) => setTimeout(r, 2_000)); // late duplicates would show up here
    const a = analyzeIdentityEvents(reader.events(), expected);
    t.diagnostic(`${outbox.changes} changes → ${expected.length} event ids; ${a.total} events read, ${a.distinct} distinct; total ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.deepEqual(a.missing, [], 'every derived event of every outbox change is on the stream');
    assert.deepEqual(a.unexpected, [], 'nothing but derived events');
    assert.equal(a.distinct, expected.length, 'deduped by ce_id, each derived event exactly once');
    assert.deepEqual(a.orderViolations, [], 'per-subject ce_sequence strictly increasing in partition order');
    // Clean leaves and joins (SIGTERM, restarts) re-send nothing. The one SIGKILL can land after Kafka
    // took a record's batch and before its ledger row (docs/ARCHITECTURE.md, "Offsets"): that record
    // is re-sent identically — at most one per partition worker-b was processing concurrently.
    t.diagnostic(`re-sent: ${a.duplicateIds.length ? a.duplicateIds.join(', ') : 'none'}`);
    assert.ok(a.duplicatedChanges.size <= PARTITIONS_CONCURRENCY, `at most ${PARTITIONS_CONCURRENCY} changes re-sent (in flight at the SIGKILL): ${a.duplicateIds.join(', ')}`);
    assert.deepEqual(a.differingDuplicates, [], 'a re-sent event is identical to the first copy (id, key, partition, headers, data)');
    assert.deepEqual(a.splitSubjects, [], 'one subject, one partition');
    const [ledger] = await sql<{ n: number }>(db.url, 'SELECT count(*)::int AS n FROM worker_processed_changes WHERE consumer_group = $1', [groupId]);
    assert.equal(ledger.n, WRITES, 'one ledger row per change');
  });
});
