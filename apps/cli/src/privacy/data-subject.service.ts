import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditWriter, type AttributeChange } from '@idsync/audit';
import { TOPICS, encodeUserErasedEvent, scimChangeKey, topicName, type ScimChangeRecord } from '@idsync/contracts';
import type { ScimJsonObject } from '@idsync/identity';
import type { GatewayConfig } from '../../../scim-gateway/src/config/gateway.config';
import { OutboxWriter } from '../../../scim-gateway/src/outbox/outbox-writer';
import { ScimEngine } from '../../../scim-gateway/src/resources/scim-engine';
import { ScimResourceRenderer } from '../../../scim-gateway/src/resources/scim-resource.renderer';
import { ScimChangeRecorder } from '../../../scim-gateway/src/resources/scim-change.recorder';
import { ScimWriteSupport, previousMembership } from '../../../scim-gateway/src/resources/scim-write.support';
import { ScimResourceStore, isUuid, type StoredResource } from '../../../scim-gateway/src/resources/store/scim-resource.store';

// Data-subject rights (GDPR Art. 15/17/20, CCPA 1798.100/105/110) over everything idsync's
// database holds about one person: export (`idsync subject export`) and erasure (`idsync subject
// erase`). Rows are found by the user's resource id and by the identifiers that single a person
// out (userName, externalId, emails, phone numbers) — never by names alone, which would sweep in
// other people. Every query is scoped to the tenant.

/** How the operator names the person: exactly one of these. */
export interface SubjectRef {
  userId?: string;
  userName?: string;
  externalId?: string;
}

export interface SubjectIdentity {
  tenantId: string;
  resourceId: string;
  /** The stored user, or null when it no longer exists (a re-run erasure cleans traces by id). */
  resource: StoredResource | null;
  /** Strings searched for in free-text/JSON columns: the id and the identifying values. */
  needles: string[];
}

export interface ErasureReport {
  erasureId: string;
  tenantId: string;
  resourceId: string;
  /** Rows removed or anonymised, per table (and what was done). */
  erased: Record<string, number>;
  /** What still mentions the person and cannot be changed here (explained in docs/COMPLIANCE.md). */
  kept: Record<string, number>;
  eventPublished: boolean;
}

/** The person is not (or no longer) known in this tenant. */
export class SubjectNotFoundError extends Error {}

/** Changes about the person are still in the outbox: erasing now would let them out afterwards. */
export class SubjectBusyError extends Error {}

const ERASED_PAYLOAD = JSON.stringify({ erased: true });
const MIN_NEEDLE_LENGTH = 3;

/** `%text%` for ILIKE, with the pattern characters escaped (backslash is ILIKE's default escape). */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function strings(value: unknown, key: string): string[] {
  if (!Array.isArray(value)) return [];
  return value.map((v) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined)).filter((v): v is string => typeof v === 'string');
}

/** The id and the values that single this person out; JSON-escaped as they appear in ::text of jsonb. */
export function identifyingValues(resourceId: string, data: ScimJsonObject | null): string[] {
  const values = [resourceId];
  if (data) {
    for (const v of [data.userName, data.externalId]) if (typeof v === 'string') values.push(v);
    values.push(...strings(data.emails, 'value'), ...strings(data.phoneNumbers, 'value'));
  }
  const unique = new Set(values.map((v) => v.trim()).filter((v) => v.length >= MIN_NEEDLE_LENGTH));
  // jsonb::text writes strings JSON-escaped; search for that form as well.
  return [...unique].flatMap((v) => [...new Set([v, JSON.stringify(v).slice(1, -1)])]);
}

export class DataSubjectService {
  private readonly store: ScimResourceStore;

  constructor(private readonly db: DataSource) {
    this.store = new ScimResourceStore(db);
  }

