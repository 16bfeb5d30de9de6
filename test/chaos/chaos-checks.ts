// The end-of-run checks of a chaos run: after a bounded drain, the gateway's database, the Kafka
// topics (read from the beginning to their end with a fresh consumer) and what each webhook
// receiver stored are compared. Every check yields one table row: ok, a figure, and a detail.
import type { Kafka } from 'kafkajs';
import { Client as PgClient } from 'pg';
import { AuditChainVerifier } from '@idsync/audit';
import { TOPICS, deriveIdentityEvents, oktaHookRecordId, oktaMappingOf, oktaUserOf, topicName, type OktaHookEventRecord, type ScimChangeRecord } from '@idsync/contracts';
import { readTopicRange } from '@idsync/platform';
import { waitFor } from '@idsync/testing';
import { analyzeIdentityEvents, sql } from '../faults/fault-helpers';
import type { ReadIdentityEvent, ReadRecord } from '../pipeline/pipeline-harness';
import type { ChaosStack } from './chaos-stack';
import type { OktaEventHookGenerator } from './okta-event-hooks';
import type { OktaWorkload } from './okta-workload';

export interface CheckRow {
  check: string;
  ok: boolean;
  figures: string;
  detail: string;
}

export interface DrainState {
  unpublishedOutbox: number;
  workerLag: number;
  webhookLag: number;
  pendingDeliveries: number;
}

/** Sum over partitions of (end offset − committed offset) of a consumer group on a topic. */
async function groupLag(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const at = new Map(committed.partitions.map((p) => [p.partition, BigInt(p.offset)]));
    let lag = 0n;
    for (const p of ends) {
      const c = at.get(p.partition) ?? -1n;
      const high = BigInt(p.high);
      const low = BigInt(p.low);
      lag += high - (c < 0n ? low : c);
    }
    return Number(lag);
  } finally {
    await admin.disconnect();
  }
}

export async function drainState(stack: ChaosStack, kafka: Kafka): Promise<DrainState> {
  const [outbox] = await sql<{ n: number }>(stack.db.url, 'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
  const [pending] = await sql<{ n: number }>(stack.db.url, `SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'pending'`);
  return {
    unpublishedOutbox: outbox.n,
    // The worker's one consumer group reads SCIM changes and Okta Event Hook records.
    workerLag: (await groupLag(kafka, stack.workerGroup, topicName(TOPICS.scimChanges, stack.prefix))) + (await groupLag(kafka, stack.workerGroup, topicName(TOPICS.oktaEvents, stack.prefix))),
    webhookLag: await groupLag(kafka, stack.webhookGroup, topicName(TOPICS.identityEvents, stack.prefix)),
    pendingDeliveries: pending.n,
  };
}

/** Waits (bounded) until the outbox is published, both groups have consumed everything and no delivery is pending. */
export async function waitForDrain(stack: ChaosStack, kafka: Kafka, timeoutMs: number, log: (line: string) => void): Promise<{ drained: boolean; state: DrainState; ms: number }> {
  const t0 = Date.now();
  let state: DrainState = { unpublishedOutbox: -1, workerLag: -1, webhookLag: -1, pendingDeliveries: -1 };
  let lastLog = 0;
  try {
    await waitFor(
      async () => {
        state = await drainState(stack, kafka).catch(() => state);
        if (Date.now() - lastLog > 10_000) {
          lastLog = Date.now();
          log(`drain: ${JSON.stringify(state)}`);
        }
        return state.unpublishedOutbox === 0 && state.workerLag === 0 && state.webhookLag === 0 && state.pendingDeliveries === 0;
      },
      { timeoutMs, intervalMs: 1_000, what: 'the system to drain' },
    );
    return { drained: true, state, ms: Date.now() - t0 };
  } catch {
    return { drained: false, state, ms: Date.now() - t0 };
  }
}

/** Every record of `topic`, from the beginning to the end offsets at the time of the call (readTopicRange), as text. */
export async function readTopicToEnd(kafka: Kafka, topic: string, timeoutMs = 180_000): Promise<ReadRecord[]> {
  const records = await readTopicRange(kafka, [topic], { groupIdPrefix: 'chaos-check', timeoutMs });
  return records
    .map((r) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.headers ?? {})) {
        const one = Array.isArray(v) ? v[0] : v;
        if (one !== undefined) headers[k] = one.toString();
      }
      return { topic, partition: r.partition, offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null, headers };
    })
    .sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

