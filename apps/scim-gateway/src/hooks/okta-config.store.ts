import { randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { OktaSecretBox } from './okta-secret-box';

/** Input an operator got wrong (admin API: 400; CLI: exit 1 with the message). */
export class OktaConfigInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OktaConfigInputError';
  }
}

export type OktaApiAuthMethod = 'ssws' | 'client_secret' | 'private_key';

export interface OktaHookConfigSummary {
  tenantId: string;
  /** The header Okta sends the secret in (Okta: Event Hook → Authentication field). */
  headerName: string;
  createdAt: string;
  updatedAt: string;
}

export interface OktaApiConfigSummary {
  tenantId: string;
  orgUrl: string;
  authMethod: OktaApiAuthMethod;
  clientId: string | null;
  keyId: string | null;
  scopes: string;
  /** Share of the org's rate limit the worker may use; null = OKTA_API_RATE_LIMIT_SHARE. */
  rateLimitShare: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface OktaApiConfigInput {
  orgUrl: string;
  /** An SSWS API token (authMethod ssws), an OAuth client secret, or a PEM private key. */
  authMethod: OktaApiAuthMethod;
  credential: string;
  clientId?: string;
  keyId?: string;
  scopes?: string;
  rateLimitShare?: number;
}

// RFC 9110 token characters; headers that proxies or Node manage themselves cannot carry the secret.
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'cookie', 'x-okta-verification-challenge']);
// A header value: visible ASCII and inner spaces (e.g. "Basic dXNlcjpwYXNz").
const SECRET = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function validHeaderName(name: string): string {
  const trimmed = name.trim();
  if (!HEADER_NAME.test(trimmed) || RESERVED_HEADERS.has(trimmed.toLowerCase())) {
    throw new OktaConfigInputError('header name must be an HTTP header name (letters, digits, - …; not Host, Content-Type, Cookie, …)');
  }
  return trimmed;
}

export function validHookSecret(secret: string): string {
  if (secret.length < 16 || secret.length > 512 || !SECRET.test(secret)) {
    throw new OktaConfigInputError('the hook secret must be 16-512 printable ASCII characters (it travels as an HTTP header value)');
  }
  return secret;
}

/** A fresh 256-bit secret, header-safe. */
export function generateHookSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** `https://<org>.okta.com` (no path); http only to loopback, for local development and tests. */
export function validOrgUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new OktaConfigInputError('org URL must be an absolute URL such as https://example.okta.com');
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new OktaConfigInputError('org URL must use https://');
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new OktaConfigInputError('org URL must be the bare origin, e.g. https://example.okta.com');
  }
  return url.origin;
}

function validApiInput(input: OktaApiConfigInput): OktaApiConfigInput {
  const orgUrl = validOrgUrl(input.orgUrl);
  if (!input.credential || input.credential.length > 16_384) throw new OktaConfigInputError('the API credential is missing or too long');
  if (input.authMethod === 'ssws') {
    if (input.clientId) throw new OktaConfigInputError('an SSWS token takes no client id');
    if (!SECRET.test(input.credential)) throw new OktaConfigInputError('the SSWS token must be printable ASCII');
  } else {
    if (!input.clientId || !/^[A-Za-z0-9._-]{1,128}$/.test(input.clientId)) throw new OktaConfigInputError('OAuth 2.0 client credentials need a client id');
    if (input.authMethod === 'private_key' && !/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(input.credential)) {
      throw new OktaConfigInputError('the private key must be PEM (-----BEGIN PRIVATE KEY-----)');
    }
  }
  const scopes = (input.scopes ?? 'okta.users.read').trim();
  if (!/^[A-Za-z0-9._:]+( [A-Za-z0-9._:]+)*$/.test(scopes)) throw new OktaConfigInputError('scopes must be space-separated scope names');
  if (input.rateLimitShare !== undefined && !(input.rateLimitShare > 0 && input.rateLimitShare <= 1)) {
    throw new OktaConfigInputError('rate limit share must be in (0, 1]');
  }
  if (input.keyId !== undefined && !/^[A-Za-z0-9._-]{1,128}$/.test(input.keyId)) throw new OktaConfigInputError('key id must be [A-Za-z0-9._-]');
  return { ...input, orgUrl, scopes };
}

interface HookRow {
  tenant_id: string;
  auth_header_name: string;
  secret_ciphertext: string;
  created_at: Date;
  updated_at: Date;
}

interface ApiRow {
  tenant_id: string;
  org_url: string;
  auth_method: OktaApiAuthMethod;
  client_id: string | null;
  key_id: string | null;
  scopes: string;
  rate_limit_share: number | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * Per-tenant Okta configuration: the Event Hook's auth header + secret and the Management API
 * credential, secrets encrypted at rest (OktaSecretBox). Every statement is scoped by tenant.
 * Plain class over a DataSource/EntityManager: the gateway's handlers and the CLI share it.
 */
export class OktaConfigStore {
  constructor(private readonly box: OktaSecretBox) {}

