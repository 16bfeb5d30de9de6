import { createHash, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AccessGrantStore } from './access-grant.store';
import type { AdminPrincipal } from './admin-principal';
import { AdminTokenStore } from './admin-token.store';

/** Audit actor id of the break-glass ADMIN_API_TOKEN (the one shared credential of old). */
export const BREAK_GLASS_ACTOR_ID = 'admin-api-token';

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Turns a presented admin credential into a principal: base role (the token's role) plus the
 * active just-in-time grants of its subject. The deprecated ADMIN_API_TOKEN still works as a
 * break-glass `admin`; its digest is compared with timingSafeEqual like before. Single sign-on
 * sessions resolve the same way: base role from the IdP mapping, then `withGrants`.
 */
export class AdminPrincipalResolver {
  private readonly breakGlassDigest: Buffer | undefined;
  private readonly tokens: AdminTokenStore | undefined;
  private readonly grants: AccessGrantStore | undefined;

  constructor(breakGlassToken: string, db?: DataSource) {
    this.breakGlassDigest = breakGlassToken ? sha256(breakGlassToken) : undefined;
    this.tokens = db ? new AdminTokenStore(db) : undefined;
    this.grants = db ? new AccessGrantStore(db) : undefined;
  }

  /** False only without ADMIN_API_TOKEN and without a database: then nothing could ever sign in. */
  get enabled(): boolean {
    return this.breakGlassDigest !== undefined || this.tokens !== undefined;
  }

  async resolve(presented: string): Promise<AdminPrincipal | undefined> {
    if (presented.length === 0 || presented.length > 4096) return undefined;
    if (this.breakGlassDigest && timingSafeEqual(sha256(presented), this.breakGlassDigest)) {
      return { subject: BREAK_GLASS_ACTOR_ID, actorId: BREAK_GLASS_ACTOR_ID, tokenId: null, roles: [{ role: 'admin', tenantId: null, source: 'break-glass' }] };
    }
    const token = await this.tokens?.findLive(presented);
    if (!token) return undefined;
    return this.withGrants({ subject: token.name, actorId: `admin-token:${token.id}`, tokenId: token.id, roles: [{ role: token.role, tenantId: token.tenantId, source: 'token' }] });
  }

  /** Adds the subject's active just-in-time grants (checked against expires_at on every call). */
  async withGrants(principal: AdminPrincipal): Promise<AdminPrincipal> {
    const grants = (await this.grants?.activeFor(principal.subject)) ?? [];
    return { ...principal, roles: [...principal.roles, ...grants.map((g) => ({ role: g.role, tenantId: g.tenantId, source: `grant:${g.id}` }))] };
  }
}
