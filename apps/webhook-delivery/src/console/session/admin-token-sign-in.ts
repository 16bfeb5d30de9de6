import { Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ADMIN_API_TOKEN } from '@idsync/platform';
import { ALL_CONSOLE_ROLES } from './console-session';
import { ConsoleSessionStore } from './console-session.store';

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Signing in with the admin API token (the same credential as AdminApiGuard, compared the same
 * way: SHA-256 digests with timingSafeEqual). The token grants every console role.
 */
@Injectable()
export class AdminTokenSignIn {
  private readonly expectedDigest: Buffer | undefined;

  constructor(
    @Inject(ADMIN_API_TOKEN) token: string,
    private readonly sessions: ConsoleSessionStore,
  ) {
    this.expectedDigest = token ? sha256(token) : undefined;
  }

  /** With no admin token configured the console is off (404), like the admin API. */
  get enabled(): boolean {
    return this.expectedDigest !== undefined;
  }

  /** A new session for a valid token; undefined otherwise. */
  signIn(presented: unknown): { sessionId: string; expiresAt: number } | undefined {
    if (!this.expectedDigest || typeof presented !== 'string' || presented.length === 0 || presented.length > 4096) return undefined;
    if (!timingSafeEqual(sha256(presented.trim()), this.expectedDigest)) return undefined;
    const { sessionId, session } = this.sessions.create('admin-token', ALL_CONSOLE_ROLES);
    return { sessionId, expiresAt: session.expiresAt };
  }
}
