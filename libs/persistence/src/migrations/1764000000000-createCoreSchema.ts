import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tenants and SCIM tokens, the SCIM resource store, the transactional outbox and the audit log. */
export class CreateCoreSchema1764000000000 implements MigrationInterface {
  name = 'CreateCoreSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE tenants (
      id uuid PRIMARY KEY,
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX ux_tenants_name ON tenants (lower(name))`);

    // Only a SHA-256 of each token is stored: tokens are 256-bit random values, so a fast hash
    // is safe against offline guessing and lets the lookup use an index.
    await q.query(`CREATE TABLE scim_tokens (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      token_hash bytea NOT NULL,
      description text,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    )`);
    await q.query(`CREATE UNIQUE INDEX ux_scim_tokens_hash ON scim_tokens (token_hash)`);
    await q.query(`CREATE INDEX ix_scim_tokens_tenant ON scim_tokens (tenant_id)`);

    // data: SCIM JSON without id/meta/password; norm: the same with case-insensitive strings
    // lowercased, searched with jsonb containment (GIN) by the filter compiler.
    await q.query(`CREATE TABLE scim_resources (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      resource_type text NOT NULL CHECK (resource_type IN ('User', 'Group')),
      user_name text,
      external_id text,
      display_name text,
      active boolean,
      data jsonb NOT NULL,
      norm jsonb NOT NULL,
      version integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX ux_scim_resources_user_name ON scim_resources (tenant_id, lower(user_name)) WHERE resource_type = 'User'`);
    await q.query(`CREATE INDEX ix_scim_resources_external_id ON scim_resources (tenant_id, resource_type, external_id)`);
    await q.query(`CREATE INDEX ix_scim_resources_display_name ON scim_resources (tenant_id, resource_type, lower(display_name))`);
    await q.query(`CREATE INDEX ix_scim_resources_created ON scim_resources (tenant_id, resource_type, created_at, id)`);
    await q.query(`CREATE INDEX ix_scim_resources_norm ON scim_resources USING gin (norm jsonb_path_ops)`);

    await q.query(`CREATE TABLE scim_passwords (
      resource_id uuid PRIMARY KEY REFERENCES scim_resources(id) ON DELETE CASCADE,
      tenant_id uuid NOT NULL,
      hash text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);

    // Direct memberships; indirect ones (nested groups) are derived with a recursive query.
    await q.query(`CREATE TABLE scim_group_members (
      tenant_id uuid NOT NULL,
      group_id uuid NOT NULL REFERENCES scim_resources(id) ON DELETE CASCADE,
      member_id uuid NOT NULL REFERENCES scim_resources(id) ON DELETE CASCADE,
      member_type text NOT NULL CHECK (member_type IN ('User', 'Group')),
      PRIMARY KEY (group_id, member_id)
    )`);
    await q.query(`CREATE INDEX ix_scim_group_members_member ON scim_group_members (member_id)`);

    await q.query(`CREATE TABLE outbox (
      id bigserial PRIMARY KEY,
      tenant_id uuid NOT NULL,
      topic text NOT NULL,
      message_key text NOT NULL,
      payload jsonb NOT NULL,
      headers jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz,
      attempts integer NOT NULL DEFAULT 0,
      last_error text
    )`);
    await q.query(`CREATE INDEX ix_outbox_unpublished ON outbox (id) WHERE published_at IS NULL`);

    await q.query(`CREATE TABLE audit_log (
      id bigserial PRIMARY KEY,
      tenant_id uuid,
      occurred_at timestamptz NOT NULL DEFAULT now(),
      actor_type text NOT NULL,
      actor_id text NOT NULL,
      action text NOT NULL,
      resource_type text,
      resource_id text,
      outcome text NOT NULL DEFAULT 'success',
      details jsonb NOT NULL DEFAULT '{}'::jsonb
    )`);
    await q.query(`CREATE INDEX ix_audit_log_tenant_time ON audit_log (tenant_id, occurred_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['audit_log', 'outbox', 'scim_group_members', 'scim_passwords', 'scim_resources', 'scim_tokens', 'tenants']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
