/**
 * What the console knows about a signed-in person: an admin token's subject and console roles, or
 * (OIDC single sign-on) the IdP subject and the console roles its groups and JIT grants map to.
 */
export type ConsoleRole = 'console:read' | 'console:operate';

export const ALL_CONSOLE_ROLES: readonly ConsoleRole[] = ['console:read', 'console:operate'];

export type ConsoleSignInMethod = 'admin-token' | 'oidc';

export interface ConsoleSession {
  /** Who signed in (`admin-token` for the shared admin API token, the token's name, or `oidc:<iss>#<sub>`). */
  subject: string;
  /** How they signed in. */
  method: ConsoleSignInMethod;
  /** The IdP's user name or email, shown in the header (SSO only; never written to audit records). */
  displayName?: string;
  roles: readonly ConsoleRole[];
  /** Absolute expiry (epoch ms); sessions are not extended by activity. */
  expiresAt: number;
  /** Synchronizer token every POST form of this session carries. */
  csrfToken: string;
}

/** The signed-in session of a request (set by ConsoleSessionGuard). */
export interface ConsoleRequestContext {
  session: ConsoleSession;
}
