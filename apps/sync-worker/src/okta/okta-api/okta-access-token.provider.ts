import { createHash, createPrivateKey, randomUUID, sign } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import type { OktaApiCredentials } from './okta-api-credentials';

type OAuthCredentials = Extract<OktaApiCredentials, { method: 'client_secret' | 'private_key' }>;

export class OktaAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OktaAuthError';
  }
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** RFC 7523 client assertion (private_key_jwt), RS256 or ES256 by key type. */
function clientAssertion(creds: OAuthCredentials, audience: string): string {
  const key = createPrivateKey(creds.secret);
  const alg = key.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256';
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg, typ: 'JWT', ...(creds.keyId ? { kid: creds.keyId } : {}) }));
  const payload = base64url(JSON.stringify({ iss: creds.clientId, sub: creds.clientId, aud: audience, iat: now, exp: now + 300, jti: randomUUID() }));
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${header}.${payload}.${base64url(signature)}`;
}

/**
 * OAuth 2.0 client credentials against the org authorization server (`/oauth2/v1/token`, scopes
 * such as okta.users.read), with client_secret_basic or private_key_jwt. Tokens are cached per
 * tenant until a minute before they expire.
 */
export class OktaAccessTokenProvider {
  private readonly tokens = new Map<string, { token: string; expiresAt: number; fingerprint: string }>();

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly timeoutMs: number,
  ) {}

  async authorization(creds: OktaApiCredentials): Promise<string> {
    if (creds.method === 'ssws') return `SSWS ${creds.token}`;
    // The cache entry is tied to the credential, so a rotated one is used at once.
    const fingerprint = createHash('sha256').update(`${creds.orgUrl}|${creds.clientId}|${creds.method}|${creds.scopes}|${creds.secret}`).digest('hex');
    const cached = this.tokens.get(creds.tenantId);
    if (cached && cached.fingerprint === fingerprint && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
    const tokenUrl = `${creds.orgUrl}/oauth2/v1/token`;
    const form = new URLSearchParams({ grant_type: 'client_credentials', scope: creds.scopes });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (creds.method === 'client_secret') {
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(creds.clientId)}:${encodeURIComponent(creds.secret)}`).toString('base64')}`;
    } else {
      form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      form.set('client_assertion', clientAssertion(creds, tokenUrl));
    }
    const res = await request(tokenUrl, {
      method: 'POST',
      headers,
      body: form.toString(),
      dispatcher: this.dispatcher,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new OktaAuthError(`Okta token endpoint answered ${res.statusCode}`);
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new OktaAuthError('Okta token endpoint answered with non-JSON');
    }
    if (typeof body.access_token !== 'string') throw new OktaAuthError('Okta token response has no access_token');
    const lifetimeS = typeof body.expires_in === 'number' ? body.expires_in : 300;
    this.tokens.set(creds.tenantId, { token: body.access_token, expiresAt: Date.now() + Math.max(0, lifetimeS - 60) * 1000, fingerprint });
    return `Bearer ${body.access_token}`;
  }

  /** Drops a tenant's token (after a 401: it was revoked or the credential changed). */
  forget(tenantId: string): void {
    this.tokens.delete(tenantId);
  }
}
