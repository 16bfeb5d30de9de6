import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for webhook-delivery's claim (DeliveryRepository.claimLocked), so its cost follows the
 * rows it takes rather than an endpoint's backlog:
 * - the in-flight count (`status = 'pending' AND locked_until > now()` per subscription) reads only
 *   leased rows — recording an attempt clears `locked_until`, so this index stays small;
 * - the pick (`ORDER BY next_attempt_at, seq LIMIT free` per subscription) walks the index in
 *   that order and stops after the rows it takes, instead of reading every due row and sorting.
 *   It covers what `ix_webhook_deliveries_due` (subscription_id, next_attempt_at) served, which
 *   is dropped so fan-out inserts maintain one index fewer.
 * Plain CREATE INDEX (migrations run in a transaction): it blocks writes to webhook_deliveries
 * while it builds — seconds for a few million rows.
 */
export class WebhookDeliveryClaimIndexes1765500000000 implements MigrationInterface {
  name = 'WebhookDeliveryClaimIndexes1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX ix_webhook_deliveries_leased ON webhook_deliveries (subscription_id, locked_until) WHERE status = 'pending' AND locked_until IS NOT NULL`);
    await q.query(`CREATE INDEX ix_webhook_deliveries_pick ON webhook_deliveries (subscription_id, next_attempt_at, seq) WHERE status = 'pending'`);
    await q.query('DROP INDEX ix_webhook_deliveries_due');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (subscription_id, next_attempt_at) WHERE status = 'pending'`);
    await q.query('DROP INDEX ix_webhook_deliveries_pick');
    await q.query('DROP INDEX ix_webhook_deliveries_leased');
  }
}
