import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import type { ConsoleRole, ConsoleSession, ConsoleSignInMethod } from './console-session';

/** How long a console session lasts: a working day. */
export const CONSOLE_SESSION_TTL_MS = 8 * 60 * 60 * 1000;
/** Sessions held at most; the oldest go first (bounded memory whatever happens at the login form). */
const MAX_SESSIONS = 10_000;

function digest(sessionId: string): string {
  return createHash('sha256').update(sessionId, 'utf8').digest('hex');
}

/**
 * Server-side console sessions. The cookie carries only an opaque 256-bit random id; the store is
 * keyed by its SHA-256, so neither a leaked store dump nor the cookie reveals the admin token, and
 * logout really ends the session. Held in this process's memory: a restart signs everyone out, and
 * several replicas behind one address need sticky sessions (or a shared store behind this class).
 */
@Injectable()
export class ConsoleSessionStore {
  private readonly sessions = new Map<string, ConsoleSession>();
  /** The clock (tests move it forward). */
  now: () => number = Date.now;

  /** Starts a session; returns the id to put in the cookie (shown nowhere else). */
  create(
    subject: string,
    roles: readonly ConsoleRole[],
    ttlMs = CONSOLE_SESSION_TTL_MS,
    how: { method: ConsoleSignInMethod; displayName?: string } = { method: 'admin-token' },
  ): { sessionId: string; session: ConsoleSession } {
    this.purgeExpired();
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
    const sessionId = randomBytes(32).toString('base64url');
    const session: ConsoleSession = { subject, ...how, roles: [...roles], expiresAt: this.now() + ttlMs, csrfToken: randomBytes(32).toString('base64url') };
    this.sessions.set(digest(sessionId), session);
    return { sessionId, session };
  }

  /** The live session of this id, or undefined (unknown, malformed or expired). */
  find(sessionId: string | undefined): ConsoleSession | undefined {
    if (!sessionId || !/^[A-Za-z0-9_-]{43}$/.test(sessionId)) return undefined;
    const key = digest(sessionId);
    const session = this.sessions.get(key);
    if (!session) return undefined;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(key);
      return undefined;
    }
    return session;
  }

  destroy(sessionId: string | undefined): void {
    if (sessionId) this.sessions.delete(digest(sessionId));
  }

  private purgeExpired(): void {
    const now = this.now();
    for (const [key, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(key);
  }
}
