import type { DataSource } from 'typeorm';
import type { ScimJsonObject } from '@idsync/identity';
import { ScimResourceStore, type StoredRow } from './scim-resource.store';

/** What one pass did. */
export interface PiiConversionResult {
  direction: 'encrypt' | 'decrypt';
  /** Rows rewritten into the tenant's current form. */
  converted: number;
  /** Rows looked at that needed nothing (a user without any of the encrypted attributes). */
  unchanged: number;
}

/**
 * Brings a tenant's existing User rows into the form its `encrypt_pii` flag asks for (after
 * `idsync tenant update --encrypt-pii on|off` flipped it): encrypt moves the PII of clear rows
 * into `pii_ciphertext`, decrypt puts it back into `data`/`norm`. Safe while SCIM writes flow:
 * each batch takes row locks (FOR UPDATE, in id order) and re-checks the row's form after the
 * wait, and writers lock a row before they change it, so a write and the pass never interleave
 * on one row; the SCIM document, version and ETag stay as they were. Resumable: the form is in
 * the rows themselves, so running it again continues where an interrupted pass stopped.
 */
export class PiiConversionPass {
  constructor(
    private readonly db: DataSource,
    private readonly store: ScimResourceStore,
    /** The search document of a User document (ScimWriteSupport.toWrite's norm). */
    private readonly normalize: (data: ScimJsonObject) => ScimJsonObject,
  ) {}

  /** Rows the pass will look at (for progress): clear rows when encrypting, encrypted ones when decrypting. */
  async pending(tenantId: string): Promise<number> {
    const encrypt = await this.store.encryptsPii(this.db, tenantId, { lock: false });
    const [{ n }] = (await this.db.query(
      `SELECT count(*)::int AS n FROM scim_resources WHERE tenant_id = $1 AND resource_type = 'User' AND pii_ciphertext IS ${encrypt ? '' : 'NOT'} NULL`,
      [tenantId],
    )) as Array<{ n: number }>;
    return n;
  }

  async run(tenantId: string, batchSize: number, tick: (rows: number) => void = () => undefined): Promise<PiiConversionResult> {
    const encrypt = await this.store.encryptsPii(this.db, tenantId, { lock: false });
    const result: PiiConversionResult = { direction: encrypt ? 'encrypt' : 'decrypt', converted: 0, unchanged: 0 };
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await this.db.transaction(async (tx) => {
        // Stop if the flag was flipped back meanwhile: the newer command's pass takes over.
        if ((await this.store.encryptsPii(tx, tenantId)) !== encrypt) throw new PiiConversionInterruptedError();
        const batch = (await tx.query(
          `SELECT r.id, r.tenant_id, r.resource_type, r.data, r.pii_ciphertext, r.version, r.created_at, r.updated_at
             FROM scim_resources r
            WHERE r.tenant_id = $1 AND r.resource_type = 'User' AND r.pii_ciphertext IS ${encrypt ? '' : 'NOT'} NULL AND r.id > $2
            ORDER BY r.id LIMIT $3 FOR UPDATE`,
          [tenantId, after, batchSize],
        )) as StoredRow[];
        for (const row of batch) {
          const data = this.store.toStored(row).data;
          if (await this.store.rewriteInPlace(tx, row, { data, norm: this.normalize(data) }, encrypt)) result.converted += 1;
          else result.unchanged += 1;
        }
        return batch;
      });
      if (rows.length === 0) return result;
      tick(rows.length);
      after = rows[rows.length - 1].id;
    }
  }
}

/** The tenant's flag was flipped again while a pass ran. */
export class PiiConversionInterruptedError extends Error {
  constructor() {
    super("the tenant's encrypt_pii flag changed while the pass ran; the pass of the newer command does the rest");
    this.name = 'PiiConversionInterruptedError';
  }
}
