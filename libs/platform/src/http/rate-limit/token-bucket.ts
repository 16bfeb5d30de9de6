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

/**
 * A map holding at most ~maxKeys keys, dropping the least recently used ones in bulk: two
 * generations, a key touched in the old one moves to the new one, and when the new one is half
 * full the old one is dropped whole. O(1) per operation — evicting one entry at a time through
 * `Map.keys().next()` is not: V8 scans the deleted slots at the front of the table, which a flood
 * of new keys turns into quadratic work.
 */
export class BoundedKeyMap<V> {
  private current = new Map<string, V>();
  private previous = new Map<string, V>();
  private readonly generationSize: number;

  constructor(maxKeys: number) {
    this.generationSize = Math.max(1, Math.floor(maxKeys / 2));
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  get(key: string): V | undefined {
    const value = this.current.get(key);
    if (value !== undefined) return value;
    const old = this.previous.get(key);
    if (old !== undefined) {
      this.previous.delete(key);
      this.put(key, old);
    }
    return old;
  }

  set(key: string, value: V): void {
    if (this.current.has(key)) {
      this.current.set(key, value);
      return;
    }
    this.previous.delete(key);
    this.put(key, value);
  }

  delete(key: string): void {
    this.current.delete(key);
    this.previous.delete(key);
  }

  private put(key: string, value: V): void {
    if (this.current.size >= this.generationSize) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
  }
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets per key (client address, tenant id), in memory: per process, so per replica.
 * At most `maxKeys` buckets are kept (BoundedKeyMap: the least recently used go first); a dropped
 * bucket starts full again, which is what an idle key's bucket would be anyway.
 */
export class TokenBucketLimiter {
  private readonly buckets: BoundedKeyMap<Bucket>;

  constructor(private readonly options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1) || !(options.maxKeys >= 1)) {
      throw new Error('TokenBucketLimiter needs ratePerSecond > 0, burst >= 1 and maxKeys >= 1');
    }
    this.buckets = new BoundedKeyMap(options.maxKeys);
  }

  /** Keys currently tracked (bounded by maxKeys). */
  get size(): number {
    return this.buckets.size;
  }

  take(key: string, now = Date.now()): RateDecision {
    const { ratePerSecond, burst } = this.options;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: burst, updatedAt: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.updatedAt) / 1000) * ratePerSecond);
    bucket.updatedAt = now;
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
  private readonly failures: BoundedKeyMap<{ count: number; windowStart: number }>;

  constructor(private readonly options: FailureThrottleOptions) {
    if (!(options.maxFailures >= 1) || !(options.windowMs >= 1) || !(options.maxKeys >= 1)) {
      throw new Error('FailureThrottle needs maxFailures >= 1, windowMs >= 1 and maxKeys >= 1');
    }
    this.failures = new BoundedKeyMap(options.maxKeys);
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
    if (!entry || now - entry.windowStart >= this.options.windowMs) {
      entry = { count: 0, windowStart: now };
      this.failures.set(key, entry);
    }
    entry.count += 1;
    return { count: entry.count, blockedNow: entry.count === this.options.maxFailures };
  }
}
