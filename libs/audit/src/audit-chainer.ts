import { GENESIS_HASH, contentHash, linkHash } from './audit-chain';
import { AUDIT_LOG_COLUMNS, contentOf, type AuditLogRow } from './audit-record';
import type { SqlRunner } from './sql-runner';

/** A handle that can run work in one transaction (a TypeORM DataSource, or one connection via BEGIN/COMMIT). */
export interface TransactionalSqlRunner extends SqlRunner {
  transaction<T>(run: (tx: SqlRunner) => Promise<T>): Promise<T>;
}

// Chaining passes are serialised across processes by this transaction-scoped advisory lock: a pass
// reads the pending records only once it holds it, so it sees everything the previous pass linked.
const CHAIN_LOCK_KEY = 0x1d5a_c4a1;

/** How many pending records one pass links (one transaction); the drain repeats passes until a short one. */
export const CHAIN_BATCH = 1_000;

const LINK_SQL = `
WITH linked AS (
  UPDATE audit_log l SET seq = u.seq, prev_hash = u.prev_hash, hash = u.hash
    FROM unnest($1::bigint[], $2::bigint[], $3::bytea[], $4::bytea[]) AS u(id, seq, prev_hash, hash)
   WHERE l.id = u.id AND l.seq IS NULL
  RETURNING 1
)
INSERT INTO audit_chain_heads AS h (chain_id, seq, prev_hash, hash)
SELECT * FROM unnest($5::uuid[], $6::bigint[], $7::bytea[], $8::bytea[])
ON CONFLICT (chain_id) DO UPDATE SET seq = EXCLUDED.seq, prev_hash = EXCLUDED.prev_hash, hash = EXCLUDED.hash
RETURNING (SELECT count(*) FROM linked)::int AS linked`;

/**
 * The audit chain sequencer: write transactions insert their audit records unchained (seq,
 * prev_hash, hash NULL) so tenants' writes no longer queue on the chain head; a pass then links the
 * committed ones, in id order, to their chains — seq, prevHash and hash computed exactly as the
 * verifier recomputes them (docs/AUDIT.md). Only committed records are visible to a pass, so a
 * record is never chained without its write; a pass is one transaction, so a chain never holds a
 * half-linked batch.
 */
export class AuditChainer {
  /** One pass inside the caller's transaction: links up to `limit` pending records; returns how many. */
  static async chainBatch(tx: SqlRunner, limit = CHAIN_BATCH): Promise<number> {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK_KEY]);
    const pending = (await tx.query(`SELECT ${AUDIT_LOG_COLUMNS} FROM audit_log WHERE seq IS NULL ORDER BY id LIMIT $1`, [limit])) as AuditLogRow[];
    if (pending.length === 0) return 0;
    const chainIds = [...new Set(pending.map((r) => r.chain_id))].sort();
    // FOR UPDATE: a replica still running the previous version appends under this row lock.
    const heads = (await tx.query('SELECT chain_id, seq, hash FROM audit_chain_heads WHERE chain_id = ANY($1::uuid[]) ORDER BY chain_id FOR UPDATE', [chainIds])) as Array<{
      chain_id: string;
      seq: string;
      hash: Buffer;
    }>;
    const tip = new Map<string, { seq: bigint; prev: Buffer; hash: Buffer }>(heads.map((h) => [h.chain_id, { seq: BigInt(h.seq), prev: GENESIS_HASH, hash: h.hash }]));
    const ids: string[] = [];
    const seqs: string[] = [];
    const prevs: Buffer[] = [];
    const hashes: Buffer[] = [];
    for (const row of pending) {
      const head = tip.get(row.chain_id) ?? { seq: 0n, prev: GENESIS_HASH, hash: GENESIS_HASH };
      const seq = head.seq + 1n;
      const hash = linkHash(head.hash, seq, contentHash(contentOf(row)));
      ids.push(String(row.id));
      seqs.push(seq.toString());
      prevs.push(head.hash);
      hashes.push(hash);
      tip.set(row.chain_id, { seq, prev: head.hash, hash });
    }
    const moved = chainIds.map((id) => tip.get(id)!);
    const [{ linked }] = (await tx.query(LINK_SQL, [ids, seqs, prevs, hashes, chainIds, moved.map((t) => t.seq.toString()), moved.map((t) => t.prev), moved.map((t) => t.hash)])) as Array<{ linked: number }>;
    // Cannot happen under the lock; if it did, the heads would no longer name the last records.
    if (linked !== ids.length) throw new Error(`audit chaining linked ${linked} of ${ids.length} records; rolled back`);
    return linked;
  }

  /** Links every committed pending record, one transaction per batch; returns how many were linked. */
  static async chainAll(db: TransactionalSqlRunner, limit = CHAIN_BATCH): Promise<number> {
    let total = 0;
    for (;;) {
      const linked = await db.transaction((tx) => AuditChainer.chainBatch(tx, limit));
      total += linked;
      if (linked < limit) return total;
    }
  }

  /** How many records wait to be chained, and since when (monitoring; the verifier reports them per chain). */
  static async pending(db: SqlRunner): Promise<{ count: number; oldestOccurredAt: Date | null }> {
    const [row] = (await db.query('SELECT count(*)::int AS count, min(occurred_at) AS oldest FROM audit_log WHERE seq IS NULL')) as Array<{ count: number; oldest: Date | null }>;
    return { count: row.count, oldestOccurredAt: row.oldest };
  }
}

/**
 * Group commit of chaining passes within a process: a caller whose write has committed waits for
 * a pass that starts after its commit. While a pass runs, every caller arriving joins the one
 * queued after it, run on the first joiner's handle — so N concurrent commits cost about two
 * passes, not N, and no caller needs a second pool connection.
 */
export class ChainPassScheduler {
  private current: Promise<unknown> | null = null;
  private queued: Promise<unknown> | null = null;

  settle(db: TransactionalSqlRunner): Promise<unknown> {
    if (!this.current) return this.start(db);
    this.queued ??= this.current
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.start(db);
      });
    return this.queued;
  }

  private start(db: TransactionalSqlRunner): Promise<unknown> {
    const pass = AuditChainer.chainAll(db).finally(() => {
      if (this.current === pass) this.current = null;
    });
    this.current = pass;
    return pass;
  }
}
