import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-tenant PII encryption (docs/SECURITY.md): a tenant opts in with `encrypt_pii`; its
 * resources then keep the non-searchable PII attributes in one envelope ciphertext per row
 * (`pii_ciphertext`, @idsync/crypto format) instead of the jsonb documents. Rows of tenants
 * without the option keep NULL there and are read as before.
 */
export class TenantPiiEncryption1765200000000 implements MigrationInterface {
  name = 'TenantPiiEncryption1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE tenants ADD COLUMN encrypt_pii boolean NOT NULL DEFAULT false');
    await q.query('ALTER TABLE scim_resources ADD COLUMN pii_ciphertext text');
    // `keys rotate` and the decrypting pass walk only encrypted rows, in id order.
    await q.query('CREATE INDEX ix_scim_resources_pii ON scim_resources ((id::text)) WHERE pii_ciphertext IS NOT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS ix_scim_resources_pii');
    await q.query('ALTER TABLE scim_resources DROP COLUMN pii_ciphertext');
    await q.query('ALTER TABLE tenants DROP COLUMN encrypt_pii');
  }
}
