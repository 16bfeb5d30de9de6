import type { EntityManager } from 'typeorm';
import { AUDIT_HASH_VERSION, GENESIS_HASH, SYSTEM_CHAIN_ID, auditTime, changesHash, contentHash } from './audit-chain';
import type { AuditEntry } from './audit-entry';

/**
 * Appends to the tenant's chain and inserts the record in one statement: the chain head row
 * (audit_chain_heads) is upserted — which takes its row lock — and the new seq/prevHash/hash come
 * out of it; the hash itself is computed by PostgreSQL from the content hash computed here.
 */
const APPEND_SQL = `
WITH head AS (
  INSERT INTO audit_chain_heads AS h (chain_id, seq, prev_hash, hash)
  VALUES ($1::uuid, 1, $2::bytea, sha256($2::bytea || int8send(1::bigint) || $3::bytea))
  ON CONFLICT (chain_id) DO UPDATE
    SET seq = h.seq + 1, prev_hash = h.hash, hash = sha256(h.hash || int8send(h.seq + 1) || $3::bytea)
  RETURNING seq, prev_hash, hash
)
INSERT INTO audit_log (tenant_id, occurred_at, actor_type, actor_id, action, resource_type, resource_id, outcome, details, changes, changes_hash, seq, prev_hash, hash)
SELECT $4::uuid, $5::timestamptz, $6, $7, $8, $9, $10, $11, $12::jsonb, $13::jsonb, $14::bytea, head.seq, head.prev_hash, head.hash FROM head
RETURNING id, seq`;

/**
 * Writes audit records inside the caller's transaction, so a change and its audit record commit
 * together or not at all. Records of one tenant are serialised by the chain head's row lock,
 * held from this call until the caller commits: call it as the LAST statement of the
 * transaction to keep that critical section to one round trip plus the commit.
 */
export class AuditWriter {
  static async record(manager: EntityManager, entry: AuditEntry): Promise<{ id: string; seq: string }> {
    const tenantId = entry.tenantId?.toLowerCase() ?? null;
    const occurredAt = auditTime(entry.occurredAt ?? new Date());
    const details = entry.details ?? {};
    const changes = entry.changes ?? null;
    const changesDigest = changesHash(changes);
    const content = contentHash({
      v: AUDIT_HASH_VERSION,
      tenantId,
      occurredAt,
      actor: { type: entry.actorType, id: entry.actorId },
      action: entry.action,
      target: { type: entry.resourceType ?? null, id: entry.resourceId ?? null },
      outcome: entry.outcome ?? 'success',
      details,
      changesHash: changesDigest?.toString('hex') ?? null,
    });
    const rows = (await manager.query(APPEND_SQL, [
      tenantId ?? SYSTEM_CHAIN_ID,
      GENESIS_HASH,
      content,
      tenantId,
      occurredAt,
      entry.actorType,
      entry.actorId,
      entry.action,
      entry.resourceType ?? null,
      entry.resourceId ?? null,
      entry.outcome ?? 'success',
      JSON.stringify(details),
      changes === null ? null : JSON.stringify(changes),
      changesDigest,
    ])) as Array<{ id: string; seq: string }>;
    return rows[0];
  }
}
