import { CanActivate, createParamDecorator, ExecutionContext, ForbiddenException, Injectable, NotFoundException, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { AdminTokenSignIn } from './admin-token-sign-in';
import { readCookie, SESSION_COOKIE } from './console-cookies';
import type { ConsoleRole, ConsoleSession } from './console-session';
import { ConsoleSessionStore } from './console-session.store';

/** Thrown when a console page is asked for without a live session (the filter redirects to sign-in). */
export class ConsoleSignInRequired extends Error {
  constructor(readonly returnTo: string) {
    super('Sign in to the console first');
  }
}

export const REQUIRED_ROLE = 'idsync:console-role';

/** The role a console route needs (default: console:read). */
export const RequireConsoleRole = (role: ConsoleRole) => SetMetadata(REQUIRED_ROLE, role);

type ConsoleRequest = Request & { consoleSession?: ConsoleSession };

/** The session ConsoleSessionGuard put on the request. */
export const CurrentConsoleSession = createParamDecorator((_: unknown, ctx: ExecutionContext): ConsoleSession => {
  const session = ctx.switchToHttp().getRequest<ConsoleRequest>().consoleSession;
  if (!session) throw new Error('CurrentConsoleSession used on a route without ConsoleSessionGuard');
  return session;
});

function sameDigest(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/**
 * Every console route but sign-in: a live session holding the route's role, and on anything but
 * GET/HEAD the session's CSRF token (form field `_csrf` or header `x-csrf-token`) plus, when the
 * browser sends one, an Origin of this host. SameSite=Strict already keeps the cookie off
 * cross-site requests; the token is the second, independent defence.
 */
@Injectable()
export class ConsoleSessionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: ConsoleSessionStore,
    private readonly signIn: AdminTokenSignIn,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.signIn.enabled) throw new NotFoundException('The console is disabled (ADMIN_API_TOKEN is not set)');
    const req = context.switchToHttp().getRequest<ConsoleRequest>();
    const session = this.sessions.find(readCookie(req, SESSION_COOKIE));
    if (!session) throw new ConsoleSignInRequired(req.method === 'GET' ? req.originalUrl : '/console');
    const role = this.reflector.getAllAndOverride<ConsoleRole | undefined>(REQUIRED_ROLE, [context.getHandler(), context.getClass()]) ?? 'console:read';
    if (!session.roles.includes(role)) throw new ForbiddenException(`This needs the ${role} role`);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== `${req.protocol}://${req.headers.host}` && origin !== `https://${req.headers.host}`) {
        throw new ForbiddenException('Cross-origin form posts are refused');
      }
      const body = req.body as Record<string, unknown> | undefined;
      const presented = typeof body?._csrf === 'string' ? body._csrf : req.headers['x-csrf-token'];
      if (typeof presented !== 'string' || !sameDigest(presented, session.csrfToken)) {
        throw new ForbiddenException('The form has expired or did not come from the console (CSRF token missing or invalid); reload the page and try again');
      }
    }
    req.consoleSession = session;
    return true;
  }
}