  async setHook(db: EntityManager | DataSource, tenantId: string, headerName: string, secret: string): Promise<OktaHookConfigSummary> {
    const name = validHeaderName(headerName);
    const ciphertext = this.box.sealHookSecret(tenantId, validHookSecret(secret));
    const [row] = (await db.query(
      `INSERT INTO okta_hook_configs (tenant_id, auth_header_name, secret_ciphertext) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET auth_header_name = EXCLUDED.auth_header_name, secret_ciphertext = EXCLUDED.secret_ciphertext, updated_at = now()
       RETURNING tenant_id, auth_header_name, secret_ciphertext, created_at, updated_at`,
      [tenantId, name, ciphertext],
    )) as HookRow[];
    return hookSummary(row);
  }

  async hook(db: EntityManager | DataSource, tenantId: string): Promise<OktaHookConfigSummary | undefined> {
    const rows = (await db.query('SELECT tenant_id, auth_header_name, created_at, updated_at FROM okta_hook_configs WHERE tenant_id = $1', [tenantId])) as HookRow[];
    return rows[0] ? hookSummary(rows[0]) : undefined;
  }

  /** The header name and the decrypted secret, for verifying deliveries (never returned by any API). */
  async hookCredential(db: EntityManager | DataSource, tenantId: string): Promise<{ headerName: string; secret: string } | undefined> {
    const rows = (await db.query('SELECT auth_header_name, secret_ciphertext FROM okta_hook_configs WHERE tenant_id = $1', [tenantId])) as HookRow[];
    const row = rows[0];
    return row ? { headerName: row.auth_header_name, secret: this.box.openHookSecret(tenantId, row.secret_ciphertext) } : undefined;
  }

  async removeHook(db: EntityManager | DataSource, tenantId: string): Promise<boolean> {
    const [, count] = (await db.query('DELETE FROM okta_hook_configs WHERE tenant_id = $1', [tenantId])) as [unknown, number];
    return count > 0;
  }

  async setApi(db: EntityManager | DataSource, tenantId: string, raw: OktaApiConfigInput): Promise<OktaApiConfigSummary> {
    const input = validApiInput(raw);
    const ciphertext = this.box.sealApiCredential(tenantId, input.credential);
    const [row] = (await db.query(
      `INSERT INTO okta_api_configs (tenant_id, org_url, auth_method, client_id, key_id, scopes, credential_ciphertext, rate_limit_share)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (tenant_id) DO UPDATE SET org_url = EXCLUDED.org_url, auth_method = EXCLUDED.auth_method, client_id = EXCLUDED.client_id,
         key_id = EXCLUDED.key_id, scopes = EXCLUDED.scopes, credential_ciphertext = EXCLUDED.credential_ciphertext,
         rate_limit_share = EXCLUDED.rate_limit_share, updated_at = now()
       RETURNING tenant_id, org_url, auth_method, client_id, key_id, scopes, rate_limit_share, created_at, updated_at`,
      [tenantId, input.orgUrl, input.authMethod, input.authMethod === 'ssws' ? null : input.clientId, input.keyId ?? null, input.scopes, ciphertext, input.rateLimitShare ?? null],
    )) as ApiRow[];
    return apiSummary(row);
  }

  async api(db: EntityManager | DataSource, tenantId: string): Promise<OktaApiConfigSummary | undefined> {
    const rows = (await db.query(
      'SELECT tenant_id, org_url, auth_method, client_id, key_id, scopes, rate_limit_share, created_at, updated_at FROM okta_api_configs WHERE tenant_id = $1',
      [tenantId],
    )) as ApiRow[];
    return rows[0] ? apiSummary(rows[0]) : undefined;
  }

  async removeApi(db: EntityManager | DataSource, tenantId: string): Promise<boolean> {
    const [, count] = (await db.query('DELETE FROM okta_api_configs WHERE tenant_id = $1', [tenantId])) as [unknown, number];
    return count > 0;
  }
}

function hookSummary(row: HookRow): OktaHookConfigSummary {
  return { tenantId: row.tenant_id, headerName: row.auth_header_name, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString() };
}

function apiSummary(row: ApiRow): OktaApiConfigSummary {
  return {
    tenantId: row.tenant_id,
    orgUrl: row.org_url,
    authMethod: row.auth_method,
    clientId: row.client_id,
    keyId: row.key_id,
    scopes: row.scopes,
    rateLimitShare: row.rate_limit_share === null ? null : Number(row.rate_limit_share),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
