import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-endpoint rate limit as a token bucket (capacity: one second's worth): rate_tokens as of
 * rate_refilled_at, refilled at rate_limit_per_second. NULL rate: unlimited.
 */
export class WebhookSubscriptionRateLimit1764500000000 implements MigrationInterface {
  name = 'WebhookSubscriptionRateLimit1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_subscriptions
      ADD COLUMN rate_limit_per_second integer CHECK (rate_limit_per_second > 0),
      ADD COLUMN rate_tokens double precision NOT NULL DEFAULT 0,
      ADD COLUMN rate_refilled_at timestamptz NOT NULL DEFAULT now()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE webhook_subscriptions DROP COLUMN rate_limit_per_second, DROP COLUMN rate_tokens, DROP COLUMN rate_refilled_at');
  }
}
