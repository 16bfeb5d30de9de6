import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Okta Event Hooks (docs/OKTA.md), per tenant:
 * - okta_hook_configs: the auth header Okta sends and its secret, AES-256-GCM encrypted with the
 *   ENCRYPTION_KEYS ring (@idsync/crypto, context bound to the tenant);
 * - okta_api_configs: the Okta org and Management API credential (SSWS token, OAuth client secret
 *   or private key — encrypted the same way) the worker uses to fetch full profiles;
 * - okta_hook_events: one row per accepted Okta event uuid. The primary key is the dedupe: an
 *   Okta retry of an event already accepted inserts nothing, so nothing reaches the outbox twice.
 */
export class OktaEventHooks1764700000000 implements MigrationInterface {
  name = 'OktaEventHooks1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE okta_hook_configs (
      tenant_id uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
      auth_header_name text NOT NULL,
      secret_ciphertext text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);

    await q.query(`CREATE TABLE okta_api_configs (
      tenant_id uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
      org_url text NOT NULL,
      auth_method text NOT NULL CHECK (auth_method IN ('ssws', 'client_secret', 'private_key')),
      client_id text,
      key_id text,
      scopes text NOT NULL DEFAULT 'okta.users.read',
      credential_ciphertext text NOT NULL,
      rate_limit_share real CHECK (rate_limit_share > 0 AND rate_limit_share <= 1),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((auth_method = 'ssws') = (client_id IS NULL))
    )`);

    await q.query(`CREATE TABLE okta_hook_events (
      tenant_id uuid NOT NULL,
      event_uuid uuid NOT NULL,
      event_type text NOT NULL,
      published_at timestamptz NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, event_uuid)
    )`);
    // Retention prunes by age.
    await q.query(`CREATE INDEX ix_okta_hook_events_received ON okta_hook_events (received_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE okta_hook_events');
    await q.query('DROP TABLE okta_api_configs');
    await q.query('DROP TABLE okta_hook_configs');
  }
}
