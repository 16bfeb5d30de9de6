import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { preparedQuery } from '@idsync/persistence';

export interface ScimPrincipal {
  tenantId: string;
  tokenId: string;
}

export interface IssuedToken {
  id: string;
  tenantId: string;
  /** Shown once: only its SHA-256 is stored. */
  token: string;
}

export interface TokenSummary {
  id: string;
  tenantId: string;
  description: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const TOKEN_PREFIX = 'idsync_scim_';
const CACHE_TTL_MS = 5_000; // bounds how long a revoked token can still be accepted by a replica
const LAST_USED_RESOLUTION_MS = 60_000;

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * SCIM bearer tokens: 256-bit random values, one tenant each. Only a SHA-256 digest is stored
 * (a high-entropy token needs no slow hash, and the digest can be indexed); verification compares
 * digests in constant time. Verified tokens are cached briefly to keep one DB round-trip off
 * every SCIM request.
 */
@Injectable()
export class ScimTokenService {
  private readonly cache = new Map<string, { principal: ScimPrincipal; expires: number }>();
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(private readonly db: DataSource) {}

  /** `tx`: the caller's transaction (so an admin action commits with its audit record). */
  async issue(tenantId: string, description?: string, tx: EntityManager = this.db.manager): Promise<IssuedToken> {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const id = randomUUID();
    await tx.query('INSERT INTO scim_tokens (id, tenant_id, token_hash, description) VALUES ($1, $2, $3, $4)', [
      id,
      tenantId,
      sha256(token),
      description ?? null,
    ]);
    return { id, tenantId, token };
  }

  async verify(token: string): Promise<ScimPrincipal | undefined> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
    const digest = sha256(token);
    const key = digest.toString('hex');
    const cached = this.cache.get(key);
    if (cached && cached.expires > Date.now()) return cached.principal;
    // Prepared: on every cache miss (each token every CACHE_TTL_MS, per replica).
    const { rows } = await preparedQuery<{ id: string; tenant_id: string; token_hash: Buffer }>(
      this.db,
      'SELECT id, tenant_id, token_hash FROM scim_tokens WHERE token_hash = $1 AND revoked_at IS NULL',
      [digest],
    );
    const row = rows[0];
    if (!row || !timingSafeEqual(row.token_hash, digest)) {
      this.cache.delete(key);
      return undefined;
    }
    const principal = { tenantId: row.tenant_id, tokenId: row.id };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { principal, expires: Date.now() + CACHE_TTL_MS });
    this.touch(row.id);
    return principal;
  }

  /** Records last use at most once a minute per token, off the request path. */
  private touch(tokenId: string): void {
    const now = Date.now();
    if ((this.lastUsedWritten.get(tokenId) ?? 0) + LAST_USED_RESOLUTION_MS > now) return;
    this.lastUsedWritten.set(tokenId, now);
    void preparedQuery(this.db, 'UPDATE scim_tokens SET last_used_at = now() WHERE id = $1', [tokenId]).catch(() => undefined);
  }

  async list(tenantId?: string): Promise<TokenSummary[]> {
    const rows = (await this.db.query(
      `SELECT id, tenant_id, description, created_at, last_used_at, revoked_at FROM scim_tokens
        WHERE ($1::uuid IS NULL OR tenant_id = $1::uuid) ORDER BY created_at`,
      [tenantId ?? null],
    )) as Array<Record<string, string | null>>;
    return rows.map((r) => ({
      id: r.id as string,
      tenantId: r.tenant_id as string,
      description: r.description,
      createdAt: new Date(r.created_at as string).toISOString(),
      lastUsedAt: r.last_used_at ? new Date(r.last_used_at).toISOString() : null,
      revokedAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
    }));
  }

  /** Revokes a token; returns false when no active token has that id. */
  async revoke(tokenId: string, tx: EntityManager = this.db.manager): Promise<boolean> {
    if (!/^[0-9a-f-]{36}$/i.test(tokenId)) return false;
    const [, count] = (await tx.query('UPDATE scim_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [tokenId])) as [
      unknown,
      number,
    ];
    this.cache.clear();
    return count > 0;
  }
}
