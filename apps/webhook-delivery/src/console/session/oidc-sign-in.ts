import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditWriter, type AuditEntry } from '@idsync/audit';
import { ADMIN_SSO, AdminPrincipalResolver, type AdminSso, type PendingSignIn } from '@idsync/platform';
import { consoleRolesOf } from './admin-token-sign-in';
import { ConsoleSessionStore } from './console-session.store';

/** How long a person may take at the identity provider (login form, second factor). */
const PENDING_TTL_MS = 10 * 60_000;
/** Sign-ins in flight held at most; the oldest go first (anyone can start one). */
const MAX_PENDING = 10_000;

interface Pending extends PendingSignIn {
  next: string;
  expiresAt: number;
}

function digest(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

export type SsoSignInResult = { ok: true; sessionId: string; expiresAt: number; next: string } | { ok: false; message: string };

/**
 * Console sign-in through the company's identity provider (authorization code flow with PKCE,
 * state and nonce; the checks stay on the server, the browser holds only a random flow id).
 * On return: MFA and group → role mapping (AdminSso), then the person's JIT grants
 * (AdminPrincipalResolver.withGrants), then the console roles of all of them, like admin tokens.
 * Every outcome is audited (actor = the IdP subject; no name or email in the record).
 */
@Injectable()
export class OidcConsoleSignIn {
  private readonly logger = new Logger(OidcConsoleSignIn.name);
  private readonly pending = new Map<string, Pending>();
  private readonly principals: AdminPrincipalResolver;
  /** The clock (tests move it forward). */
  now: () => number = Date.now;

  constructor(
    private readonly sessions: ConsoleSessionStore,
    @Optional() @Inject(ADMIN_SSO) private readonly sso?: AdminSso,
    @Optional() private readonly db?: DataSource,
  ) {
    this.principals = new AdminPrincipalResolver('', db);
  }

  get enabled(): boolean {
    return this.sso?.consoleEnabled === true;
  }

  /** A new flow: its id (for a cookie) and the identity provider URL to send the browser to. */
  async start(next: string): Promise<{ flowId: string; url: string }> {
    const { url, pending } = await this.sso!.startSignIn();
    const now = this.now();
    for (const [key, flow] of this.pending) if (flow.expiresAt <= now) this.pending.delete(key);
    while (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value as string);
    const flowId = randomBytes(32).toString('base64url');
    this.pending.set(digest(flowId), { ...pending, next, expiresAt: now + PENDING_TTL_MS });
    return { flowId, url: url.href };
  }

  /** The identity provider's redirect back: the flow (used once), the code exchange and the decision. */
  async finish(flowId: string | undefined, search: string): Promise<SsoSignInResult> {
    const key = flowId && /^[A-Za-z0-9_-]{43}$/.test(flowId) ? digest(flowId) : undefined;
    const flow = key ? this.pending.get(key) : undefined;
    if (key) this.pending.delete(key);
    if (!flow || flow.expiresAt <= this.now()) {
      await this.audit({ tenantId: null, actorType: 'anonymous', actorId: 'unknown', action: 'console.sso_sign_in', outcome: 'failure', details: { reason: 'no-pending-sign-in' } });
      return { ok: false, message: 'This sign-in was not started here or took too long. Start again from the sign-in page.' };
    }
    const outcome = await this.sso!.finishSignIn(search, flow);
    if (!outcome.ok) {
      await this.audit({
        tenantId: null,
        actorType: outcome.subject ? 'admin' : 'anonymous',
        actorId: outcome.subject ?? 'unknown',
        action: 'console.sso_sign_in',
        outcome: 'failure',
        details: { reason: outcome.reason, method: 'oidc' },
      });
      return { ok: false, message: outcome.message };
    }
    const { identity } = outcome;
    const principal = await this.principals.withGrants({ subject: identity.subject, actorId: identity.subject, tokenId: null, roles: identity.roles });
    const roles = consoleRolesOf(principal);
    const heldRoles = principal.roles.map((r) => (r.tenantId ? `${r.role}:${r.tenantId}` : r.role));
    if (roles.length === 0) {
      await this.audit({ tenantId: null, actorType: 'admin', actorId: identity.subject, action: 'console.sso_sign_in', outcome: 'failure', details: { reason: 'no-console-role', roles: heldRoles, method: 'oidc' } });
      return { ok: false, message: 'Your roles in idsync do not include the console (it spans every tenant; a tenant-admin uses the admin API).' };
    }
    const { sessionId, session } = this.sessions.create(identity.subject, roles, this.sso!.sessionTtlMs, { method: 'oidc', displayName: identity.displayName });
    await this.audit({ tenantId: null, actorType: 'admin', actorId: identity.subject, action: 'console.sso_sign_in', outcome: 'success', details: { roles: heldRoles, consoleRoles: roles, method: 'oidc' } });
    return { ok: true, sessionId, expiresAt: session.expiresAt, next: flow.next };
  }

  private async audit(entry: AuditEntry): Promise<void> {
    if (!this.db) return;
    try {
      await AuditWriter.record(this.db.manager, entry);
    } catch (err) {
      // The sign-in decision stands; a lost audit record is logged loudly (as AdminAuditInterceptor does).
      this.logger.error(`audit record of console.sso_sign_in failed: ${(err as Error).message}`);
    }
  }
}
