import { CanActivate, ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import { ScimError } from '@idsync/identity';
import { markAuthenticated } from '@idsync/platform';
import { ScimTokenService, type ScimPrincipal } from '../tenants/scim-token.service';

/**
 * The bearer token of an `Authorization: Bearer <token>` header (scheme case-insensitive), else
 * undefined. Only the header: a token in the query string would end up in access logs.
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const space = authorization.indexOf(' ');
  if (space !== 6 || authorization.indexOf(' ', space + 1) !== -1) return undefined;
  if (authorization.slice(0, 6).toLowerCase() !== 'bearer') return undefined;
  return authorization.slice(7) || undefined;
}

/**
 * Every SCIM route requires a tenant's bearer token; a missing or unknown token is a SCIM 401 with
 * WWW-Authenticate. A token lookup that FAILED (database restarting, pool exhausted) is not a bad
 * credential: it propagates so the exception filter answers 503 + Retry-After, which Okta retries —
 * a 401 would make Okta mark the change failed and stop.
 * A plain guard rather than passport: passport's strategy/callback plumbing cost more CPU per
 * request than the (cached) token check itself.
 */
@Injectable()
export class ScimAuthGuard implements CanActivate {
  constructor(private readonly tokens: ScimTokenService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & { user?: ScimPrincipal }>();
    const token = bearerToken(req.headers.authorization);
    const principal = token === undefined ? undefined : await this.tokens.verify(token);
    if (!principal) throw new ScimError(401, undefined, 'Authentication required: send a valid Bearer token');
    req.user = principal;
    // A valid token is exempt from its address's failed-credential throttle (shared IdP addresses).
    markAuthenticated(req);
    return true;
  }
}

/** The authenticated caller (tenant + token) of a SCIM request. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): ScimPrincipal => {
  return ctx.switchToHttp().getRequest<{ user: ScimPrincipal }>().user;
});
