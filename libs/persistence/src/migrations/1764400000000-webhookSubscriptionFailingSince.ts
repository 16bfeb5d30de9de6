import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a webhook endpoint started failing without a success since (NULL: healthy). Endpoints
 * failing for longer than WEBHOOK_AUTO_DISABLE_AFTER_MS are disabled automatically.
 */
export class WebhookSubscriptionFailingSince1764400000000 implements MigrationInterface {
  name = 'WebhookSubscriptionFailingSince1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE webhook_subscriptions ADD COLUMN failing_since timestamptz');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE webhook_subscriptions DROP COLUMN failing_since');
  }
}
