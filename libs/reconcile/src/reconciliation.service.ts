import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditWriter } from '@idsync/audit';
import { TOPICS, scimChangeKey, topicName, type ScimChangeRecord, type ScimResourceKind } from '@idsync/contracts';
import { readCurrentStates, type CurrentStateEntry } from './current-state-reader';
import { DRIFT_KINDS, type Drift, type DriftKind, type ReconciliationReport, type RepairSummary, type SubscriptionDeliveryHealth } from './drift';
import { enqueueChange, latestRecordedChange } from './outbox-access';

export interface ReconcileOptions {
  tenantId: string;
  /** Re-emit corrective changes (and requeue failed deliveries) for the drift found. */
  repair?: boolean;
  /**
   * A change published this recently (or not yet) is still travelling through the worker:
   * not drift. Default 30 s.
   */
  settleSeconds?: number;
  /** Progress lines for people (stderr in the CLI). */
  onProgress?: (message: string) => void;
}

export interface ReconciliationDeps {
  db: DataSource;
  kafka: Kafka;
  /** KAFKA_TOPIC_PREFIX of the deployment. */
  topicPrefix: string;
}

/** Who reconciliation's audit records and corrective changes name. */
export const RECONCILE_ACTOR = { type: 'system', id: 'reconcile' } as const;

interface StoredVersion {
  id: string;
  resource_type: ScimResourceKind;
  version: number;
}

const KINDS: ReadonlyArray<{ kind: ScimResourceKind; topic: typeof TOPICS.users | typeof TOPICS.groups }> = [
  { kind: 'User', topic: TOPICS.users },
  { kind: 'Group', topic: TOPICS.groups },
];

/**
 * Compares one tenant's system of record (scim_resources) with the compacted current-state topics
 * and with the webhook delivery log, and optionally repairs what it finds — never by writing to
 * the public topics itself: corrective changes go through the gateway's outbox, so the worker
 * publishes them in order with the usual guarantees (docs/RELIABILITY.md). Plain class: the CLI
 * and tests build it with a DataSource and a kafkajs client.
 */
export class ReconciliationService {
  constructor(private readonly deps: ReconciliationDeps) {}

  async reconcile(options: ReconcileOptions): Promise<ReconciliationReport> {
    const { tenantId } = options;
    const progress = options.onProgress ?? (() => undefined);
    const settleSeconds = options.settleSeconds ?? 30;

    const stored: StoredVersion[] = await this.deps.db.query(`SELECT id::text, resource_type, version FROM scim_resources WHERE tenant_id = $1`, [tenantId]);
    progress(`database: ${stored.length} resources`);
    const names = KINDS.map(({ topic }) => topicName(topic, this.deps.topicPrefix));
    const read = await readCurrentStates(this.deps.kafka, names, { tenantId });
    const topicState = new Map<ScimResourceKind, Map<string, CurrentStateEntry>>();
    KINDS.forEach(({ kind }, i) => {
      const state = read.get(names[i]) ?? new Map<string, CurrentStateEntry>();
      progress(`${names[i]}: ${state.size} keys of this tenant`);
      topicState.set(kind, state);
    });

    const candidates: Drift[] = [];
    const inDatabase = new Set<string>();
    for (const row of stored) {
      inDatabase.add(row.id);
      const entry = topicState.get(row.resource_type)?.get(scimChangeKey(tenantId, row.id));
      const topicVersion = entry?.value ? entry.version : null;
      if (!entry?.value) candidates.push({ kind: 'missing-in-topic', resourceType: row.resource_type, resourceId: row.id, databaseVersion: row.version, topicVersion: null });
      else if (topicVersion !== row.version) candidates.push({ kind: 'stale-in-topic', resourceType: row.resource_type, resourceId: row.id, databaseVersion: row.version, topicVersion });
    }
    for (const { kind } of KINDS) {
      for (const entry of topicState.get(kind)?.values() ?? []) {
        if (entry.value !== null && !inDatabase.has(entry.resourceId)) {
          candidates.push({ kind: 'deleted-in-db', resourceType: kind, resourceId: entry.resourceId, databaseVersion: null, topicVersion: entry.version });
        }
      }
    }

    // A change still on its way (unpublished, or published moments ago) explains a difference.
    const travelling = await this.travelling(tenantId, candidates.map((d) => d.resourceId), settleSeconds);
    const topicDrift = candidates.filter((d) => !travelling.has(d.resourceId));
    const undelivered = await this.undelivered(tenantId);
    const drift = [...topicDrift, ...undelivered];
    const driftByKind = Object.fromEntries(DRIFT_KINDS.map((k) => [k, drift.filter((d) => d.kind === k).length])) as Record<DriftKind, number>;

    const report: ReconciliationReport = {
      tenantId,
      checkedAt: new Date().toISOString(),
      database: { users: stored.filter((r) => r.resource_type === 'User').length, groups: stored.filter((r) => r.resource_type === 'Group').length },
      topics: { users: countValues(topicState.get('User')), groups: countValues(topicState.get('Group')) },
      inFlight: travelling.size,
      drift,
      driftByKind,
      deliveries: await this.deliveryHealth(tenantId),
    };
    if (options.repair && drift.length > 0) report.repair = await this.repair(tenantId, drift, topicState, progress);
    return report;
  }

