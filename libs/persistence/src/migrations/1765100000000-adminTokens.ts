import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Admin API authorization (RBAC): per-person/per-script admin tokens with a role, and
 * just-in-time role grants. Only a SHA-256 of each token is stored (see AdminTokenStore for why
 * a fast hash is right here); `tenant_id` is set exactly for `tenant-admin` tokens.
 */
export class AdminTokens1765100000000 implements MigrationInterface {
  name = 'AdminTokens1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE admin_tokens (
      id uuid PRIMARY KEY,
      name text NOT NULL,
      description text,
      role text NOT NULL CHECK (role IN ('admin', 'operator', 'auditor', 'tenant-admin')),
      tenant_id uuid REFERENCES tenants (id) ON DELETE CASCADE,
      token_hash bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      created_by text NOT NULL,
      expires_at timestamptz,
      last_used_at timestamptz,
      revoked_at timestamptz,
      CONSTRAINT admin_tokens_tenant_role CHECK ((role = 'tenant-admin') = (tenant_id IS NOT NULL))
    )`);
    await q.query('CREATE UNIQUE INDEX ux_admin_tokens_hash ON admin_tokens (token_hash)');
    await q.query('CREATE UNIQUE INDEX ux_admin_tokens_name ON admin_tokens (lower(name)) WHERE revoked_at IS NULL');

    await q.query(`CREATE TABLE admin_access_grants (
      id uuid PRIMARY KEY,
      subject text NOT NULL,
      role text NOT NULL CHECK (role IN ('admin', 'operator', 'auditor', 'tenant-admin')),
      tenant_id uuid REFERENCES tenants (id) ON DELETE CASCADE,
      reason text NOT NULL,
      granted_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      revoked_at timestamptz,
      revoked_by text,
      -- set by the sweep once the grant's expiry is in the audit trail
      lapse_recorded_at timestamptz,
      CONSTRAINT admin_access_grants_tenant_role CHECK ((role = 'tenant-admin') = (tenant_id IS NOT NULL))
    )`);
    await q.query('CREATE INDEX ix_admin_access_grants_subject ON admin_access_grants (lower(subject), expires_at) WHERE revoked_at IS NULL');
    await q.query('CREATE INDEX ix_admin_access_grants_lapse ON admin_access_grants (expires_at) WHERE revoked_at IS NULL AND lapse_recorded_at IS NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE admin_access_grants');
    await q.query('DROP TABLE admin_tokens');
  }
}
