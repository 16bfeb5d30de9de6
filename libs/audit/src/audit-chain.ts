import { createHash } from 'node:crypto';
import type { AttributeChange } from './audit-entry';
import { canonicalJson } from './canonical-json';

/**
 * The hash chain of the audit trail, one chain per tenant (events without a tenant form the
 * system chain, keyed by the nil UUID). Record n of a chain stores:
 *
 *   contentHash = SHA-256(canonicalJson(content))            content: see AuditRecordContent
 *   hash        = SHA-256(prevHash ‖ int64be(seq) ‖ contentHash)
 *
 * with prevHash = the hash of record n-1 (32 zero bytes for seq 1). The link is a fixed binary
 * framing rather than a second JSON document so PostgreSQL can compute it (`sha256(h.hash ||
 * int8send(seq) || content)`) in the one statement that locks the chain head: the JSON is
 * canonicalised in the application before the lock, and the lock is held for a single round trip.
 * Any edit to a record's content, seq or prevHash changes its hash; removing or reordering records
 * breaks the prevHash/seq succession; the chain head and checkpoints catch a truncated tail.
 */
export const AUDIT_HASH_VERSION = 1;
export const GENESIS_HASH = Buffer.alloc(32);
/** Chain key of events that belong to no tenant. */
export const SYSTEM_CHAIN_ID = '00000000-0000-0000-0000-000000000000';

/** The hashed fields of a record (v1). `changesHash` stands for the diff, so an erased diff leaves its commitment. */
export interface AuditRecordContent {
  v: number;
  tenantId: string | null;
  occurredAt: string;
  actor: { type: string; id: string };
  action: string;
  target: { type: string | null; id: string | null };
  outcome: string;
  details: Record<string, unknown>;
  changesHash: string | null;
}

export function sha256(data: string | Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

/** The diff's commitment: hashed separately so the diff's values can be erased without breaking the chain. */
export function changesHash(changes: AttributeChange[] | null | undefined): Buffer | null {
  return changes ? sha256(canonicalJson(changes)) : null;
}

export function contentHash(content: AuditRecordContent): Buffer {
  return sha256(canonicalJson(content));
}

export function linkHash(prevHash: Buffer, seq: bigint | number, content: Buffer): Buffer {
  const seqBytes = Buffer.alloc(8);
  seqBytes.writeBigInt64BE(BigInt(seq));
  return sha256(Buffer.concat([prevHash, seqBytes, content]));
}

/** Canonical timestamps: milliseconds, UTC, ISO 8601 (what timestamptz round-trips through a JS Date). */
export function auditTime(date: Date): string {
  return date.toISOString();
}
