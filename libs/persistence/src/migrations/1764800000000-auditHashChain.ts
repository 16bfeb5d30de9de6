import type { MigrationInterface, QueryRunner } from 'typeorm';
import { AUDIT_LOG_COLUMNS, GENESIS_HASH, changesHash, contentHash, contentOf, linkHash, type AuditLogRow } from '@idsync/audit';

/**
 * The tamper-evident audit trail (docs/AUDIT.md): audit_log records get a per-tenant chain
 * position (chain_id = tenant, or the nil UUID for tenant-less events; seq), the previous record's
 * hash and their own, plus the attribute diff and its commitment; audit_chain_heads holds each
 * chain's last position (its row lock serialises appends); audit_checkpoints pins chain positions
 * (optionally Ed25519-signed) and anchors chains whose prefix retention removed.
 * Existing records are chained in id order with the v1 hash (the lib keeps every hash version it
 * ever wrote, so this backfill stays valid).
 */
export class AuditHashChain1764800000000 implements MigrationInterface {
  name = 'AuditHashChain1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_log
      ADD COLUMN chain_id uuid GENERATED ALWAYS AS (coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid)) STORED,
      ADD COLUMN seq bigint,
      ADD COLUMN prev_hash bytea,
      ADD COLUMN hash bytea,
      ADD COLUMN changes jsonb,
      ADD COLUMN changes_hash bytea`);
    // Hashed times are milliseconds (what a JS Date holds); older rows carry microseconds.
    await q.query(`UPDATE audit_log SET occurred_at = date_trunc('milliseconds', occurred_at)`);
    await q.query(`CREATE TABLE audit_chain_heads (
      chain_id uuid PRIMARY KEY,
      seq bigint NOT NULL,
      prev_hash bytea NOT NULL,
      hash bytea NOT NULL
    )`);
    await q.query(`CREATE TABLE audit_checkpoints (
      id bigserial PRIMARY KEY,
      chain_id uuid NOT NULL,
      seq bigint NOT NULL,
      hash bytea NOT NULL,
      created_at timestamptz NOT NULL,
      reason text NOT NULL,
      key_id text,
      signature bytea,
      CONSTRAINT ux_audit_checkpoints_chain_seq UNIQUE (chain_id, seq)
    )`);
    await this.chainExistingRecords(q);
    await q.query(`ALTER TABLE audit_log ALTER COLUMN seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX ux_audit_log_chain_seq ON audit_log (chain_id, seq)`);
    // Keyset pages (newest first) by tenant, actor and target.
    await q.query(`CREATE INDEX ix_audit_log_chain_id ON audit_log (chain_id, id)`);
    await q.query(`CREATE INDEX ix_audit_log_actor ON audit_log (actor_id, id)`);
    await q.query(`CREATE INDEX ix_audit_log_target ON audit_log (resource_id, id) WHERE resource_id IS NOT NULL`);
    // Retention finds each chain's records older than the cutoff.
    await q.query(`CREATE INDEX ix_audit_log_chain_time ON audit_log (chain_id, occurred_at)`);
  }

  private async chainExistingRecords(q: QueryRunner): Promise<void> {
    const heads = new Map<string, { seq: number; hash: Buffer }>();
    let after = '0';
    for (;;) {
      const rows = (await q.query(`SELECT ${AUDIT_LOG_COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT 1000`, [after])) as AuditLogRow[];
      for (const row of rows) {
        const head = heads.get(row.chain_id) ?? { seq: 0, hash: GENESIS_HASH };
        const seq = head.seq + 1;
        const changes = changesHash(row.changes);
        const hash = linkHash(head.hash, seq, contentHash(contentOf({ ...row, changes_hash: changes })));
        await q.query('UPDATE audit_log SET seq = $2, prev_hash = $3, hash = $4, changes_hash = $5 WHERE id = $1', [row.id, seq, head.hash, hash, changes]);
        heads.set(row.chain_id, { seq, hash });
      }
      if (rows.length < 1000) break;
      after = String(rows[rows.length - 1].id);
    }
    for (const [chainId, head] of heads) {
      const [prev] = (await q.query('SELECT prev_hash FROM audit_log WHERE chain_id = $1 AND seq = $2', [chainId, head.seq])) as Array<{ prev_hash: Buffer }>;
      await q.query('INSERT INTO audit_chain_heads (chain_id, seq, prev_hash, hash) VALUES ($1, $2, $3, $4)', [chainId, head.seq, prev.prev_hash, head.hash]);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS audit_checkpoints');
    await q.query('DROP TABLE IF EXISTS audit_chain_heads');
    for (const index of ['ux_audit_log_chain_seq', 'ix_audit_log_chain_id', 'ix_audit_log_actor', 'ix_audit_log_target', 'ix_audit_log_chain_time']) await q.query(`DROP INDEX IF EXISTS ${index}`);
    await q.query('ALTER TABLE audit_log DROP COLUMN chain_id, DROP COLUMN seq, DROP COLUMN prev_hash, DROP COLUMN hash, DROP COLUMN changes, DROP COLUMN changes_hash');
  }
}
