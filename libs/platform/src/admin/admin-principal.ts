import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { AdminRole, AdminScopeName } from './admin-roles';

/** One role a principal holds, where it comes from, and the tenant it is limited to (tenant-admin). */
export interface HeldRole {
  role: AdminRole;
  tenantId: string | null;
  /** `token` (the credential's own role), `break-glass` (ADMIN_API_TOKEN), `oidc-group:<group>` (SSO) or `grant:<id>` (JIT). */
  source: string;
}

/**
 * Who is calling the admin API: a subject (the token's name; an IdP subject for SSO sessions)
 * and its roles = base role + active just-in-time grants for that subject.
 */
export interface AdminPrincipal {
  subject: string;
  /** Audit actor id: `admin-token:<id>` for database tokens, `admin-api-token` for break-glass, the subject for SSO. */
  actorId: string;
  tokenId: string | null;
  roles: HeldRole[];
}

/** The result of checking one scope: allowed everywhere, for one tenant, or not at all. */
export type ScopeDecision = { allowed: false } | { allowed: true; tenantId: string | null };

/** Global roles win over tenant-limited ones; a tenant-admin alone is limited to its tenant. */
export function decideScope(principal: AdminPrincipal, scope: AdminScopeName, roleScopes: Readonly<Record<AdminRole, readonly AdminScopeName[]>>): ScopeDecision {
  const holding = principal.roles.filter((held) => roleScopes[held.role].includes(scope));
  if (holding.length === 0) return { allowed: false };
  if (holding.some((held) => held.tenantId === null)) return { allowed: true, tenantId: null };
  // Several tenant-admin roles (a token plus a grant for another tenant) are not merged: the first decides.
  return { allowed: true, tenantId: holding[0].tenantId };
}

export const ADMIN_SCOPE_METADATA = 'idsync:admin-scope';

/**
 * The scope an admin route needs. Every admin route declares one; AdminApiGuard refuses routes
 * without a declaration (fail closed), and test/security/rbac-routes walks the routers for it.
 */
export const AdminScope = (scope: AdminScopeName) => SetMetadata(ADMIN_SCOPE_METADATA, scope);

export type AdminRequest = Request & { adminPrincipal?: AdminPrincipal; adminTenantLimit?: string | null };

/** The principal AdminApiGuard resolved for this request (for audit actors). */
export const CurrentAdmin = createParamDecorator((_: unknown, ctx: ExecutionContext): AdminPrincipal => {
  const principal = ctx.switchToHttp().getRequest<AdminRequest>().adminPrincipal;
  if (!principal) throw new Error('CurrentAdmin used on a route without AdminApiGuard');
  return principal;
});
