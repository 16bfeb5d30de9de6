import { AUDIT_HASH_VERSION, auditTime, type AuditRecordContent } from './audit-chain';
import type { AttributeChange } from './audit-entry';

/** audit_log columns as node-postgres returns them. */
export interface AuditLogRow {
  id: string;
  tenant_id: string | null;
  chain_id: string;
  /** seq, prev_hash and hash are NULL until the chainer links the record (right after its commit). */
  seq: string | null;
  occurred_at: Date;
  actor_type: string;
  actor_id: string;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  outcome: string;
  details: Record<string, unknown>;
  changes: AttributeChange[] | null;
  changes_hash: Buffer | null;
  prev_hash: Buffer | null;
  hash: Buffer | null;
}

/** A row the chainer has linked. */
export type ChainedAuditLogRow = AuditLogRow & { seq: string; prev_hash: Buffer; hash: Buffer };

export const AUDIT_LOG_COLUMNS =
  'id, tenant_id, chain_id, seq, occurred_at, actor_type, actor_id, action, resource_type, resource_id, outcome, details, changes, changes_hash, prev_hash, hash';

/** One audit record as the query API, the JSON Lines export and the CLI present it. */
export interface AuditRecord {
  id: string;
  tenantId: string | null;
  /** Chain position; seq, prevHash and hash are null while the record waits to be chained (milliseconds after its commit). */
  seq: number | null;
  occurredAt: string;
  actor: { type: string; id: string };
  action: string;
  target: { type: string | null; id: string | null };
  outcome: string;
  details: Record<string, unknown>;
  /** The attribute diff; null when the record has none (or it was erased: changesHash remains). */
  changes: AttributeChange[] | null;
  changesHash: string | null;
  prevHash: string | null;
  hash: string | null;
}

export function toAuditRecord(r: AuditLogRow): AuditRecord {
  return {
    id: String(r.id),
    tenantId: r.tenant_id,
    seq: r.seq === null ? null : Number(r.seq),
    occurredAt: auditTime(r.occurred_at),
    actor: { type: r.actor_type, id: r.actor_id },
    action: r.action,
    target: { type: r.resource_type, id: r.resource_id },
    outcome: r.outcome,
    details: r.details,
    changes: r.changes,
    changesHash: r.changes_hash?.toString('hex') ?? null,
    prevHash: r.prev_hash?.toString('hex') ?? null,
    hash: r.hash?.toString('hex') ?? null,
  };
}

/** The hashed content of a stored row; `changesHash` is the stored commitment (checked against the diff separately). */
export function contentOf(r: AuditLogRow): AuditRecordContent {
  return {
    v: AUDIT_HASH_VERSION,
    tenantId: r.tenant_id,
    occurredAt: auditTime(r.occurred_at),
    actor: { type: r.actor_type, id: r.actor_id },
    action: r.action,
    target: { type: r.resource_type, id: r.resource_id },
    outcome: r.outcome,
    details: r.details,
    changesHash: r.changes_hash?.toString('hex') ?? null,
  };
}
