// Shared pieces of the fault tests: tenants through the admin API of a gateway process, SCIM
// writes, a collector of the changes topic and the checks of "exactly once, in order".
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { Client as PgClient } from 'pg';
import type { ScimChangeRecord } from '@idsync/contracts';
import { ScimClient } from '../scim/scim-harness';

export const ADMIN_TOKEN = `admin-${randomBytes(12).toString('hex')}`;
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** Creates a tenant and a SCIM token over the admin API of a running gateway (ADMIN_API_TOKEN=ADMIN_TOKEN). */
export async function adminTenant(gatewayUrl: string, name: string): Promise<ScimClient & { tenantId: string }> {
  const call = async (p: string, body: unknown) => {
    const res = await fetch(`${gatewayUrl}/admin${p}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`admin POST ${p}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, string>;
  };
  const tenant = await call('/tenants', { name });
  const token = await call(`/tenants/${tenant.id}/tokens`, { description: 'fault test' });
  return Object.assign(new ScimClient(gatewayUrl, token.token), { tenantId: tenant.id });
}

/** The same tenant/token, speaking to another gateway replica. */
export function sameTenantOn(client: ScimClient & { tenantId: string }, gatewayUrl: string): ScimClient & { tenantId: string } {
  return Object.assign(new ScimClient(gatewayUrl, client.token), { tenantId: client.tenantId });
}

export async function createUser(scim: ScimClient, userName: string): Promise<string> {
  const res = await scim.post('/Users', { schemas: [USER_SCHEMA], userName, name: { givenName: 'F', familyName: userName } });
  if (res.status !== 201) throw new Error(`create ${userName}: ${res.status} ${res.text}`);
  return String(res.body.id);
}

/** A PATCH that always changes the user (a fresh title each time), so each one is a new version. */
export function patchUser(scim: ScimClient, id: string, n: number) {
  return scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: `title-${n}` }] });
}

export interface ChangeOnTopic {
  partition: number;
  offset: string;
  key: string;
  change: ScimChangeRecord;
}

/** Reads a topic from the beginning with a fresh consumer group, keeping every record in arrival order. */
export class TopicCollector {
  readonly records: ChangeOnTopic[] = [];
  private consumer: Consumer | undefined;

  constructor(
    private readonly brokers: string,
    private readonly topic: string,
  ) {}

