import { Injectable } from '@nestjs/common';

/** Failed sign-ins allowed per client address per window. */
const MAX_FAILURES = 10;
const WINDOW_MS = 60_000;
/** Addresses tracked at most (the oldest entries go first). */
const MAX_TRACKED = 10_000;

/**
 * Slows down guessing at the sign-in form: after MAX_FAILURES failed attempts from one address
 * within a minute, further attempts from it are refused (429) until the minute is over. Per
 * process and by the socket's address (`req.ip`), so it is a brake, not a lockout.
 */
@Injectable()
export class SignInThrottle {
  private readonly failures = new Map<string, { count: number; windowStart: number }>();
  /** The clock (tests move it forward). */
  now: () => number = Date.now;

  /** Seconds until `address` may try again, or 0 when it may now. */
  retryAfterSeconds(address: string): number {
    const entry = this.failures.get(address);
    if (!entry) return 0;
    const elapsed = this.now() - entry.windowStart;
    if (elapsed >= WINDOW_MS) {
      this.failures.delete(address);
      return 0;
    }
    return entry.count >= MAX_FAILURES ? Math.ceil((WINDOW_MS - elapsed) / 1000) : 0;
  }

  recordFailure(address: string): void {
    const now = this.now();
    const entry = this.failures.get(address);
    if (entry && now - entry.windowStart < WINDOW_MS) {
      entry.count += 1;
      return;
    }
    this.failures.delete(address);
    while (this.failures.size >= MAX_TRACKED) this.failures.delete(this.failures.keys().next().value as string);
    this.failures.set(address, { count: 1, windowStart: now });
  }
}
