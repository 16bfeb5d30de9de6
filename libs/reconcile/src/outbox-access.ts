import type { EntityManager } from 'typeorm';
import { scimChangeKey, type ScimChangeRecord } from '@idsync/contracts';

// The gateway's transactional outbox, as reconciliation uses it. Same row shape and NOTIFY
// channel as the gateway's OutboxWriter (apps/scim-gateway/src/outbox/outbox-writer.ts), which a
// library may not import: the relay publishes these rows like any SCIM write's.
const OUTBOX_CHANNEL = 'idsync_outbox';

export async function enqueueChange(tx: EntityManager, changesTopic: string, change: ScimChangeRecord): Promise<void> {
  await tx.query(`INSERT INTO outbox (tenant_id, topic, message_key, payload, headers) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb)`, [
    change.tenantId,
    changesTopic,
    scimChangeKey(change.tenantId, change.resourceId),
    JSON.stringify(change),
    JSON.stringify({ 'idsync-change-id': change.changeId }),
  ]);
  await tx.query(`SELECT pg_notify($1, '')`, [OUTBOX_CHANNEL]);
}

/** The newest change recorded for a resource (its representation after that change). */
export async function latestRecordedChange(tx: EntityManager, tenantId: string, resourceId: string, changesTopic: string): Promise<ScimChangeRecord | undefined> {
  const rows: Array<{ payload: ScimChangeRecord }> = await tx.query(
    `SELECT payload FROM outbox WHERE tenant_id = $1 AND message_key = $2 AND topic = $3 ORDER BY id DESC LIMIT 1`,
    [tenantId, scimChangeKey(tenantId, resourceId), changesTopic],
  );
  return rows[0]?.payload;
}
