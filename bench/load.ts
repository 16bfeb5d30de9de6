// A small HTTP load generator on undici (keep-alive Pool), for benches against a local server only.
//  - closed loop: `concurrency` workers each send the next request when the previous one finished
//    (latency runs at concurrency 1, saturation runs at e.g. 32);
//  - open loop (`ratePerSec`): requests are sent on a fixed schedule whatever the server does, and
//    latency is measured from the scheduled send time, so a stalled server shows up as latency
//    instead of as fewer samples (no coordinated omission).
// Both are bounded by a request count and a duration, whichever comes first.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export interface LoadOptions {
  /** http://127.0.0.1:<port>: only the loopback address is accepted. */
  origin: string;
  headers?: Record<string, string>;
  /** Path (with query) of the next GET request (used when nextRequest is absent). */
  nextPath?: () => string;
  /** The next request, for writes: method, path and JSON body. */
  nextRequest?: () => LoadRequest;
  /** Closed loop: parallel workers; open loop: most connections the pool opens. */
  concurrency: number;
  maxRequests: number;
  durationMs: number;
  /** Unrecorded requests sent first (closed loop, same concurrency) to warm connections and caches. */
  warmupRequests?: number;
  /** Open loop at this many requests per second. */
  ratePerSec?: number;
  /** Validates a response; a false result counts as a failure (status >= 400 always does). */
  check?: (status: number, body: string) => boolean;
}

export interface LoadRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
}

export interface LatencySummary {
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  mode: 'closed' | 'open';
  concurrency: number;
  offeredRatePerSec?: number;
  requests: number;
  failures: number;
  durationMs: number;
  /** Completed requests per second over the measured interval. */
  throughputPerSec: number;
  /** Milliseconds; for open-loop runs measured from the scheduled send time. */
  latencyMs: LatencySummary;
  /** Event-loop delay of the load generator itself during the measured interval (ms): a stall here delays sends and reads, not the server. */
  generatorLoopDelayMs: { p99: number; max: number };
  /** Open loop: the slowest requests (up to 1% of them, at most 50), by send time in the run (ms from its start), to line them up with server-side samples. */
  slowest?: Array<{ atMs: number; latencyMs: number }>;
  /** Wall-clock interval measured (ms since the epoch), to match server-side samples to the run. */
  wallStart: number;
  wallEnd: number;
  firstFailure?: string;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export function summarize(samples: Float64Array): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  if (n === 0) return { min: NaN, mean: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN };
  const rank = (p: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))];
  let sum = 0;
  for (const v of sorted) sum += v;
  return { min: round(sorted[0]), mean: round(sum / n), p50: round(rank(50)), p90: round(rank(90)), p99: round(rank(99)), max: round(sorted[n - 1]) };
}

function assertLoopback(origin: string): void {
  const url = new URL(origin);
  if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1') throw new Error(`load generator targets 127.0.0.1 only, not ${origin}`);
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  assertLoopback(opts.origin);
  const pool = new Pool(opts.origin, { connections: opts.concurrency, pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 });
  const headers = opts.headers ?? {};
  const bodyHeaders = { ...headers, 'content-type': 'application/scim+json' };
  const next = (): LoadRequest => {
    if (opts.nextRequest) return opts.nextRequest();
    if (!opts.nextPath) throw new Error('runLoad needs nextPath or nextRequest');
    return { method: 'GET', path: opts.nextPath() };
  };
  const samples = new Float64Array(opts.maxRequests);
  const sentAt = opts.ratePerSec === undefined ? undefined : new Float64Array(opts.maxRequests);
  let recorded = 0;
  let failures = 0;
  let firstFailure: string | undefined;

  /** One request; returns whether it succeeded. */
  const send = async ({ method, path, body }: LoadRequest): Promise<boolean> => {
    try {
      const res =
        body === undefined
          ? await pool.request({ path, method, headers })
          : await pool.request({ path, method, headers: bodyHeaders, body: JSON.stringify(body) });
      const text = await res.body.text();
      const ok = res.statusCode < 400 && (opts.check ? opts.check(res.statusCode, text) : true);
      if (!ok) firstFailure ??= `${res.statusCode} ${method} ${path}: ${text.slice(0, 300)}`;
      return ok;
    } catch (err) {
      firstFailure ??= `${method} ${path}: ${err instanceof Error ? err.message : String(err)}`;
      return false;
    }
  };

  try {
    // Warm-up (not recorded).
    let warm = opts.warmupRequests ?? 0;
    await Promise.all(
      Array.from({ length: Math.min(opts.concurrency, Math.max(warm, 0)) }, async () => {
        while (warm-- > 0) await send(next());
      }),
    );
    firstFailure = undefined;

    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const wallStart = Date.now();
    const start = performance.now();
    const deadline = start + opts.durationMs;
    const record = (latency: number, ok: boolean, scheduled?: number) => {
      if (!ok) failures++;
      if (recorded >= samples.length) return;
      if (sentAt && scheduled !== undefined) sentAt[recorded] = scheduled - start;
      samples[recorded++] = latency;
    };

    if (opts.ratePerSec === undefined) {
      let issued = 0;
      await Promise.all(
        Array.from({ length: opts.concurrency }, async () => {
          while (issued < opts.maxRequests && performance.now() < deadline) {
            issued++;
            const t0 = performance.now();
            const ok = await send(next());
            record(performance.now() - t0, ok);
          }
        }),
      );
    } else {
      const interval = 1000 / opts.ratePerSec;
      const inflight = new Set<Promise<void>>();
      let k = 0;
      while (k < opts.maxRequests) {
        const now = performance.now();
        if (now >= deadline) break;
        const due = start + k * interval;
        if (due > now) {
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.floor(due - now))));
          continue;
        }
        // Send everything that is due (timer granularity is ~1 ms).
        while (k < opts.maxRequests && start + k * interval <= performance.now()) {
          const scheduled = start + k * interval;
          k++;
          const p: Promise<void> = send(next()).then((ok) => {
            record(performance.now() - scheduled, ok, scheduled);
            inflight.delete(p);
          });
          inflight.add(p);
        }
      }
      await Promise.all(inflight);
    }
    const durationMs = performance.now() - start;
    loopDelay.disable();
    let slowest: LoadResult['slowest'];
    if (sentAt) {
      const n = Math.min(50, Math.ceil(recorded / 100));
      const order = Array.from({ length: recorded }, (_, i) => i).sort((a, b) => samples[b] - samples[a]).slice(0, n);
      slowest = order.map((i) => ({ atMs: Math.round(sentAt[i]), latencyMs: round(samples[i], 1) })).sort((a, b) => a.atMs - b.atMs);
    }
    // The histogram records whole timer intervals: less the 5 ms resolution is the delay.
    const lateMs = (ns: number) => round(Math.max(0, ns / 1e6 - 5), 1);
    return {
      mode: opts.ratePerSec === undefined ? 'closed' : 'open',
      concurrency: opts.concurrency,
      ...(opts.ratePerSec !== undefined ? { offeredRatePerSec: opts.ratePerSec } : {}),
      requests: recorded,
      failures,
      durationMs: Math.round(durationMs),
      throughputPerSec: round((recorded / durationMs) * 1000, 1),
      latencyMs: summarize(samples.subarray(0, recorded)),
      ...(slowest ? { slowest } : {}),
      generatorLoopDelayMs: { p99: lateMs(loopDelay.percentile(99)), max: lateMs(loopDelay.max) },
      wallStart,
      wallEnd: Date.now(),
      ...(firstFailure ? { firstFailure } : {}),
    };
  } finally {
    await pool.close();
  }
}
