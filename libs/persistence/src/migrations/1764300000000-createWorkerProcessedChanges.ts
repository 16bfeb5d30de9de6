import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * sync-worker's dedupe ledger: one row per (consumer group, change id) whose events were
 * published. A redelivered or republished change record with a row here is skipped, so each
 * input has its effect once per consumer group (the events themselves carry deterministic ids).
 */
export class CreateWorkerProcessedChanges1764300000000 implements MigrationInterface {
  name = 'CreateWorkerProcessedChanges1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE worker_processed_changes (
      consumer_group text NOT NULL,
      change_id text NOT NULL,
      tenant_id text NOT NULL,
      source_topic text NOT NULL,
      source_partition integer NOT NULL,
      source_offset bigint NOT NULL,
      event_count integer NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer_group, change_id)
    )`);
    // Retention jobs prune by age.
    await q.query(`CREATE INDEX ix_worker_processed_changes_processed_at ON worker_processed_changes (processed_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE worker_processed_changes`);
  }
}
