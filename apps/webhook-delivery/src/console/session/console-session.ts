/**
 * What the console knows about a signed-in person. Today the only way in is the admin API token,
 * which grants every role; OIDC single sign-on can create sessions with its own subject and the
 * roles it maps from the identity provider's claims, and every page already checks a role.
 */
export type ConsoleRole = 'console:read' | 'console:operate';

export const ALL_CONSOLE_ROLES: readonly ConsoleRole[] = ['console:read', 'console:operate'];

export interface ConsoleSession {
  /** Who signed in (`admin-token` for the shared admin API token; an OIDC `sub` later). */
  subject: string;
  /** How they signed in. */
  method: 'admin-token';
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