  /** Resolves the person; a missing user is an error unless `allowGone` and the id was given. */
  async identify(tenantId: string, ref: SubjectRef, opts: { tx?: EntityManager; lock?: boolean; allowGone?: boolean } = {}): Promise<SubjectIdentity> {
    const q = opts.tx ?? this.db;
    const by = ref.userId !== undefined ? 'id = $2' : ref.userName !== undefined ? 'lower(user_name) = lower($2)' : 'external_id = $2';
    const value = ref.userId ?? ref.userName ?? ref.externalId ?? '';
    if (ref.userId !== undefined && !isUuid(ref.userId)) throw new SubjectNotFoundError(`no user with id ${ref.userId} (not a UUID)`);
    const rows = (await q.query(`SELECT id FROM scim_resources WHERE tenant_id = $1 AND resource_type = 'User' AND ${by}`, [tenantId, value])) as Array<{ id: string }>;
    if (rows.length > 1) throw new SubjectNotFoundError(`${rows.length} users match; name the person by --user-id`);
    const resource = rows[0] ? ((await this.store.find(tenantId, 'User', rows[0].id, { tx: opts.tx, lock: opts.lock })) ?? null) : null;
    if (!resource) {
      if (opts.allowGone && ref.userId !== undefined) return { tenantId, resourceId: ref.userId, resource: null, needles: identifyingValues(ref.userId, null) };
      throw new SubjectNotFoundError('no such user in this tenant');
    }
    return { tenantId, resourceId: resource.id, resource, needles: identifyingValues(resource.id, resource.data) };
  }

