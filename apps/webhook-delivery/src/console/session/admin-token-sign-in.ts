import { Inject, Injectable, Optional } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ADMIN_API_TOKEN, AdminPrincipalResolver, type AdminPrincipal, type AdminRole } from '@idsync/platform';
import { ALL_CONSOLE_ROLES, type ConsoleRole } from './console-session';
import { ConsoleSessionStore } from './console-session.store';

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Console roles of each admin role. The console shows every tenant, so `tenant-admin` (one
 * tenant only) gets none and cannot sign in with that role alone.
 */
const CONSOLE_ROLES_OF: Readonly<Record<AdminRole, readonly ConsoleRole[]>> = {
  admin: ALL_CONSOLE_ROLES,
  operator: ALL_CONSOLE_ROLES,
  auditor: ['console:read'],
  'tenant-admin': [],
};

export function consoleRolesOf(principal: AdminPrincipal): ConsoleRole[] {
  const roles = new Set<ConsoleRole>();
  for (const held of principal.roles) if (held.tenantId === null) for (const role of CONSOLE_ROLES_OF[held.role]) roles.add(role);
  return ALL_CONSOLE_ROLES.filter((role) => roles.has(role));
}

/**
 * Signing in with an admin token: a database admin token (its role, plus the subject's
 * just-in-time grants, mapped by consoleRolesOf) or the deprecated break-glass ADMIN_API_TOKEN,
 * compared like AdminApiGuard does (SHA-256 digests with timingSafeEqual), which grants every role.
 */
@Injectable()
export class AdminTokenSignIn {
  private readonly expectedDigest: Buffer | undefined;
  private readonly principals: AdminPrincipalResolver | undefined;

  constructor(
    @Inject(ADMIN_API_TOKEN) token: string,
    private readonly sessions: ConsoleSessionStore,
    @Optional() db?: DataSource,
  ) {
    this.expectedDigest = token ? sha256(token) : undefined;
    this.principals = db ? new AdminPrincipalResolver(token, db) : undefined;
  }

  /** With no admin token configured and no token database the console is off (404), like the admin API. */
  get enabled(): boolean {
    return this.expectedDigest !== undefined || this.principals !== undefined;
  }

  /** A new session for the break-glass token; undefined otherwise. */
  signIn(presented: unknown): { sessionId: string; expiresAt: number } | undefined {
    if (!this.expectedDigest || typeof presented !== 'string' || presented.length === 0 || presented.length > 4096) return undefined;
    if (!timingSafeEqual(sha256(presented.trim()), this.expectedDigest)) return undefined;
    const { sessionId, session } = this.sessions.create('admin-token', ALL_CONSOLE_ROLES);
    return { sessionId, expiresAt: session.expiresAt };
  }

  /** A new session for any valid admin token whose roles give at least one console role. */
  async signInWithToken(presented: unknown): Promise<{ sessionId: string; expiresAt: number } | undefined> {
    const breakGlass = this.signIn(presented);
    if (breakGlass || !this.principals || typeof presented !== 'string') return breakGlass;
    const principal = await this.principals.resolve(presented.trim());
    const roles = principal ? consoleRolesOf(principal) : [];
    if (!principal || roles.length === 0) return undefined;
    const { sessionId, session } = this.sessions.create(principal.subject, roles);
    return { sessionId, expiresAt: session.expiresAt };
  }
}
