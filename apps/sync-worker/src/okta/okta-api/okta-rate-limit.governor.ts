import { setTimeout as sleep } from 'node:timers/promises';

/** What Okta said about one rate-limit window (X-Rate-Limit-* headers), on our clock. */
interface RateWindow {
  limit: number;
  remaining: number;
  /** X-Rate-Limit-Reset as Okta sent it: identifies the window. */
  resetEpochSeconds: number;
  /** When the window resets on our clock. */
  resetAtMs: number;
  /** Requests this process sent in the window. */
  used: number;
}

export interface RateLimitHeaders {
  limit?: string;
  remaining?: string;
  reset?: string;
  date?: string;
}

export class RateLimitWaitExceededError extends Error {
  constructor(waitMs: number) {
    super(`Okta rate limit: the next window is ${waitMs} ms away, beyond the wait budget`);
    this.name = 'RateLimitWaitExceededError';
  }
}

// Spreads the replicas' (and partitions') first requests after a reset, so they do not stampede.
const MAX_JITTER_MS = 250;

/**
 * Keeps this process within a share of each Okta org's rate limit. Okta reports per response
 * `X-Rate-Limit-Limit` (requests per window), `-Remaining` and `-Reset` (epoch seconds of the next
 * window). The governor lets at most floor(limit × share) requests through per window (at least
 * 1), stops when Okta says nothing remains (or answered 429), and otherwise waits until the reset
 * plus jitter. Callers send one request at a time per org (`exclusive`), so the count is exact.
 */
export class OktaRateLimitGovernor {
  private readonly windows = new Map<string, RateWindow>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly random: () => number = Math.random) {}

  /** Runs `fn` alone for this org: requests to one org never overlap, so the window count is exact. */
  exclusive<T>(org: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(org) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(fn);
    const tail = run.catch(() => undefined);
    this.queues.set(org, tail);
    void tail.then(() => {
      if (this.queues.get(org) === tail) this.queues.delete(org);
    });
    return run;
  }

  /** How long to wait before the next request to `org` may go (0 = now). */
  delayMs(org: string, share: number, now = Date.now()): number {
    const window = this.windows.get(org);
    if (!window || now >= window.resetAtMs) return 0;
    const budget = Math.max(1, Math.floor(window.limit * share));
    if (window.used < budget && window.remaining > 0) return 0;
    return window.resetAtMs - now + Math.floor(this.random() * MAX_JITTER_MS);
  }

  /**
   * Waits until a request may go, then counts it. `maxWaitMs` bounds the wait; `heartbeat` runs
   * every few seconds meanwhile (the Kafka consumer must stay in its group).
   */
  async acquire(org: string, share: number, maxWaitMs: number, heartbeat?: () => Promise<void>): Promise<void> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const wait = this.delayMs(org, share);
      if (wait <= 0) break;
      if (Date.now() + wait > deadline) throw new RateLimitWaitExceededError(wait);
      await sleep(Math.min(wait, 3_000));
      await heartbeat?.().catch(() => undefined);
    }
    const window = this.windows.get(org);
    if (window && Date.now() < window.resetAtMs) window.used++;
  }

  /** Records a response's rate-limit headers; a 429 means nothing remains until the reset. */
  observe(org: string, status: number, headers: RateLimitHeaders, now = Date.now()): void {
    const limit = Number(headers.limit);
    const remaining = Number(headers.remaining);
    const reset = Number(headers.reset);
    if (!Number.isFinite(reset) || reset <= 0) return;
    // Okta's clock, not ours: when the Date header shows a real skew, shift the reset by it. (The
    // header has 1-second resolution, so small differences are truncation, not skew.)
    const serverNow = headers.date ? Date.parse(headers.date) : NaN;
    const skewMs = Number.isFinite(serverNow) && Math.abs(now - serverNow) > 2_000 ? now - serverNow : 0;
    const current = this.windows.get(org);
    const sameWindow = current !== undefined && current.resetEpochSeconds === reset;
    const reported = Number.isFinite(remaining) ? remaining : 0;
    this.windows.set(org, {
      limit: Number.isFinite(limit) && limit > 0 ? limit : (current?.limit ?? 1),
      // The lowest count seen in a window wins (other clients may be using the same limit).
      remaining: status === 429 ? 0 : sameWindow ? Math.min(current.remaining, reported) : reported,
      resetEpochSeconds: reset,
      resetAtMs: reset * 1000 + skewMs,
      // The request that brought this response counts in the window it reports.
      used: sameWindow ? current.used : 1,
    });
  }
}
