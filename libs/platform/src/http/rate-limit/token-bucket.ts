/** The outcome of taking one token (or checking a throttle): allowed, or wait `retryAfterSeconds`. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface TokenBucketOptions {
  /** Tokens added per second (the sustained rate). */
  ratePerSecond: number;
  /** Bucket size: requests allowed at once after a quiet period. */
  burst: number;
  /** Keys tracked at most; the least recently used go first, so a flood of new keys cannot grow memory. */
  maxKeys: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets per key (client address, tenant id), in memory: per process, so per replica.
 * Buckets live in a Map kept in least-recently-used order (touched keys move to the end) and the
 * oldest are dropped past `maxKeys`; a dropped bucket starts full again, which is what an idle
 * key's bucket would be anyway.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1) || !(options.maxKeys >= 1)) {
      throw new Error('TokenBucketLimiter needs ratePerSecond > 0, burst >= 1 and maxKeys >= 1');
    }
  }

  /** Keys currently tracked (bounded by maxKeys). */
  get size(): number {
    return this.buckets.size;
  }

  take(key: string, now = Date.now()): RateDecision {
    const { ratePerSecond, burst } = this.options;
    const bucket = this.buckets.get(key) ?? { tokens: burst, updatedAt: now };
    this.buckets.delete(key);
    bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.updatedAt) / 1000) * ratePerSecond);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    while (this.buckets.size > this.options.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSecond)) };
  }
}

export interface FailureThrottleOptions {
  /** Failures allowed per key per window; the next attempt is refused until the window ends. */
  maxFailures: number;
  windowMs: number;
  /** Keys tracked at most (least recently failed go first). */
  maxKeys: number;
}

/**
 * Counts failures (bad credentials) per key in a fixed window. Once a key reaches `maxFailures`,
 * `check` refuses it until its window is over, so the caller can answer 429 before doing any
 * credential lookup. `recordFailure` says when a key has just become blocked, so blocking is
 * logged and audited once per key and window, not once per refused attempt. In memory, per replica.
 */
export class FailureThrottle {
  private readonly failures = new Map<string, { count: number; windowStart: number }>();

  constructor(private readonly options: FailureThrottleOptions) {
    if (!(options.maxFailures >= 1) || !(options.windowMs >= 1) || !(options.maxKeys >= 1)) {
      throw new Error('FailureThrottle needs maxFailures >= 1, windowMs >= 1 and maxKeys >= 1');
    }
  }

  get size(): number {
    return this.failures.size;
  }

  check(key: string, now = Date.now()): RateDecision {
    const entry = this.failures.get(key);
    if (!entry) return { allowed: true };
    const elapsed = now - entry.windowStart;
    if (elapsed >= this.options.windowMs) {
      this.failures.delete(key);
      return { allowed: true };
    }
    if (entry.count < this.options.maxFailures) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((this.options.windowMs - elapsed) / 1000)) };
  }

  /** Records one failure; `blockedNow` is true for the failure that reached the limit (once per window). */
  recordFailure(key: string, now = Date.now()): { count: number; blockedNow: boolean } {
    let entry = this.failures.get(key);
    this.failures.delete(key);
    if (!entry || now - entry.windowStart >= this.options.windowMs) entry = { count: 0, windowStart: now };
    entry.count += 1;
    this.failures.set(key, entry);
    while (this.failures.size > this.options.maxKeys) this.failures.delete(this.failures.keys().next().value as string);
    return { count: entry.count, blockedNow: entry.count === this.options.maxFailures };
  }
}
