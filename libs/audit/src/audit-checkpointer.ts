import { SYSTEM_CHAIN_ID } from './audit-chain';
import type { TransactionalSqlRunner } from './audit-chainer';
import type { CheckpointSigner } from './checkpoint-signer';
import type { SqlRunner } from './sql-runner';

export interface RetentionResult {
  tenantId: string | null;
  /** Records 1..anchorSeq are gone; the checkpoint at anchorSeq is where verification now starts. */
  anchorSeq: number;
  deleted: number;
}

// One retention run at a time across replicas (transaction-scoped, so a crash releases it).
const RETENTION_LOCK_KEY = 0x1d5a_a0d1;

/**
 * Checkpoints and retention of the audit chains. A checkpoint records (chain, seq, hash, time),
 * Ed25519-signed when a signer is configured; it pins the chain as it was, so rewriting history
 * afterwards (even with every hash recomputed) no longer matches it. Retention deletes only whole
 * prefixes of a chain and first writes a checkpoint at the last deleted seq: the oldest remaining
 * record links to it, so verification keeps working (docs/AUDIT.md).
 */
export class AuditCheckpointer {
  constructor(
    private readonly db: TransactionalSqlRunner,
    private readonly signer?: CheckpointSigner,
  ) {}

  /** Checkpoints every chain head that has advanced since its last checkpoint; returns how many were written. */
  async checkpointHeads(): Promise<number> {
    const heads = (await this.db.query(
      `SELECT h.chain_id, h.seq, h.hash FROM audit_chain_heads h
        WHERE NOT EXISTS (SELECT 1 FROM audit_checkpoints c WHERE c.chain_id = h.chain_id AND c.seq >= h.seq)`,
    )) as Array<{ chain_id: string; seq: string; hash: Buffer }>;
    let written = 0;
    for (const h of heads) written += await this.insertCheckpoint(this.db, h.chain_id, Number(h.seq), h.hash, 'periodic');
    return written;
  }

  /**
   * Deletes, per chain, the longest prefix of records older than `retentionDays` (a record newer
   * than the cutoff stops the prefix, even if older ones follow it), after checkpointing its last record.
   */
  async applyRetention(retentionDays: number, now = new Date()): Promise<RetentionResult[]> {
    if (retentionDays <= 0) return [];
    const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
    return this.db.transaction(async (tx) => {
      const [{ locked }] = (await tx.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [RETENTION_LOCK_KEY])) as Array<{ locked: boolean }>;
      if (!locked) return [];
      const chains = (await tx.query('SELECT chain_id FROM audit_chain_heads ORDER BY chain_id')) as Array<{ chain_id: string }>;
      const results: RetentionResult[] = [];
      for (const { chain_id: chainId } of chains) {
        const [prefix] = (await tx.query(
          `SELECT l.seq, l.hash FROM audit_log l
            WHERE l.chain_id = $1 AND l.occurred_at < $2
              AND l.seq < coalesce((SELECT min(n.seq) FROM audit_log n WHERE n.chain_id = $1 AND n.occurred_at >= $2), 9223372036854775807)
            ORDER BY l.seq DESC LIMIT 1`,
          [chainId, cutoff],
        )) as Array<{ seq: string; hash: Buffer }>;
        if (!prefix) continue;
        const anchorSeq = Number(prefix.seq);
        await this.insertCheckpoint(tx, chainId, anchorSeq, prefix.hash, 'retention');
        const [, deleted] = (await tx.query('DELETE FROM audit_log WHERE chain_id = $1 AND seq <= $2', [chainId, prefix.seq])) as [unknown, number];
        results.push({ tenantId: chainId === SYSTEM_CHAIN_ID ? null : chainId, anchorSeq, deleted });
      }
      return results;
    });
  }

  private async insertCheckpoint(db: SqlRunner, chainId: string, seq: number, hash: Buffer, reason: 'periodic' | 'retention'): Promise<number> {
    // Millisecond precision: the signed time must be exactly what timestamptz gives back.
    const createdAt = new Date();
    const signature = this.signer?.sign({ chainId, seq, hash, createdAt }) ?? null;
    const inserted = (await db.query(
      `INSERT INTO audit_checkpoints (chain_id, seq, hash, created_at, reason, key_id, signature)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (chain_id, seq) DO NOTHING RETURNING id`,
      [chainId, seq, hash, createdAt, reason, this.signer?.keyId ?? null, signature],
    )) as unknown[];
    return inserted.length;
  }
}
