import type { EntityManager } from 'typeorm';
import { AUDIT_HASH_VERSION, GENESIS_HASH, SYSTEM_CHAIN_ID, auditTime, changesHash, contentHash, linkHash } from './audit-chain';
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
RETURNING id, seq, hash`;

/**
 * The rest of a batch, once its first record holds the chain head's lock: records whose links were
 * computed here (the same framing as APPEND_SQL's sha256), and the head moved to the last one.
 */
const APPEND_MANY_SQL = `
WITH rows AS (
  INSERT INTO audit_log (tenant_id, occurred_at, actor_type, actor_id, action, resource_type, resource_id, outcome, details, changes, changes_hash, seq, prev_hash, hash)
  SELECT * FROM unnest($2::uuid[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::jsonb[], $11::jsonb[], $12::bytea[], $13::bigint[], $14::bytea[], $15::bytea[])
  RETURNING 1
)
UPDATE audit_chain_heads SET seq = $16, prev_hash = $17, hash = $18 WHERE chain_id = $1::uuid AND (SELECT count(*) FROM rows) > 0`;

interface PreparedEntry {
  chainId: string;
  tenantId: string | null;
  occurredAt: string;
  entry: AuditEntry;
  details: string;
  changes: string | null;
  changesDigest: Buffer | null;
  content: Buffer;
}

function prepare(entry: AuditEntry): PreparedEntry {
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
  return { chainId: tenantId ?? SYSTEM_CHAIN_ID, tenantId, occurredAt, entry, details: JSON.stringify(details), changes: changes === null ? null : JSON.stringify(changes), changesDigest, content };
}

async function appendOne(manager: EntityManager, p: PreparedEntry): Promise<{ id: string; seq: string; hash: Buffer }> {
  const rows = (await manager.query(APPEND_SQL, [
    p.chainId,
    GENESIS_HASH,
    p.content,
    p.tenantId,
    p.occurredAt,
    p.entry.actorType,
    p.entry.actorId,
    p.entry.action,
    p.entry.resourceType ?? null,
    p.entry.resourceId ?? null,
    p.entry.outcome ?? 'success',
    p.details,
    p.changes,
    p.changesDigest,
  ])) as Array<{ id: string; seq: string; hash: Buffer }>;
  return rows[0];
}

/**
 * Writes audit records inside the caller's transaction, so a change and its audit record commit
 * together or not at all. Records of one tenant are serialised by the chain head's row lock,
 * held from this call until the caller commits: call it as the LAST statement of the
 * transaction to keep that critical section to one round trip plus the commit.
 */
export class AuditWriter {
  static async record(manager: EntityManager, entry: AuditEntry): Promise<{ id: string; seq: string }> {
    const { id, seq } = await appendOne(manager, prepare(entry));
    return { id, seq };
  }

  /**
   * Appends many records (a batch of outcomes) in the caller's transaction: per chain, the first
   * record goes through the one-statement append (taking the head's lock), the others in one more
   * statement with their links computed here — two round trips per chain instead of one per
   * record. Chains are locked in chain-id order, so concurrent batches cannot deadlock. Like
   * record(), call it last in the transaction. Within a chain, records keep the given order.
   */
  static async recordMany(manager: EntityManager, entries: AuditEntry[]): Promise<void> {
    const byChain = new Map<string, PreparedEntry[]>();
    for (const e of entries) {
      const p = prepare(e);
      const list = byChain.get(p.chainId);
      if (list) list.push(p);
      else byChain.set(p.chainId, [p]);
    }
    for (const chainId of [...byChain.keys()].sort()) {
      const [first, ...rest] = byChain.get(chainId) ?? [];
      const head = await appendOne(manager, first);
      if (rest.length === 0) continue;
      let seq = BigInt(head.seq);
      let prev = head.hash;
      const seqs: string[] = [];
      const prevs: Buffer[] = [];
      const hashes: Buffer[] = [];
      for (const p of rest) {
        seq += 1n;
        const hash = linkHash(prev, seq, p.content);
        seqs.push(seq.toString());
        prevs.push(prev);
        hashes.push(hash);
        prev = hash;
      }
      await manager.query(APPEND_MANY_SQL, [
        chainId,
        rest.map((p) => p.tenantId),
        rest.map((p) => p.occurredAt),
        rest.map((p) => p.entry.actorType),
        rest.map((p) => p.entry.actorId),
        rest.map((p) => p.entry.action),
        rest.map((p) => p.entry.resourceType ?? null),
        rest.map((p) => p.entry.resourceId ?? null),
        rest.map((p) => p.entry.outcome ?? 'success'),
        rest.map((p) => p.details),
        rest.map((p) => p.changes),
        rest.map((p) => p.changesDigest),
        seqs,
        prevs,
        hashes,
        seqs[seqs.length - 1],
        prevs[prevs.length - 1],
        hashes[hashes.length - 1],
      ]);
    }
  }
}