function asIdentityEvent(r: ReadRecord): ReadIdentityEvent {
  const ce = Object.fromEntries(Object.entries(r.headers).filter(([k]) => k.startsWith('ce_')).map(([k, v]) => [k.slice(3), v]));
  return { ...r, ce, data: JSON.parse(r.value ?? 'null') as Record<string, unknown> };
}

/** Standard subscription matching (docs/WEBHOOKS.md): exact, `prefix.*` (any depth) or `*`. */
export function eventTypeMatches(patterns: string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

const sample = (items: string[], n = 5) => (items.length ? `${items.slice(0, n).join('; ')}${items.length > n ? ` … (+${items.length - n})` : ''}` : '');

interface OutboxRow<T> {
  id: string;
  payload: T;
}

/** Runs every check; the caller has drained the system first. */
export async function runChecks(stack: ChaosStack, workload: OktaWorkload, hooks: OktaEventHookGenerator, kafka: Kafka, drain: { drained: boolean; state: DrainState; ms: number }): Promise<CheckRow[]> {
  const rows: CheckRow[] = [];
  const add = (check: string, ok: boolean, figures: string, detail = '') => rows.push({ check, ok, figures, detail });
  const t = workload.tally;

  add(
    'drain (bounded wait)',
    drain.drained,
    `${(drain.ms / 1000).toFixed(1)} s`,
    drain.drained ? 'outbox published, both consumer groups at the end, no delivery pending' : `not drained: ${JSON.stringify(drain.state)}`,
  );
  const giveUps = t.gaveUp;
  // The workload must have done its job: most operations accepted, few given up after all retries.
  const progressed = workload.accepted.length > 0 && t.gaveUp <= Math.max(3, 0.05 * t.requests);
  add(
    'SCIM workload',
    t.unexpectedCount === 0 && progressed,
    `${t.requests} requests, ${t.attempts} attempts, ${workload.accepted.length} accepted writes`,
    `final statuses ${JSON.stringify(t.statuses)}; retried ${JSON.stringify(t.retried)}; gave up ${giveUps}; re-sent ${JSON.stringify(t.resent)}; skipped ticks ${t.skippedTicks}` +
      (t.unexpectedCount ? `; UNEXPECTED ${t.unexpectedCount}: ${sample(t.unexpected)}` : '') +
      (progressed ? '' : `; NO PROGRESS (no-response errors: ${sample(t.noResponseErrors)})`),
  );

  // ---- the gateway's database ----
  // The outbox carries SCIM changes and accepted Okta Event Hook events (each for its own topic).
  const outbox = await sql<OutboxRow<ScimChangeRecord>>(stack.db.url, `SELECT id::text, payload FROM outbox WHERE topic LIKE '%' || $1 ORDER BY id`, [TOPICS.scimChanges]);
  const oktaOutbox = await sql<OutboxRow<OktaHookEventRecord>>(stack.db.url, `SELECT id::text, payload FROM outbox WHERE topic LIKE '%' || $1 ORDER BY id`, [TOPICS.oktaEvents]);
  const changes = outbox.map((r) => r.payload);
  const byVersion = new Map<string, ScimChangeRecord[]>();
  for (const c of changes) {
    const k = `${c.resourceId}:${c.version}`;
    byVersion.set(k, [...(byVersion.get(k) ?? []), c]);
  }
  const deleted = new Set(changes.filter((c) => c.operation === 'delete').map((c) => c.resourceId));

  // Accepted → committed.
  const notCommitted: string[] = [];
  const acceptedChanges = new Set<string>();
  for (const a of workload.accepted) {
    if (a.version === null) {
      const del = changes.find((c) => c.resourceId === a.resourceId && c.operation === 'delete');
      if (del) acceptedChanges.add(del.changeId);
      else notCommitted.push(`${a.operation} ${a.resourceType}/${a.resourceId}`);
      continue;
    }
    const found = byVersion.get(`${a.resourceId}:${a.version}`);
    if (found) acceptedChanges.add(found[0].changeId);
    else notCommitted.push(`${a.operation} ${a.resourceType}/${a.resourceId} v${a.version}`);
  }
  add('accepted writes committed (outbox)', notCommitted.length === 0, `${workload.accepted.length - notCommitted.length}/${workload.accepted.length}`, sample(notCommitted));

  // ---- the public stream ----
  const eventsTopic = topicName(TOPICS.identityEvents, stack.prefix);
  const allEvents = (await readTopicToEnd(kafka, eventsTopic)).map(asIdentityEvent);
  const isOkta = (e: ReadIdentityEvent) => e.ce.changeid?.startsWith('okta:');
  const events = allEvents.filter((e) => !isOkta(e));
  const expectedIds = changes.flatMap((c) => deriveIdentityEvents(c).map((e) => e.id));
  const a = analyzeIdentityEvents(events, expectedIds);
  const onStream = new Set(allEvents.map((e) => e.ce.id));
  const acceptedMissing = changes.filter((c) => acceptedChanges.has(c.changeId)).flatMap((c) => deriveIdentityEvents(c).map((e) => e.id)).filter((id) => !onStream.has(id));
  add('accepted changes on the public stream', acceptedMissing.length === 0, `${acceptedChanges.size} changes, ${acceptedMissing.length} events missing`, sample(acceptedMissing));
  add(
    'every committed change exactly once (by event id)',
    a.missing.length === 0 && a.unexpected.length === 0 && a.distinct === expectedIds.length,
    `${changes.length} changes → ${expectedIds.length} event ids; ${a.total} records, ${a.distinct} distinct`,
    [a.missing.length ? `missing ${a.missing.length}: ${sample(a.missing)}` : '', a.unexpected.length ? `foreign ${a.unexpected.length}: ${sample(a.unexpected)}` : ''].filter(Boolean).join('; '),
  );
  add(
    'redeliveries on the stream (identical)',
    a.differingDuplicates.length === 0,
    `${a.total - a.distinct} extra copies of ${a.duplicatedChanges.size} changes`,
    a.differingDuplicates.length
      ? `DIFFERING: ${sample(a.differingDuplicates)}`
      : 'each a byte-identical re-send (a worker killed between its publish and its ledger row, or a relay between Kafka ack and commit): consumers drop them by ce_id',
  );
  add('per-resource order (ce_sequence)', a.orderViolations.length === 0 && a.splitSubjects.length === 0, `${new Set(events.map((e) => e.key)).size} subjects`, sample([...a.orderViolations, ...a.splitSubjects.map((s) => `split ${s}`)]));

  // ---- Okta Event Hook events: each accepted uuid once on the stream (no ce_sequence: not versions) ----
  const oktaEvents = allEvents.filter(isOkta);
  const oktaExpected = oktaOutbox.filter((r) => oktaMappingOf(r.payload.event.eventType) && oktaUserOf(r.payload.event)).map((r) => `${r.payload.recordId}:0`);
  const o = analyzeIdentityEvents(oktaEvents, oktaExpected);
  const storedUuids = new Set(oktaOutbox.map((r) => r.payload.recordId));
  const hookNotStored = hooks.accepted.filter((h) => !storedUuids.has(oktaHookRecordId(h.tenantId, h.uuid))).map((h) => h.uuid);
  const hookMissing = hooks.accepted.map((h) => `${oktaHookRecordId(h.tenantId, h.uuid)}:0`).filter((id) => !onStream.has(id));
  const oktaRecordTwice = oktaOutbox.length - storedUuids.size;
  add(
    'accepted Okta Event Hook events on the stream',
    hookNotStored.length === 0 && hookMissing.length === 0 && o.missing.length === 0 && o.unexpected.length === 0 && o.differingDuplicates.length === 0,
    `${hooks.accepted.length} accepted (${hooks.resentDeliveries} deliveries re-sent), ${storedUuids.size} stored, ${o.distinct} distinct events, ${o.total - o.distinct} redeliveries`,
    [
      hookNotStored.length ? `NOT STORED ${sample(hookNotStored)}` : '',
      hookMissing.length ? `MISSING ${sample(hookMissing)}` : '',
      o.missing.length ? `stored but not published ${sample(o.missing)}` : '',
      o.unexpected.length ? `FOREIGN ${sample(o.unexpected)}` : '',
      o.differingDuplicates.length ? `DIFFERING ${sample(o.differingDuplicates)}` : '',
    ]
      .filter(Boolean)
      .join('; '),
  );

  // ---- duplicate effects ----
  const sameVersionTwice = [...byVersion].filter(([, cs]) => cs.length > 1).map(([k]) => k);
  const noopPatches = changes.filter((c) => c.operation === 'patch' && c.changedAttributes.length === 0).map((c) => c.changeId);
  const noopPuts = changes.filter((c) => c.operation === 'replace' && c.changedAttributes.length === 0).length;
  const resentPuts = t.resent['user.put'] ?? 0;
  const dupGroups = await sql<{ name: string; n: number }>(
    stack.db.url,
    `SELECT tenant_id || '/' || display_name AS name, count(*)::int AS n FROM scim_resources WHERE resource_type = 'Group' GROUP BY tenant_id, lower(display_name), tenant_id || '/' || display_name HAVING count(*) > 1`,
  );
  // Changes no 2xx acknowledged: a commit whose answer was lost at a kill (the retry then finds it
  // applied), or a group's member removal that a user's DELETE caused in the same transaction.
  const cascade = (c: ScimChangeRecord) =>
    c.resourceType === 'Group' && c.operation === 'patch' && (c.previous?.memberIds ?? []).some((id) => deleted.has(id) && !((c.resource?.members as { value: string }[] | undefined) ?? []).some((m) => m.value === id));
  const unacknowledged = changes.filter((c) => !acceptedChanges.has(c.changeId) && !cascade(c)).length;
  const unexplainedPuts = Math.max(0, noopPuts - resentPuts - t.unknownOutcomes);
  const unexplainedUnacked = Math.max(0, unacknowledged - t.unknownOutcomes);
  const unexplained = sameVersionTwice.length + noopPatches.length + dupGroups.length + unexplainedPuts + unexplainedUnacked + a.differingDuplicates.length + oktaRecordTwice;
  add(
    'unexplained duplicate effects',
    unexplained === 0,
    String(unexplained),
    [
      `no-op PUT versions ${noopPuts} (explained by ${resentPuts} re-sent PUTs: the gateway versions every PUT)`,
      `commits without a 2xx ${unacknowledged} (≤ ${t.unknownOutcomes} unanswered attempts: answer lost at a kill, retry found it applied)`,
      sameVersionTwice.length ? `SAME VERSION TWICE ${sample(sameVersionTwice)}` : '',
      noopPatches.length ? `NO-OP PATCH VERSIONS ${noopPatches.length}` : '',
      dupGroups.length ? `DUPLICATE GROUPS ${sample(dupGroups.map((g) => `${g.name} ×${g.n}`))}` : '',
      oktaRecordTwice ? `OKTA EVENT UUID STORED TWICE ×${oktaRecordTwice}` : '',
    ]
      .filter(Boolean)
      .join('; '),
  );

  // ---- compacted topics = the database ----
  const resources = await sql<{ id: string; tenant_id: string; resource_type: 'User' | 'Group'; version: number; user_name: string | null; display_name: string | null; active: boolean | null }>(
    stack.db.url,
    'SELECT id::text, tenant_id::text, resource_type, version, user_name, display_name, active FROM scim_resources',
  );
  const members = await sql<{ group_id: string; member_id: string }>(stack.db.url, 'SELECT group_id::text, member_id::text FROM scim_group_members');
  const membersOf = new Map<string, Set<string>>();
  for (const m of members) membersOf.set(m.group_id, (membersOf.get(m.group_id) ?? new Set()).add(m.member_id));
  for (const [kind, topic] of [
    ['User', TOPICS.users],
    ['Group', TOPICS.groups],
  ] as const) {
    const latest = new Map<string, ReadRecord>();
    for (const r of await readTopicToEnd(kafka, topicName(topic, stack.prefix))) if (r.key) latest.set(r.key, r);
    const mismatches: string[] = [];
    const inDb = resources.filter((r) => r.resource_type === kind);
    for (const row of inDb) {
      const rec = latest.get(`${row.tenant_id}:${row.id}`);
      const value = rec?.value ? (JSON.parse(rec.value) as Record<string, unknown>) : null;
      if (!value) {
        mismatches.push(`${kind}/${row.id}: ${rec ? 'tombstone' : 'absent'} on the topic, v${row.version} in the database`);
        continue;
      }
      const meta = value.meta as { version?: string } | undefined;
      const problems: string[] = [];
      if (value.id !== row.id) problems.push('id');
      if (meta?.version !== `W/"${row.version}"`) problems.push(`version ${meta?.version} ≠ v${row.version}`);
      if (kind === 'User' && value.userName !== row.user_name) problems.push('userName');
      if (kind === 'User' && (value.active !== false) !== (row.active !== false)) problems.push('active');
      if (kind === 'Group') {
        if (value.displayName !== row.display_name) problems.push('displayName');
        const onTopic = new Set(((value.members as { value: string }[] | undefined) ?? []).map((m) => m.value));
        const db = membersOf.get(row.id) ?? new Set<string>();
        if (onTopic.size !== db.size || [...db].some((id) => !onTopic.has(id))) problems.push(`members ${onTopic.size} ≠ ${db.size}`);
      }
      if (problems.length) mismatches.push(`${kind}/${row.id}: ${problems.join(', ')}`);
    }
    const ids = new Set(inDb.map((r) => `${r.tenant_id}:${r.id}`));
    let tombstones = 0;
    for (const [key, rec] of latest) {
      if (ids.has(key)) continue;
      const id = key.split(':')[1];
      if (rec.value !== null) mismatches.push(`${kind}/${id}: on the topic, not in the database${deleted.has(id) ? ' (deleted: no tombstone last)' : ''}`);
      else tombstones++;
    }
    const deletedOfKind = changes.filter((c) => c.operation === 'delete' && c.resourceType === kind && !ids.has(`${c.tenantId}:${c.resourceId}`));
    for (const c of deletedOfKind) if (!latest.has(`${c.tenantId}:${c.resourceId}`)) mismatches.push(`${kind}/${c.resourceId}: deleted, but no record on the topic`);
    add(`compacted ${topic} = database`, mismatches.length === 0, `${inDb.length} live, ${tombstones} tombstones`, sample(mismatches));
  }

  // ---- webhook receivers ----
  const firstCopies = new Map<string, ReadIdentityEvent>();
  for (const e of allEvents) if (!firstCopies.has(e.ce.id)) firstCopies.set(e.ce.id, e);
  for (const sub of stack.subscriptions) {
    const expected = [...firstCopies.values()].filter((e) => e.ce.tenantid === sub.tenantId && eventTypeMatches(sub.eventTypes, e.ce.type)).map((e) => e.ce.id);
    const stored = [...sub.receiver.stored.values()];
    const got = new Set(stored.map((s) => s.eventId));
    const webhookIdsPerEvent = new Map<string, number>();
    for (const s of stored) webhookIdsPerEvent.set(s.eventId, (webhookIdsPerEvent.get(s.eventId) ?? 0) + 1);
    const missing = expected.filter((id) => !got.has(id));
    const expectedSet = new Set(expected);
    const foreign = [...got].filter((id) => !expectedSet.has(id));
    const twoIds = [...webhookIdsPerEvent].filter(([, n]) => n > 1).map(([id]) => id);
    const tally = sub.receiver.tally;
    add(
      `webhooks ${sub.receiver.name} (${stack.tenantName(sub.tenantId)} ${sub.eventTypes.join(' ')})`,
      missing.length === 0 && foreign.length === 0 && twoIds.length === 0 && tally.badSignatures === 0,
      `${got.size}/${expected.length} events; ${tally.requests} requests, ${tally.redeliveries} redeliveries by webhook-id, ${tally.refused} refused (500)`,
      [
        missing.length ? `MISSING ${missing.length}: ${sample(missing)}` : '',
        foreign.length ? `NOT MATCHING ${foreign.length}: ${sample(foreign)}` : '',
        twoIds.length ? `ONE EVENT UNDER SEVERAL webhook-ids: ${sample(twoIds)}` : '',
        tally.badSignatures ? `BAD SIGNATURES ${tally.badSignatures}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    );
  }

  // ---- nothing stuck ----
  const deliveries = await sql<{ status: string; n: number }>(stack.db.url, 'SELECT status, count(*)::int AS n FROM webhook_deliveries GROUP BY status');
  const byStatus = Object.fromEntries(deliveries.map((d) => [d.status, d.n]));
  const deadLetters = await readTopicToEnd(kafka, topicName(TOPICS.deadLetter, stack.prefix));
  const [unpublished] = await sql<{ n: number }>(stack.db.url, 'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
  const disabled = await sql<{ id: string }>(stack.db.url, 'SELECT id::text FROM webhook_subscriptions WHERE NOT enabled');
  const stuck = unpublished.n + (byStatus.pending ?? 0) + (byStatus.failed ?? 0) + deadLetters.length + disabled.length;
  add(
    'nothing stuck',
    stuck === 0,
    `deliveries ${JSON.stringify(byStatus)}`,
    `unpublished outbox rows ${unpublished.n}, dead letters ${deadLetters.length}, disabled subscriptions ${disabled.length} (the schedule ends with every part recovered, so none is expected)`,
  );

  // ---- audit chain ----
  const pg = new PgClient({ connectionString: stack.db.url });
  await pg.connect();
  try {
    const report = await new AuditChainVerifier({ query: async (text: string, params?: unknown[]) => (await pg.query(text, params)).rows }).verify();
    add('audit chain verifies', report.ok, `${report.records} records in ${report.chains.length} chains`, report.firstBreak ? `break: ${JSON.stringify(report.firstBreak)}` : '');
  } finally {
    await pg.end();
  }
  return rows;
}