  /** Everything held about the person, as one JSON document (right of access / portability). */
  async export(tenantId: string, ref: SubjectRef): Promise<Record<string, unknown>> {
    const subject = await this.identify(tenantId, ref, { allowGone: true });
    const patterns = subject.needles.map(containsPattern);
    const args = [tenantId, subject.resourceId, patterns];
    const memberships = (await this.db.query(
      `SELECT m.group_id AS "groupId", g.display_name AS "displayName" FROM scim_group_members m JOIN scim_resources g ON g.id = m.group_id
        WHERE m.tenant_id = $1 AND m.member_id = $2 ORDER BY m.group_id`,
      [tenantId, subject.resourceId],
    )) as unknown[];
    const [{ stored: passwordStored }] = (await this.db.query('SELECT count(*) > 0 AS stored FROM scim_passwords WHERE tenant_id = $1 AND resource_id = $2', [
      tenantId,
      subject.resourceId,
    ])) as Array<{ stored: boolean }>;
    const auditRecords = (await this.db.query(
      `SELECT id, seq, occurred_at AS "occurredAt", actor_type AS "actorType", actor_id AS "actorId", action, resource_type AS "resourceType",
              resource_id AS "resourceId", outcome, details, changes
         FROM audit_log WHERE tenant_id = $1 AND (resource_id = $2 OR changes::text ILIKE ANY($3) OR details::text ILIKE ANY($3)) ORDER BY seq`,
      args,
    )) as unknown[];
    const outbox = (await this.db.query(
      `SELECT id, topic, message_key AS key, created_at AS "createdAt", published_at AS "publishedAt", headers, payload
         FROM outbox WHERE tenant_id = $1 AND (message_key = $3 OR payload::text ILIKE ANY($2)) ORDER BY id`,
      [tenantId, patterns, scimChangeKey(tenantId, subject.resourceId)],
    )) as Array<{ id: string; topic: string; headers: Record<string, string>; payload: Record<string, unknown> }>;
    // Receipts of the Okta events whose payloads (outbox rows on the Okta topic) are about them.
    const oktaUuids = outbox.map((r) => (r.payload.event as { uuid?: unknown } | undefined)?.uuid).filter((u): u is string => typeof u === 'string' && isUuid(u));
    const oktaHookEvents = (await this.db.query(
      `SELECT event_uuid AS "eventUuid", event_type AS "eventType", published_at AS "publishedAt", received_at AS "receivedAt"
         FROM okta_hook_events WHERE tenant_id = $1 AND event_uuid = ANY($2::uuid[]) ORDER BY received_at`,
      [tenantId, oktaUuids],
    )) as unknown[];
    const changeIds = outbox.flatMap((r) => [r.headers['idsync-change-id'], r.payload.changeId, r.payload.recordId].filter((v): v is string => typeof v === 'string'));
    const processedChanges = (await this.db.query(
      `SELECT consumer_group AS "consumerGroup", change_id AS "changeId", source_topic AS "sourceTopic", source_partition AS "sourcePartition",
              source_offset AS "sourceOffset", event_count AS "eventCount", processed_at AS "processedAt"
         FROM worker_processed_changes WHERE tenant_id = $1 AND change_id = ANY($2::text[]) ORDER BY processed_at`,
      [tenantId, changeIds],
    )) as unknown[];
    const deliveries = (await this.db.query(
      `SELECT id, subscription_id AS "subscriptionId", event_id AS "eventId", event_type AS "eventType", status, attempt_count AS "attemptCount",
              last_status_code AS "lastStatusCode", last_error AS "lastError", created_at AS "createdAt", completed_at AS "completedAt", payload
         FROM webhook_deliveries WHERE tenant_id = $1 AND (subject_key = $3 OR payload ILIKE ANY($2) OR last_error ILIKE ANY($2)) ORDER BY seq`,
      [tenantId, patterns, scimChangeKey(tenantId, subject.resourceId)],
    )) as Array<{ id: string; payload: string }>;
    const attempts = (await this.db.query(
      `SELECT delivery_id AS "deliveryId", attempt_number AS "attemptNumber", started_at AS "startedAt", duration_ms AS "durationMs",
              status_code AS "statusCode", error, response_body AS "responseBody"
         FROM webhook_delivery_attempts WHERE tenant_id = $1 AND delivery_id = ANY($2::uuid[]) ORDER BY id`,
      [tenantId, deliveries.map((d) => d.id)],
    )) as Array<{ deliveryId: string }>;
    return {
      exportedAt: new Date().toISOString(),
      tenantId,
      subject: { resourceId: subject.resourceId, exists: subject.resource !== null },
      resource: subject.resource
        ? { id: subject.resource.id, version: subject.resource.version, createdAt: subject.resource.createdAt, updatedAt: subject.resource.updatedAt, data: subject.resource.data }
        : null,
      groupMemberships: memberships,
      // The hash is a secret of the gateway's, not the person's data; only its existence is.
      passwordStored,
      auditRecords,
      outbox,
      oktaHookEvents,
      processedChanges,
      webhookDeliveries: deliveries.map((d) => ({ ...d, payload: parseJson(d.payload), attempts: attempts.filter((a) => a.deliveryId === d.id) })),
    };
  }