  /** Ids among `resourceIds` whose latest outbox change is unpublished or was published within the settle window. */
  private async travelling(tenantId: string, resourceIds: string[], settleSeconds: number): Promise<Set<string>> {
    if (resourceIds.length === 0) return new Set();
    const rows: Array<{ message_key: string }> = await this.deps.db.query(
      `SELECT DISTINCT message_key FROM outbox WHERE tenant_id = $1 AND message_key = ANY($2::text[]) AND topic = $4
         AND (published_at IS NULL OR published_at > now() - make_interval(secs => $3::double precision))`,
      [tenantId, resourceIds.map((id) => scimChangeKey(tenantId, id)), settleSeconds, topicName(TOPICS.scimChanges, this.deps.topicPrefix)],
    );
    return new Set(rows.map((r) => r.message_key.slice(tenantId.length + 1)));
  }

  /** Per enabled subscription, resources whose latest delivery failed for good. */
  private async undelivered(tenantId: string): Promise<Drift[]> {
    const rows: Array<{ subscription_id: string; subject_key: string; id: string; event_type: string; resource_type: string | null }> = await this.deps.db.query(
      `SELECT latest.subscription_id::text, latest.subject_key, latest.id::text, latest.event_type, latest.resource_type FROM (
         SELECT DISTINCT ON (d.subscription_id, d.subject_key) d.subscription_id, d.subject_key, d.id, d.event_type, d.status,
                d.payload::jsonb #>> '{data,resourceType}' AS resource_type
         FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id AND s.enabled
         WHERE d.tenant_id = $1
         ORDER BY d.subscription_id, d.subject_key, d.seq DESC
       ) latest WHERE latest.status = 'failed'`,
      [tenantId],
    );
    return rows.map((r) => ({
      kind: 'undelivered',
      resourceType: r.resource_type === 'Group' ? 'Group' : 'User',
      resourceId: r.subject_key.slice(tenantId.length + 1),
      databaseVersion: null,
      topicVersion: null,
      subscriptionId: r.subscription_id,
      deliveryId: r.id,
      eventType: r.event_type,
    }));
  }

  private async deliveryHealth(tenantId: string): Promise<SubscriptionDeliveryHealth[]> {
    const rows: Array<{ id: string; enabled: boolean; pending: number; retrying: number; failed: number; delivered: number; oldest: Date | null }> = await this.deps.db.query(
      `SELECT s.id::text, s.enabled,
              count(d.id) FILTER (WHERE d.status = 'pending')::int AS pending,
              count(d.id) FILTER (WHERE d.status = 'pending' AND d.attempt_count > 0)::int AS retrying,
              count(d.id) FILTER (WHERE d.status = 'failed')::int AS failed,
              count(d.id) FILTER (WHERE d.status = 'delivered')::int AS delivered,
              min(d.created_at) FILTER (WHERE d.status = 'pending') AS oldest
       FROM webhook_subscriptions s LEFT JOIN webhook_deliveries d ON d.subscription_id = s.id AND d.tenant_id = s.tenant_id
       WHERE s.tenant_id = $1 GROUP BY s.id, s.enabled, s.created_at ORDER BY s.created_at`,
      [tenantId],
    );
    return rows.map((r) => ({
      subscriptionId: r.id,
      enabled: r.enabled,
      pending: r.pending,
      retrying: r.retrying,
      failed: r.failed,
      delivered: r.delivered,
      oldestPendingAt: r.oldest?.toISOString() ?? null,
    }));
  }

  private async repair(tenantId: string, drift: Drift[], topicState: Map<ScimResourceKind, Map<string, CurrentStateEntry>>, progress: (m: string) => void): Promise<RepairSummary> {
    const summary: RepairSummary = { resynced: 0, deletesReemitted: 0, deliveriesRequeued: 0, skipped: [] };
    const changesTopic = topicName(TOPICS.scimChanges, this.deps.topicPrefix);
    for (const d of drift) {
      const skip = (reason: string) => summary.skipped.push({ resourceId: d.resourceId, kind: d.kind, reason });
      if (d.kind === 'undelivered') {
        // Same delivery, same webhook-id: a receiver that saw an earlier attempt de-duplicates it.
        const requeued: unknown[] = await this.deps.db.query(
          `UPDATE webhook_deliveries SET status = 'pending', attempt_count = 0, next_attempt_at = now(), locked_until = NULL, completed_at = NULL, updated_at = now()
           WHERE tenant_id = $1 AND id = $2 AND status = 'failed' RETURNING id`,
          [tenantId, d.deliveryId],
        );
        if (sqlRowCount(requeued) > 0) summary.deliveriesRequeued++;
        else skip('the delivery is no longer failed');
        continue;
      }
      const outcome = await this.deps.db.transaction((tx) =>
        d.kind === 'deleted-in-db' ? this.reemitDelete(tx, tenantId, d, topicState.get(d.resourceType)?.get(scimChangeKey(tenantId, d.resourceId)), changesTopic) : this.resync(tx, tenantId, d, changesTopic),
      );
      if (outcome === true) {
        if (d.kind === 'deleted-in-db') summary.deletesReemitted++;
        else summary.resynced++;
      } else skip(outcome);
    }
    progress(`repair: ${summary.resynced} re-stated, ${summary.deletesReemitted} deletes re-emitted, ${summary.deliveriesRequeued} deliveries requeued, ${summary.skipped.length} skipped`);
    return summary;
  }

