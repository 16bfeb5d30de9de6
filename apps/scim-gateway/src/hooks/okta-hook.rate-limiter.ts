import { Injectable } from '@nestjs/common';
import { TokenBucketLimiter, type RateDecision } from '@idsync/platform';
import { OktaHooksConfig } from './okta-hooks.config';

export type { RateDecision };

/** Tenants tracked at most (one bucket each; the least recently used go first). */
const MAX_TENANTS = 100_000;

/**
 * Per-tenant token bucket for Event Hook deliveries (OKTA_HOOK_RATE_LIMIT_BURST deliveries at
 * once, refilled at OKTA_HOOK_RATE_LIMIT_PER_SECOND). In memory, so per gateway replica: the
 * point is that one tenant's flood cannot take the endpoint from the others.
 */
@Injectable()
export class OktaHookRateLimiter {
  private readonly buckets: TokenBucketLimiter;

  constructor(config: OktaHooksConfig) {
    this.buckets = new TokenBucketLimiter({ ratePerSecond: config.OKTA_HOOK_RATE_LIMIT_PER_SECOND, burst: config.OKTA_HOOK_RATE_LIMIT_BURST, maxKeys: MAX_TENANTS });
  }

  take(tenantId: string, now = Date.now()): RateDecision {
    return this.buckets.take(tenantId, now);
  }
}
