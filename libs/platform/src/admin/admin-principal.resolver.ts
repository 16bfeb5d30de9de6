import { createHash, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AccessGrantStore } from './access-grant.store';
import type { AdminPrincipal } from './admin-principal';
import { AdminTokenStore } from './admin-token.store';
import { looksLikeJwt, type AdminSso } from './sso/admin-sso';

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

  constructor(
    breakGlassToken: string,
    db?: DataSource,
    /** People's IdP-issued JWTs (OIDC single sign-on); undefined or disabled: admin tokens only. */
    private readonly sso?: AdminSso,
  ) {
    this.breakGlassDigest = breakGlassToken ? sha256(breakGlassToken) : undefined;
    this.tokens = db ? new AdminTokenStore(db) : undefined;
    this.grants = db ? new AccessGrantStore(db) : undefined;
  }

  /** False only without ADMIN_API_TOKEN and without a database: then nothing could ever sign in. */
  get enabled(): boolean {
    return this.breakGlassDigest !== undefined || this.tokens !== undefined || this.sso?.enabled === true;
  }

  async resolve(presented: string): Promise<AdminPrincipal | undefined> {
    // IdP JWTs listing many groups run past 4 KiB; admin tokens never do.
    if (presented.length === 0 || presented.length > (this.sso?.enabled ? 16_384 : 4096)) return undefined;
    if (this.breakGlassDigest && timingSafeEqual(sha256(presented), this.breakGlassDigest)) {
      return { subject: BREAK_GLASS_ACTOR_ID, actorId: BREAK_GLASS_ACTOR_ID, tokenId: null, roles: [{ role: 'admin', tenantId: null, source: 'break-glass' }] };
    }
    if (this.sso?.enabled && looksLikeJwt(presented)) return this.resolveSso(presented);
    const token = await this.tokens?.findLive(presented);
    if (!token) return undefined;
    return this.withGrants({ subject: token.name, actorId: `admin-token:${token.id}`, tokenId: token.id, roles: [{ role: token.role, tenantId: token.tenantId, source: 'token' }] });
  }

  /**
   * An IdP-issued JWT: verified (signature, iss, aud, exp, MFA), groups mapped to roles, plus the
   * person's JIT grants. A person whose groups map to nothing gets a principal without roles, so
   * the guard answers 403 (authenticated, not allowed) rather than 401.
   */
  private async resolveSso(jwt: string): Promise<AdminPrincipal | undefined> {
    const outcome = await this.sso!.verifyBearer(jwt);
    if (outcome.ok) return this.withGrants({ subject: outcome.identity.subject, actorId: outcome.identity.subject, tokenId: null, roles: outcome.identity.roles });
    if (outcome.reason === 'no-mapped-group' && outcome.subject) return { subject: outcome.subject, actorId: outcome.subject, tokenId: null, roles: [] };
    return undefined;
  }

  /** Adds the subject's active just-in-time grants (checked against expires_at on every call). */
  async withGrants(principal: AdminPrincipal): Promise<AdminPrincipal> {
    const grants = (await this.grants?.activeFor(principal.subject)) ?? [];
    return { ...principal, roles: [...principal.roles, ...grants.map((g) => ({ role: g.role, tenantId: g.tenantId, source: `grant:${g.id}` }))] };
  }
}