  /**
   * Re-states a resource: locks its row (so the corrective change is ordered with concurrent SCIM
   * writes), bumps its version (so the snapshot's sequence is new and higher), and enqueues a
   * `resync` change carrying its latest recorded representation — the one its last change
   * published — in the same transaction, with an audit record.
   */
  private async resync(tx: EntityManager, tenantId: string, d: Drift, changesTopic: string): Promise<true | string> {
    const locked: Array<{ version: number; resource_type: ScimResourceKind }> = await tx.query(
      `SELECT version, resource_type FROM scim_resources WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
      [tenantId, d.resourceId],
    );
    if (locked.length === 0) return 'deleted meanwhile';
    const latest = await latestRecordedChange(tx, tenantId, d.resourceId, changesTopic);
    if (!latest?.resource || latest.version !== locked[0].version) return 'no recorded representation of the current version in the outbox';
    const version = locked[0].version + 1;
    await tx.query(`UPDATE scim_resources SET version = $3 WHERE tenant_id = $1 AND id = $2`, [tenantId, d.resourceId, version]);
    const meta = typeof latest.resource.meta === 'object' && latest.resource.meta !== null ? latest.resource.meta : {};
    const change = correctiveChange(tenantId, d, 'resync', version, { ...latest.resource, meta: { ...meta, version: `W/"${version}"` } });
    await enqueueChange(tx, changesTopic, change);
    await AuditWriter.record(tx, auditOf(tenantId, change, d.kind));
    return true;
  }

  /** Re-emits the delete of a resource the database no longer has but the topic still shows. */
  private async reemitDelete(tx: EntityManager, tenantId: string, d: Drift, entry: CurrentStateEntry | undefined, changesTopic: string): Promise<true | string> {
    const exists: unknown[] = await tx.query(`SELECT 1 FROM scim_resources WHERE tenant_id = $1 AND id = $2`, [tenantId, d.resourceId]);
    if (exists.length > 0) return 'the resource exists again';
    const latest = await latestRecordedChange(tx, tenantId, d.resourceId, changesTopic);
    const version = Math.max(entry?.version ?? 0, latest?.version ?? 0) + 1;
    const members = Array.isArray(entry?.value?.members) ? (entry.value.members as Array<{ value?: unknown; type?: unknown }>) : [];
    const memberIds = members.map((m) => m.value).filter((v): v is string => typeof v === 'string');
    const previous: ScimChangeRecord['previous'] =
      d.resourceType === 'Group'
        ? { memberIds, memberTypes: Object.fromEntries(members.filter((m) => typeof m.value === 'string').map((m) => [m.value as string, m.type === 'Group' ? 'Group' : 'User'])) }
        : { active: entry?.value?.active !== false };
    const change = { ...correctiveChange(tenantId, d, 'delete', version, null), previous };
    await enqueueChange(tx, changesTopic, change);
    await AuditWriter.record(tx, auditOf(tenantId, change, d.kind));
    return true;
  }
}

function countValues(state: Map<string, CurrentStateEntry> | undefined): number {
  let n = 0;
  for (const e of state?.values() ?? []) if (e.value !== null) n++;
  return n;
}

function sqlRowCount(result: unknown): number {
  // UPDATE … RETURNING through TypeORM's postgres driver answers [rows, affectedCount].
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0].length;
  return Array.isArray(result) ? result.length : 0;
}

function correctiveChange(tenantId: string, d: Drift, operation: 'resync' | 'delete', version: number, resource: Record<string, unknown> | null): ScimChangeRecord {
  return {
    changeId: randomUUID(),
    tenantId,
    resourceType: d.resourceType,
    resourceId: d.resourceId,
    operation,
    version,
    occurredAt: new Date().toISOString(),
    actor: { ...RECONCILE_ACTOR },
    changedAttributes: [],
    resource,
    previous: null,
  };
}

function auditOf(tenantId: string, change: ScimChangeRecord, drift: DriftKind) {
  return {
    tenantId,
    actorType: RECONCILE_ACTOR.type,
    actorId: RECONCILE_ACTOR.id,
    action: `${change.resourceType.toLowerCase()}.${change.operation === 'delete' ? 'delete-reemit' : 'resync'}`,
    resourceType: change.resourceType,
    resourceId: change.resourceId,
    details: { version: change.version, changeId: change.changeId, drift },
  };
}
