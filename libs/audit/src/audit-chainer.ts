import { GENESIS_HASH, contentHash, linkHash } from './audit-chain';
import { AUDIT_LOG_COLUMNS, contentOf, type AuditLogRow } from './audit-record';
import type { SqlRunner } from './sql-runner';

/** A handle that can run work in one transaction (a TypeORM DataSource, or one connection via BEGIN/COMMIT). */
export interface TransactionalSqlRunner extends SqlRunner {
  transaction<T>(run: (tx: SqlRunner) => Promise<T>): Promise<T>;
}

/**
 * One database connection that runs multi-statement text and returns node-postgres results (a
 * pg client: `await queryRunner.connect()`). A pass is two round trips — `BEGIN; lock; read` and
 * `link; COMMIT` — so it can run right after every commit without doubling a write's cost.
 */
export interface ChainConnection {
  query(text: string): Promise<unknown>;
}

// Chaining passes are serialised across processes by this transaction-scoped advisory lock: a pass
// reads the pending records only once it holds it (a separate statement, so a fresh snapshot), so
// it sees everything the previous pass linked.
const CHAIN_LOCK_KEY = 0x1d5a_c4a1;

/** How many pending records one pass links (one transaction); a drain repeats passes until a short one. */
export const CHAIN_BATCH = 1_000;

/**
 * The oldest pending records with their chain's head, locked (FOR UPDATE: a replica still running
 * the previous version appends under this row lock).
 */
const pendingSql = (limit: number) => `
WITH pending AS (SELECT ${AUDIT_LOG_COLUMNS} FROM audit_log WHERE seq IS NULL ORDER BY id LIMIT ${limit}),
heads AS (SELECT chain_id, seq, hash FROM audit_chain_heads WHERE chain_id IN (SELECT chain_id FROM pending) FOR UPDATE)
SELECT pending.*, heads.seq AS head_seq, heads.hash AS head_hash FROM pending LEFT JOIN heads USING (chain_id) ORDER BY pending.id`;

// Values are inlined (multi-statement text cannot carry parameters): only digits, hex and UUIDs,
// all computed here or read from the database, each checked against its pattern.
const DIGITS = /^\d{1,19}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
function literal(value: string, pattern: RegExp): string {
  if (!pattern.test(value)) throw new Error('audit chaining: unexpected value shape');
  return value;
}
const bigints = (values: string[]) => `ARRAY[${values.map((v) => literal(v, DIGITS)).join(',')}]::bigint[]`;
const byteas = (values: Buffer[]) => `ARRAY[${values.map((v) => `'\\x${v.toString('hex')}'`).join(',')}]::bytea[]`;
const uuids = (values: string[]) => `ARRAY[${values.map((v) => `'${literal(v, UUID)}'`).join(',')}]::uuid[]`;

/**
 * Links the records and moves the heads; the final SELECT divides by zero (aborting the
 * transaction, so COMMIT is skipped) unless every record was still unchained — cannot happen under
 * the lock, but a half-applied pass would leave heads that no longer name the last records.
 */
function linkSql(ids: string[], seqs: string[], prevs: Buffer[], hashes: Buffer[], chainIds: string[], heads: Array<{ seq: bigint; prev: Buffer; hash: Buffer }>): string {
  return `
WITH linked AS (
  UPDATE audit_log l SET seq = u.seq, prev_hash = u.prev_hash, hash = u.hash
    FROM unnest(${bigints(ids)}, ${bigints(seqs)}, ${byteas(prevs)}, ${byteas(hashes)}) AS u(id, seq, prev_hash, hash)
   WHERE l.id = u.id AND l.seq IS NULL
  RETURNING 1
), moved AS (
  INSERT INTO audit_chain_heads AS h (chain_id, seq, prev_hash, hash)
  SELECT * FROM unnest(${uuids(chainIds)}, ${bigints(heads.map((t) => t.seq.toString()))}, ${byteas(heads.map((t) => t.prev))}, ${byteas(heads.map((t) => t.hash))})
  ON CONFLICT (chain_id) DO UPDATE SET seq = EXCLUDED.seq, prev_hash = EXCLUDED.prev_hash, hash = EXCLUDED.hash
  RETURNING 1
)
SELECT 1 / (count(*) = ${ids.length})::int AS ok FROM linked, (SELECT count(*) FROM moved) m;
COMMIT`;
}

