import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reconciliation (libs/reconcile) looks up a resource's latest outbox change — its last published
 * representation, and whether a change is still travelling — by (tenant, message key).
 */
export class OutboxByResource1764900000000 implements MigrationInterface {
  name = 'OutboxByResource1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX ix_outbox_tenant_key ON outbox (tenant_id, message_key, id DESC)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX ix_outbox_tenant_key');
  }
}
