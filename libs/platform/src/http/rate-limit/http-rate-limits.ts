import type { INestApplication } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Application, NextFunction, Request, Response } from 'express';
import type { BaseAppConfig } from '../../config/base-config';
import { rateLimitedRequests } from './rate-limit-metrics';
import { BoundedKeyMap, FailureThrottle, TokenBucketLimiter } from './token-bucket';

const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Health probes and metrics scrapes are never limited (orchestrators and Prometheus must always get through). */
export function isExemptFromRateLimits(path: string): boolean {
  return path === '/metrics' || path === '/health' || path.startsWith('/health/');
}

/** Routes an identity provider calls (SCIM, Okta Event Hooks): their own, larger per-address budget. */
function isProvisioningRoute(path: string): boolean {
  return path.startsWith('/scim/') || path.startsWith('/hooks/');
}

/**
 * TRUST_PROXY → Express's `trust proxy` value: empty = off (req.ip is the socket address and
 * X-Forwarded-For is ignored, so a client cannot pick its own address), a hop count, or a
 * comma-separated list of proxy addresses/subnets (`loopback`, `10.0.0.0/8`, …).
 */
export function trustProxySetting(value: string): boolean | number | string | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  return trimmed;
}

/** The client address rate limits and audit records use: Express's req.ip (proxy-aware only when TRUST_PROXY is set). */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/** 429 + Retry-After: the SCIM Error schema on SCIM routes, Nest's plain JSON error elsewhere. */
export function sendTooManyRequests(req: Request, res: Response, retryAfterSeconds: number, detail: string): void {
  res.setHeader('Retry-After', String(retryAfterSeconds));
  if (req.path.startsWith('/scim/')) {
    res.status(429).type('application/scim+json').send(JSON.stringify({ schemas: [SCIM_ERROR_SCHEMA], status: '429', detail }));
    return;
  }
  res.status(429).json({ statusCode: 429, message: detail });
}

const AUTHENTICATED = Symbol('idsync.authenticated');
/** How long a credential that succeeded from an address stays exempt from that address's throttle. */
const KNOWN_GOOD_TTL_MS = 15 * 60_000;

/**
 * Called by every credential check (SCIM guard, hook authenticator; admin requests carry their
 * principal) once the request's credential is valid. The failed-credential throttle lets a credential
 * that recently succeeded from an address through even while that address is throttled: Okta calls
 * from a few shared addresses for many tenants, so one tenant's wrong token must not lock the others out.
 */
export function markAuthenticated(req: object): void {
  (req as Record<symbol, boolean>)[AUTHENTICATED] = true;
}

function wasAuthenticated(req: Request): boolean {
  return (req as unknown as Record<symbol, boolean>)[AUTHENTICATED] === true || (req as { adminPrincipal?: unknown }).adminPrincipal !== undefined;
}

/** The presented credential, hashed (kept in memory only, never logged); undefined when none was sent. */
function credentialDigest(req: Request): string | undefined {
  const header = req.headers.authorization;
  return header ? createHash('sha256').update(header, 'utf8').digest('base64url') : undefined;
}

/** Who tripped the failed-credential throttle, for the app's log and audit record (never the credential). */
export interface AuthThrottleEvent {
  clientAddress: string;
  /** First path segment: scim, hooks, admin, console. */
  api: string;
  failures: number;
  windowSeconds: number;
}

/**
 * Installs the per-address limits every app shares (first thing after metrics, so a refused
 * request costs no body parsing, credential lookup or database work):
 * - a token bucket per client address: SCIM_RATE_LIMIT_IP_* on /scim and /hooks, ADMIN_RATE_LIMIT_IP_*
 *   on everything else (admin API, console, docs) — /health and /metrics are exempt;
 * - the failed-credential throttle: after AUTH_FAILURE_LIMIT answers of 401 to requests from one
 *   address that presented a credential within AUTH_FAILURE_WINDOW_SECONDS, its further requests get
 *   429 until the window ends, before any token lookup — except those presenting a credential that
 *   succeeded from that address recently (see markAuthenticated). Requests without any credential
 *   are not guesses and do not count. `onThrottled` runs once per address and window.
 */