  /**
   * Erasure (right to be forgotten), in one transaction: the user goes through the normal delete
   * path (taken out of its groups, each group and the user get change records, so the worker
   * emits member-removed, user.deleted and the compacted-topic tombstone); the attribute diffs of
   * audit records about it are nulled (changes_hash stays, so the chain still verifies); published
   * outbox rows (SCIM change records, Okta hook event payloads) mentioning it are deleted; pending
   * webhook deliveries mentioning it are deleted and finished ones anonymised with their attempts'
   * response excerpts; an `idsync.user.erased` event is queued and an audit record without PII is
   * left. Re-running with --user-id after the user is gone cleans traces that arrived late.
   */
  async erase(tenantId: string, ref: SubjectRef, actorId: string): Promise<ErasureReport> {
    const erasureId = randomUUID();
    return this.db.transaction(async (tx) => {
      const subject = await this.identify(tenantId, ref, { tx, lock: true, allowGone: true });
      const patterns = subject.needles.map(containsPattern);
      const key = scimChangeKey(tenantId, subject.resourceId);
      const [{ waiting }] = (await tx.query(
        `SELECT count(*)::int AS waiting FROM outbox WHERE tenant_id = $1 AND published_at IS NULL AND (message_key = $2 OR payload::text ILIKE ANY($3))`,
        [tenantId, key, patterns],
      )) as Array<{ waiting: number }>;
      if (waiting > 0) throw new SubjectBusyError(`${waiting} change(s) about this person are still waiting in the outbox; retry once they are published`);

      const erased: Record<string, number> = {};
      const count = async (label: string, sql: string, params: unknown[]) => {
        const [, affected] = (await tx.query(sql, params)) as [unknown, number];
        erased[label] = (erased[label] ?? 0) + affected;
      };
      // 1. Traces first: the change records written below name the resource id and must stay.
      await count('audit_log.changes nulled', `UPDATE audit_log SET changes = NULL WHERE tenant_id = $1 AND changes IS NOT NULL AND (resource_id = $2 OR changes::text ILIKE ANY($3))`, [
        tenantId,
        subject.resourceId,
        patterns,
      ]);
      await count(
        'outbox (Okta hook event payloads) deleted',
        `DELETE FROM outbox WHERE tenant_id = $1 AND topic = $2 AND published_at IS NOT NULL AND payload::text ILIKE ANY($3)`,
        [tenantId, topicName(TOPICS.oktaEvents), patterns],
      );
      await count('outbox (change records) deleted', `DELETE FROM outbox WHERE tenant_id = $1 AND published_at IS NOT NULL AND (message_key = $2 OR payload::text ILIKE ANY($3))`, [
        tenantId,
        key,
        patterns,
      ]);
      const mentions = `tenant_id = $1 AND (subject_key = $2 OR payload ILIKE ANY($3) OR last_error ILIKE ANY($3))`;
      await count(
        'webhook_delivery_attempts anonymised',
        `UPDATE webhook_delivery_attempts SET response_body = NULL, error = CASE WHEN error ILIKE ANY($3) THEN '[erased]' ELSE error END
          WHERE tenant_id = $1 AND (response_body IS NOT NULL OR error ILIKE ANY($3))
            AND (delivery_id IN (SELECT id FROM webhook_deliveries WHERE ${mentions}) OR response_body ILIKE ANY($3) OR error ILIKE ANY($3))`,
        [tenantId, key, patterns],
      );
      await count('webhook_deliveries (pending) deleted', `DELETE FROM webhook_deliveries WHERE ${mentions} AND status = 'pending'`, [tenantId, key, patterns]);
      await count(
        'webhook_deliveries anonymised',
        `UPDATE webhook_deliveries SET payload = $4, last_error = CASE WHEN last_error ILIKE ANY($3) THEN '[erased]' ELSE last_error END, updated_at = now()
          WHERE ${mentions} AND payload <> $4`,
        [tenantId, key, patterns, ERASED_PAYLOAD],
      );
      const [{ kept }] = (await tx.query(`SELECT count(*)::int AS kept FROM audit_log WHERE tenant_id = $1 AND details::text ILIKE ANY($2)`, [
        tenantId,
        subject.needles.filter((n) => n !== subject.resourceId).map(containsPattern),
      ])) as Array<{ kept: number }>;

      // 2. The delete itself, as the SCIM DELETE handler does it (group documents first).
      let eventPublished = false;
      if (subject.resource) {
        const changes = new ErasureChangeWriter(actorId);
        const support = this.writeSupport();
        const renderer = this.renderer();
        const baseUrl = process.env.SCIM_BASE_URL ?? '';
        for (const groupId of await this.store.groupsContaining(tx, tenantId, subject.resourceId)) {
          const group = await this.store.find(tenantId, 'Group', groupId, { tx, lock: true });
          if (!group) continue;
          const before = Array.isArray(group.data.members) ? (group.data.members as ScimJsonObject[]) : [];
          const data: ScimJsonObject = { ...group.data, members: before.filter((m) => m.value !== subject.resourceId) };
          if ((data.members as unknown[]).length === 0) delete data.members;
          const updated = await this.store.update(tx, group, support.toWrite('Group', data));
          await changes.record(tx, updated, 'patch', renderer.full(updated, baseUrl), ['members'], previousMembership(group.data));
          erased['scim_group_members deleted'] = (erased['scim_group_members deleted'] ?? 0) + 1;
        }
        const current = subject.resource;
        await this.store.delete(tx, current);
        erased['scim_resources deleted'] = 1;
        const version = current.version + 1;
        await changes.record(tx, current, 'delete', null, [], { active: typeof current.data.active === 'boolean' ? current.data.active : undefined });
        const event = encodeUserErasedEvent({
          tenantId,
          resourceType: 'User',
          resourceId: current.id,
          erasureId,
          erasedAt: new Date().toISOString(),
          version,
          actor: { type: 'admin', id: actorId },
        });
        await OutboxWriter.enqueue(tx, [{ tenantId, topic: topicName(TOPICS.identityEvents), key: event.key, payload: event.value, headers: event.headers }]);
        eventPublished = true;
      }
      const keptCounts = { 'audit_log.details mentioning the person': kept };
      // 3. The erasure's own audit record: the subject by resource id only, counts, no PII.
      await AuditWriter.record(tx, {
        tenantId,
        actorType: 'cli',
        actorId,
        action: 'user.erase',
        resourceType: 'User',
        resourceId: subject.resourceId,
        details: { erasureId, erased, kept: keptCounts, eventPublished },
      });
      return { erasureId, tenantId, resourceId: subject.resourceId, erased, kept: keptCounts, eventPublished };
    });
  }

