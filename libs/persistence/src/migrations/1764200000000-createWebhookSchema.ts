import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * webhook-delivery's tables: subscriptions and their (encrypted) signing secrets, one durable
 * delivery record per (event, subscription) and the attempt log. tenant_id is on every table and
 * in every index that queries start from, because every query is scoped by tenant. No foreign key
 * to `tenants`: that table belongs to scim-gateway; tenants reach this app through the events.
 */
export class CreateWebhookSchema1764200000000 implements MigrationInterface {
  name = 'CreateWebhookSchema1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE webhook_subscriptions (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      url text NOT NULL,
      event_types text[] NOT NULL,
      description text,
      enabled boolean NOT NULL DEFAULT true,
      disabled_reason text,
      max_concurrency integer NOT NULL DEFAULT 5 CHECK (max_concurrency BETWEEN 1 AND 100),
      custom_headers jsonb NOT NULL DEFAULT '{}',
      ordered_delivery boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX ix_webhook_subscriptions_tenant ON webhook_subscriptions (tenant_id, created_at)`);

    // Secrets are AES-256-GCM ciphertexts (@idsync/crypto). The current one has expires_at NULL;
    // a rotated-out one keeps signing until expires_at (the grace period), then is ignored.
    await q.query(`CREATE TABLE webhook_secrets (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      subscription_id uuid NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
      secret_ciphertext text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz
    )`);
    await q.query(`CREATE INDEX ix_webhook_secrets_subscription ON webhook_secrets (subscription_id, created_at DESC)`);

    // One row per (event, subscription), written before the first attempt. The unique constraint
    // makes the Kafka consumer idempotent on redelivery. next_attempt_at is the persisted retry
    // schedule; locked_until is the lease of the replica currently sending (see DeliveryScheduler).
    await q.query(`CREATE TABLE webhook_deliveries (
      id uuid PRIMARY KEY,
      seq bigserial NOT NULL,
      tenant_id uuid NOT NULL,
      subscription_id uuid NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
      event_id text NOT NULL,
      event_type text NOT NULL,
      subject_key text NOT NULL,
      payload text NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
      attempt_count integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      locked_until timestamptz,
      last_status_code integer,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      completed_at timestamptz,
      CONSTRAINT ux_webhook_deliveries_event UNIQUE (subscription_id, event_id)
    )`);
    await q.query(`CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (subscription_id, next_attempt_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX ix_webhook_deliveries_ordered ON webhook_deliveries (subscription_id, subject_key, seq) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX ix_webhook_deliveries_tenant ON webhook_deliveries (tenant_id, created_at DESC)`);
    await q.query(`CREATE INDEX ix_webhook_deliveries_failed ON webhook_deliveries (subscription_id, created_at) WHERE status = 'failed'`);

    await q.query(`CREATE TABLE webhook_delivery_attempts (
      id bigserial PRIMARY KEY,
      tenant_id uuid NOT NULL,
      delivery_id uuid NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
      attempt_number integer NOT NULL,
      started_at timestamptz NOT NULL,
      duration_ms integer NOT NULL,
      status_code integer,
      error text,
      response_body text
    )`);
    await q.query(`CREATE INDEX ix_webhook_delivery_attempts_delivery ON webhook_delivery_attempts (delivery_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE webhook_delivery_attempts');
    await q.query('DROP TABLE webhook_deliveries');
    await q.query('DROP TABLE webhook_secrets');
    await q.query('DROP TABLE webhook_subscriptions');
  }
}