  async start(): Promise<this> {
    const kafka = new Kafka({ clientId: 'fault-test-reader', brokers: [this.brokers], logLevel: logLevel.NOTHING });
    this.consumer = kafka.consumer({ groupId: `fault-reader-${randomBytes(4).toString('hex')}` });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ partition, message }) => {
        this.records.push({
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? '',
          change: JSON.parse(message.value?.toString() ?? 'null') as ScimChangeRecord,
        });
      },
    });
    return this;
  }

  distinctChangeIds(): number {
    return new Set(this.records.map((r) => r.change.changeId)).size;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

export interface ChangeAnalysis {
  total: number;
  distinct: number;
  /** Records whose changeId was already seen (a batch re-sent after a relay died before its commit). */
  duplicates: number;
  /** Per resource, a version that did not strictly increase over the previous first occurrence. */
  orderViolations: string[];
  /** Resources whose records landed on more than one partition. */
  splitResources: string[];
}

/**
 * Exactly-once and per-resource order as a consumer sees them: in partition/offset order, the first
 * occurrence of each changeId must carry a strictly higher version than the resource's previous one.
 * A re-sent duplicate must be a replay of a change already seen (it is dropped by changeId, as the
 * worker's dedupe does), so it is counted, not treated as an order violation.
 */
export function analyzeChanges(records: ChangeOnTopic[]): ChangeAnalysis {
  const sorted = [...records].sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  const seen = new Set<string>();
  const lastVersion = new Map<string, number>();
  const partitionOf = new Map<string, number>();
  const orderViolations: string[] = [];
  const split = new Set<string>();
  let duplicates = 0;
  for (const r of sorted) {
    const { changeId, resourceId, version } = r.change;
    const p = partitionOf.get(resourceId);
    if (p !== undefined && p !== r.partition) split.add(resourceId);
    partitionOf.set(resourceId, r.partition);
    if (seen.has(changeId)) {
      duplicates++;
      continue;
    }
    seen.add(changeId);
    const prev = lastVersion.get(resourceId) ?? 0;
    if (version <= prev) orderViolations.push(`${resourceId}: v${version} after v${prev} (p${r.partition}@${r.offset})`);
    lastVersion.set(resourceId, Math.max(prev, version));
  }
  return { total: records.length, distinct: seen.size, duplicates, orderViolations, splitResources: [...split] };
}

/** Runs a query on a short-lived connection (the tests' view of the gateway's database). */
export async function sql<T>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new PgClient({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

export async function unpublishedCount(url: string): Promise<number> {
  const [row] = await sql<{ n: string }>(url, 'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL');
  return Number(row.n);
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

// ---- sync-worker fault tests (worker-*.e2e-spec.ts): the public stream, consumer-group state ----
// (Imports are hoisted; they sit here so this section stays an append-only addition.)
import { AssignerProtocol } from 'kafkajs';
import { deriveIdentityEvents } from '@idsync/contracts';
import type { ReadIdentityEvent } from '../pipeline/pipeline-harness';

/** The public event ids every outbox row's change yields (as the worker derives them), in outbox order. */
export async function expectedEventIds(url: string): Promise<string[]> {
  const rows = await sql<{ payload: ScimChangeRecord }>(url, `SELECT payload FROM outbox ORDER BY id`);
  const ids = new Set<string>();
  for (const { payload } of rows) for (const e of deriveIdentityEvents(payload)) ids.add(e.id);
  return [...ids];
}

export interface EventStreamAnalysis {
  total: number;
  distinct: number;
  /** Event ids read more than once (with their count). */
  duplicateIds: string[];
  /** Change ids (ce_changeid) of the events read more than once. */
  duplicatedChanges: Set<string>;
  /** Re-sent events that differ from their first copy (key, partition, value or a ce_* header). */
  differingDuplicates: string[];
  /** Expected ids not on the stream. */
  missing: string[];
  /** Ids on the stream that no outbox change yields. */
  unexpected: string[];
  /** Per subject, in partition/offset order, a ce_sequence not strictly above the previous one (first copies). */
  orderViolations: string[];
  /** Subjects whose events landed on more than one partition. */
  splitSubjects: string[];
}

const sameEvent = (a: ReadIdentityEvent, b: ReadIdentityEvent) =>
  a.key === b.key && a.partition === b.partition && a.value === b.value && JSON.stringify(Object.entries(a.ce).sort()) === JSON.stringify(Object.entries(b.ce).sort());

/**
 * The public stream as a consumer sees it: each expected id on it, no foreign id; per subject
 * (one key, one partition) ce_sequence strictly increasing in offset order over first copies, as
 * a consumer deduping on the CloudEvent id sees them. Re-sent copies are counted and compared with
 * the first one (a re-send must be the identical event).
 */
export function analyzeIdentityEvents(events: ReadIdentityEvent[], expectedIds: Iterable<string>): EventStreamAnalysis {
  const sorted = [...events].sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  const first = new Map<string, ReadIdentityEvent>();
  const counts = new Map<string, number>();
  const duplicatedChanges = new Set<string>();
  const differingDuplicates: string[] = [];
  const lastSequence = new Map<string, string>();
  const partitionOf = new Map<string, number>();
  const orderViolations: string[] = [];
  const split = new Set<string>();
  for (const e of sorted) {
    counts.set(e.ce.id, (counts.get(e.ce.id) ?? 0) + 1);
    const subject = `${e.ce.tenantid}:${e.ce.subject}`;
    const p = partitionOf.get(subject);
    if (p !== undefined && p !== e.partition) split.add(subject);
    partitionOf.set(subject, e.partition);
    const original = first.get(e.ce.id);
    if (original) {
      duplicatedChanges.add(e.ce.changeid);
      if (!sameEvent(original, e)) differingDuplicates.push(`${e.ce.id} at p${e.partition}@${e.offset} differs from p${original.partition}@${original.offset}`);
      continue;
    }
    first.set(e.ce.id, e);
    const prev = lastSequence.get(subject);
    if (prev !== undefined && !(e.ce.sequence > prev)) orderViolations.push(`${e.ce.subject}: ${e.ce.sequence} (${e.ce.id}) after ${prev} at p${e.partition}@${e.offset}`);
    lastSequence.set(subject, e.ce.sequence);
  }
  const expected = new Set(expectedIds);
  return {
    total: events.length,
    distinct: counts.size,
    duplicateIds: [...counts].filter(([, n]) => n > 1).map(([id, n]) => `${id} ×${n}`),
    duplicatedChanges,
    differingDuplicates,
    missing: [...expected].filter((id) => !counts.has(id)),
    unexpected: [...counts.keys()].filter((id) => !expected.has(id)),
    orderViolations,
    splitSubjects: [...split],
  };
}

/** A group's committed offsets on one topic: partition → next offset to consume (-1: nothing committed). */
export async function committedOffsets(brokers: string, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const admin = new Kafka({ clientId: 'fault-test-admin', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(offsets.partitions.map((p) => [p.partition, BigInt(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

export interface GroupMember {
  memberId: string;
  clientHost: string;
  /** Partitions of `topic` assigned to the member. */
  partitions: number[];
}

/** describeGroups: the group's state and each member's partitions of `topic`. */
export async function describeConsumerGroup(brokers: string, groupId: string, topic: string): Promise<{ state: string; members: GroupMember[] }> {
  const admin = new Kafka({ clientId: 'fault-test-admin', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    return {
      state: group?.state ?? 'Dead',
      members: (group?.members ?? []).map((m) => ({
        memberId: m.memberId,
        clientHost: m.clientHost,
        partitions: [...(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic] ?? [])].sort((a, b) => a - b),
      })),
    };
  } finally {
    await admin.disconnect();
  }
}

/** Resolves at `t` (epoch ms); paces a write stream to a steady rate. */
export function sleepUntil(t: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, t - Date.now())));
}