  private engine?: ScimEngine;

  private scimEngine(): ScimEngine {
    // Only the schema extensions matter here (search normalisation of the updated groups).
    this.engine ??= new ScimEngine({ SCIM_SCHEMA_EXTENSIONS_FILE: process.env.SCIM_SCHEMA_EXTENSIONS_FILE ?? '' } as GatewayConfig);
    return this.engine;
  }

  private renderer(): ScimResourceRenderer {
    return new ScimResourceRenderer(this.scimEngine(), this.store);
  }

  private writeSupport(): ScimWriteSupport {
    return new ScimWriteSupport(this.scimEngine(), this.store, this.renderer(), new ScimChangeRecorder());
  }
}

/**
 * The change records of an erasure: like ScimChangeRecorder's, but the actor is the operator
 * (`admin`, `cli:<user>`) and the audit diff names only the touched paths — a diff with values
 * would put back the PII the erasure removes.
 */
class ErasureChangeWriter {
  constructor(private readonly actorId: string) {}

  async record(
    tx: EntityManager,
    resource: StoredResource,
    operation: 'patch' | 'delete',
    representation: ScimJsonObject | null,
    changedAttributes: string[],
    previous: ScimChangeRecord['previous'],
  ): Promise<void> {
    const version = operation === 'delete' ? resource.version + 1 : resource.version;
    const record: ScimChangeRecord = {
      changeId: randomUUID(),
      tenantId: resource.tenantId,
      resourceType: resource.type,
      resourceId: resource.id,
      operation,
      version,
      occurredAt: new Date().toISOString(),
      actor: { type: 'admin', id: this.actorId },
      changedAttributes,
      resource: representation,
      previous,
    };
    const key = scimChangeKey(resource.tenantId, resource.id);
    await OutboxWriter.enqueue(tx, [
      { tenantId: resource.tenantId, topic: topicName(TOPICS.scimChanges), key, payload: record, headers: { 'idsync-change-id': record.changeId } },
    ]);
    const changes: AttributeChange[] = changedAttributes.map((path) => ({ path }));
    await AuditWriter.record(tx, {
      tenantId: resource.tenantId,
      actorType: 'cli',
      actorId: this.actorId,
      action: `${resource.type.toLowerCase()}.${operation}`,
      resourceType: resource.type,
      resourceId: resource.id,
      details: { version, changedAttributes, changeId: record.changeId, reason: 'erasure' },
      changes,
    });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