type PendingRow = AuditLogRow & { head_seq: string | null; head_hash: Buffer | null };
const rowsOf = (result: unknown, index: number) => (result as Array<{ rows: unknown[] }>)[index].rows;

/**
 * The audit chain sequencer: write transactions insert their audit records unchained (seq,
 * prev_hash, hash NULL) so tenants' writes no longer queue on the chain head; a pass then links the
 * committed ones, in id order, to their chains — seq, prevHash and hash computed exactly as the
 * verifier recomputes them (docs/AUDIT.md). Only committed records are visible to a pass, so a
 * record is never chained without its write; a pass is one transaction, so a chain never holds a
 * half-linked batch.
 */
export class AuditChainer {
  /** One pass (its own transaction on `conn`): links up to `limit` pending records; returns how many. */
  static async chainOnce(conn: ChainConnection, limit = CHAIN_BATCH): Promise<number> {
    if (!Number.isInteger(limit) || limit < 1) throw new Error('audit chaining: limit must be a positive integer');
    // Committed durably (no synchronous_commit=off): a linked seq/hash, once seen (an export, a
    // verification), must never change; a pass lost in a crash and re-linked could order records
    // differently. The flush is shared by every record of the pass.
    // enable_bitmapscan off: an index scan of ix_audit_log_unchained marks the entries of rows
    // already chained as dead as it passes them; a bitmap scan would revisit them until VACUUM.
    try {
      const pending = rowsOf(await conn.query(`BEGIN; SET LOCAL enable_bitmapscan = off; SELECT pg_advisory_xact_lock(${CHAIN_LOCK_KEY}); ${pendingSql(limit)}`), 3) as PendingRow[];
      if (pending.length === 0) {
        await conn.query('COMMIT');
        return 0;
      }
      const chainIds = [...new Set(pending.map((r) => r.chain_id))].sort();
      const tip = new Map<string, { seq: bigint; prev: Buffer; hash: Buffer }>();
      for (const r of pending) if (r.head_seq !== null && r.head_hash && !tip.has(r.chain_id)) tip.set(r.chain_id, { seq: BigInt(r.head_seq), prev: GENESIS_HASH, hash: r.head_hash });
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
      await conn.query(linkSql(ids, seqs, prevs, hashes, chainIds, chainIds.map((id) => tip.get(id)!)));
      return ids.length;
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => undefined);
      // linkSql's guard: a record it meant to link was linked by someone else (cannot happen under the lock).
      if ((err as { code?: string }).code === '22012') throw new Error('audit chaining: a record of this pass was already linked; the pass was rolled back', { cause: err });
      throw err;
    }
  }

  /** Links every committed pending record, one transaction per batch; returns how many were linked. */
  static async chainAll(conn: ChainConnection, limit = CHAIN_BATCH): Promise<number> {
    let total = 0;
    for (;;) {
      const linked = await AuditChainer.chainOnce(conn, limit);
      total += linked;
      if (linked < limit) return total;
    }
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

  settle(conn: ChainConnection): Promise<unknown> {
    if (!this.current) return this.start(conn);
    this.queued ??= this.current
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.start(conn);
      });
    return this.queued;
  }

  private start(conn: ChainConnection): Promise<unknown> {
    const pass = AuditChainer.chainAll(conn).finally(() => {
      if (this.current === pass) this.current = null;
    });
    this.current = pass;
    return pass;
  }
}
