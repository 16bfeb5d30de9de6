import { Injectable } from '@nestjs/common';
import { OktaHooksConfig } from './okta-hooks.config';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Per-tenant token bucket for Event Hook deliveries (OKTA_HOOK_RATE_LIMIT_BURST deliveries at
 * once, refilled at OKTA_HOOK_RATE_LIMIT_PER_SECOND). In memory, so per gateway replica: the
 * point is that one tenant's flood cannot take the endpoint from the others.
 */
@Injectable()
export class OktaHookRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly config: OktaHooksConfig) {}

  take(tenantId: string, now = Date.now()): RateDecision {
    const rate = this.config.OKTA_HOOK_RATE_LIMIT_PER_SECOND;
    const capacity = this.config.OKTA_HOOK_RATE_LIMIT_BURST;
    const bucket = this.buckets.get(tenantId) ?? { tokens: capacity, updatedAt: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.updatedAt) / 1000) * rate);
    bucket.updatedAt = now;
    this.buckets.set(tenantId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rate)) };
  }
}
