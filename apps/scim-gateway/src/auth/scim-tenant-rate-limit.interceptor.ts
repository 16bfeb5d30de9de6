import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';
import { ScimError } from '@idsync/identity';
import { rateLimitedRequests, TokenBucketLimiter } from '@idsync/platform';
import { GatewayConfig } from '../config/gateway.config';
import type { ScimPrincipal } from '../tenants/scim-token.service';

/**
 * Per-tenant token bucket on SCIM requests (SCIM_RATE_LIMIT_TENANT_RPS / _BURST), after the bearer
 * token named the tenant: one tenant's flood cannot take the gateway from the others, whichever
 * addresses it comes from. In memory, so per replica. A /Bulk request counts once (write admission
 * bounds its operations). 429 + Retry-After in the SCIM Error schema.
 */
@Injectable()
export class ScimTenantRateLimitInterceptor implements NestInterceptor {
  private readonly limiter: TokenBucketLimiter | undefined;

  constructor(config: GatewayConfig) {
    this.limiter =
      config.SCIM_RATE_LIMIT_TENANT_RPS > 0
        ? new TokenBucketLimiter({ ratePerSecond: config.SCIM_RATE_LIMIT_TENANT_RPS, burst: config.SCIM_RATE_LIMIT_TENANT_BURST, maxKeys: config.RATE_LIMIT_MAX_TRACKED_KEYS })
        : undefined;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request & { user?: ScimPrincipal }>();
    const tenantId = req.user?.tenantId;
    if (this.limiter && tenantId && req.path.startsWith('/scim/')) {
      const decision = this.limiter.take(tenantId);
      if (!decision.allowed) {
        rateLimitedRequests.inc({ limit: 'scim-tenant' });
        context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(decision.retryAfterSeconds));
        throw new ScimError(429, undefined, `Too many requests for this tenant; retry after ${decision.retryAfterSeconds} s`);
      }
    }
    return next.handle();
  }
}