export function installHttpRateLimits(app: INestApplication, config: BaseAppConfig, onThrottled: (event: AuthThrottleEvent) => void): void {
  const trust = trustProxySetting(config.TRUST_PROXY);
  if (trust !== undefined) (app.getHttpAdapter().getInstance() as Application).set('trust proxy', trust);

  const maxKeys = config.RATE_LIMIT_MAX_TRACKED_KEYS;
  const scimIp = config.SCIM_RATE_LIMIT_IP_RPS > 0 ? new TokenBucketLimiter({ ratePerSecond: config.SCIM_RATE_LIMIT_IP_RPS, burst: config.SCIM_RATE_LIMIT_IP_BURST, maxKeys }) : undefined;
  const adminIp = config.ADMIN_RATE_LIMIT_IP_RPS > 0 ? new TokenBucketLimiter({ ratePerSecond: config.ADMIN_RATE_LIMIT_IP_RPS, burst: config.ADMIN_RATE_LIMIT_IP_BURST, maxKeys }) : undefined;
  const windowMs = config.AUTH_FAILURE_WINDOW_SECONDS * 1000;
  const failures = config.AUTH_FAILURE_LIMIT > 0 ? new FailureThrottle({ maxFailures: config.AUTH_FAILURE_LIMIT, windowMs, maxKeys }) : undefined;
  const knownGood = new RecentKeys(KNOWN_GOOD_TTL_MS, maxKeys);

  app.use((req: Request, res: Response, next: NextFunction) => {
    if (isExemptFromRateLimits(req.path)) return next();
    const address = clientAddress(req);
    const provisioning = isProvisioningRoute(req.path);
    const bucket = provisioning ? scimIp : adminIp;
    const rate = bucket?.take(address);
    if (rate && !rate.allowed) {
      rateLimitedRequests.inc({ limit: provisioning ? 'scim-ip' : 'admin-ip' });
      return sendTooManyRequests(req, res, rate.retryAfterSeconds, `Too many requests from this client; retry after ${rate.retryAfterSeconds} s`);
    }
    if (!failures) return next();
    const digest = credentialDigest(req);
    const throttle = failures.check(address);
    if (!throttle.allowed && !(digest !== undefined && knownGood.has(`${address} ${digest}`))) {
      rateLimitedRequests.inc({ limit: 'auth-failures' });
      return sendTooManyRequests(req, res, throttle.retryAfterSeconds, `Too many failed authentications from this client; retry after ${throttle.retryAfterSeconds} s`);
    }
    res.once('finish', () => {
      if (digest === undefined) return; // no credential sent: not a guess
      if (wasAuthenticated(req)) return knownGood.take(`${address} ${digest}`);
      if (res.statusCode !== 401) return;
      const { count, blockedNow } = failures.recordFailure(address);
      if (blockedNow) onThrottled({ clientAddress: address, api: req.path.split('/')[1] ?? '', failures: count, windowSeconds: config.AUTH_FAILURE_WINDOW_SECONDS });
    });
    next();
  });
}

/** Keys seen within a TTL, at most ~maxKeys of them (least recently seen dropped). */
class RecentKeys {
  private readonly seen: BoundedKeyMap<number>;

  constructor(
    private readonly ttlMs: number,
    maxKeys: number,
  ) {
    this.seen = new BoundedKeyMap(maxKeys);
  }

  take(key: string, now = Date.now()): void {
    this.seen.set(key, now + this.ttlMs);
  }

  has(key: string, now = Date.now()): boolean {
    const expires = this.seen.get(key);
    return expires !== undefined && expires > now;
  }
}
