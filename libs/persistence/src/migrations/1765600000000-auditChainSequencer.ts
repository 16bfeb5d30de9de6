import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit chain sequencer (docs/AUDIT.md "Chaining"): a write transaction now inserts its audit
 * record unchained (seq, prev_hash and hash NULL) instead of locking the tenant's chain head until
 * COMMIT; the chainer links committed records right after their commit. The partial index is the
 * chainer's queue (it stays tiny: records wait there for milliseconds).
 */
export class AuditChainSequencer1765600000000 implements MigrationInterface {
  name = 'AuditChainSequencer1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_log
      ALTER COLUMN seq DROP NOT NULL,
      ALTER COLUMN prev_hash DROP NOT NULL,
      ALTER COLUMN hash DROP NOT NULL,
      ADD CONSTRAINT ck_audit_log_chained_whole CHECK ((seq IS NULL) = (prev_hash IS NULL) AND (seq IS NULL) = (hash IS NULL))`);
    await q.query(`CREATE INDEX ix_audit_log_unchained ON audit_log (id) WHERE seq IS NULL`);
  }

  // Fails while unchained records remain: let a chainer link them first (any app writing audit does).
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS ix_audit_log_unchained');
    await q.query(`ALTER TABLE audit_log DROP CONSTRAINT IF EXISTS ck_audit_log_chained_whole,
      ALTER COLUMN seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL`);
  }
}
