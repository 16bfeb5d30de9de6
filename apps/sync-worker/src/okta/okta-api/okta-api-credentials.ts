import { EnvelopeCipher } from '@idsync/crypto';
import { OKTA_SECRET_CONTEXT } from '@idsync/contracts';
import type { DataSource } from 'typeorm';

export type OktaApiCredentials =
  | { tenantId: string; orgUrl: string; method: 'ssws'; token: string; scopes: string; rateLimitShare: number | null }
  | { tenantId: string; orgUrl: string; method: 'client_secret' | 'private_key'; clientId: string; keyId: string | null; secret: string; scopes: string; rateLimitShare: number | null };

interface Row {
  org_url: string;
  auth_method: 'ssws' | 'client_secret' | 'private_key';
  client_id: string | null;
  key_id: string | null;
  scopes: string;
  credential_ciphertext: string;
  rate_limit_share: number | null;
}

/**
 * A tenant's Okta Management API access (okta_api_configs, written by the gateway's admin API or
 * the CLI), decrypted with the ENCRYPTION_KEYS ring. Read per use: a rotated credential applies at
 * once. Undefined when the tenant has none or no key ring is configured here.
 */
export class OktaApiCredentialsReader {
  constructor(
    private readonly db: DataSource,
    private readonly cipher: EnvelopeCipher | undefined,
  ) {}

  async forTenant(tenantId: string): Promise<OktaApiCredentials | undefined> {
    if (!this.cipher) return undefined;
    const rows = (await this.db.query(
      'SELECT org_url, auth_method, client_id, key_id, scopes, credential_ciphertext, rate_limit_share FROM okta_api_configs WHERE tenant_id = $1',
      [tenantId],
    )) as Row[];
    const row = rows[0];
    if (!row) return undefined;
    const secret = this.cipher.decrypt(row.credential_ciphertext, OKTA_SECRET_CONTEXT.apiCredential(tenantId));
    const share = row.rate_limit_share === null ? null : Number(row.rate_limit_share);
    if (row.auth_method === 'ssws') return { tenantId, orgUrl: row.org_url, method: 'ssws', token: secret, scopes: row.scopes, rateLimitShare: share };
    return { tenantId, orgUrl: row.org_url, method: row.auth_method, clientId: row.client_id ?? '', keyId: row.key_id, secret, scopes: row.scopes, rateLimitShare: share };
  }
}
