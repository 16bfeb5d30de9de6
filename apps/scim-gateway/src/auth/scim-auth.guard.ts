import { ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { ScimError } from '@idsync/identity';
import { markAuthenticated } from '@idsync/platform';
import type { ScimPrincipal } from '../tenants/scim-token.service';
import { SCIM_BEARER } from './scim-bearer.strategy';

/**
 * Every SCIM route requires a tenant's bearer token; a missing or unknown token is a SCIM 401 with
 * WWW-Authenticate. A token lookup that FAILED (database restarting, pool exhausted) is not a bad
 * credential: it is rethrown so the exception filter answers 503 + Retry-After, which Okta retries —
 * a 401 would make Okta mark the change failed and stop.
 */
@Injectable()
export class ScimAuthGuard extends AuthGuard(SCIM_BEARER) {
  override handleRequest<T = ScimPrincipal>(err: unknown, principal: T | false, _info?: unknown, context?: ExecutionContext): T {
    if (err) throw err;
    if (!principal) throw new ScimError(401, undefined, 'Authentication required: send a valid Bearer token');
    // A valid token is exempt from its address's failed-credential throttle (shared IdP addresses).
    if (context) markAuthenticated(context.switchToHttp().getRequest<object>());
    return principal;
  }
}

/** The authenticated caller (tenant + token) of a SCIM request. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): ScimPrincipal => {
  return ctx.switchToHttp().getRequest<{ user: ScimPrincipal }>().user;
});
