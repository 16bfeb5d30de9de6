import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook subscriptions' custom headers often carry the target's credentials (Authorization,
 * X-Api-Key). Their values move into one envelope ciphertext per subscription
 * (`custom_headers_ciphertext`, @idsync/crypto format); `custom_headers` keeps only the names
 * (values ''). Migrations have no key ring, so existing clear rows are sealed by webhook-delivery
 * at start-up (SubscriptionHeadersSealer) and are delivered from the clear column until then.
 */
export class WebhookCustomHeadersCiphertext1765400000000 implements MigrationInterface {
  name = 'WebhookCustomHeadersCiphertext1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE webhook_subscriptions ADD COLUMN custom_headers_ciphertext text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE webhook_subscriptions DROP COLUMN custom_headers_ciphertext');
  }
}
