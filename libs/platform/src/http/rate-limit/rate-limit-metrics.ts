import { Counter } from 'prom-client';

/**
 * Requests answered 429 by a rate limit, by which limit: `scim-ip`, `admin-ip` (per client
 * address), `scim-tenant`, `okta-hook-tenant` (per tenant), `auth-failures` (a client address
 * throttled after repeated bad credentials). Bounded labels: never the address or tenant itself.
 */
export const rateLimitedRequests = new Counter({
  name: 'idsync_http_rate_limited_total',
  help: 'Requests refused with 429 by a rate limit or the failed-credential throttle, by limit',
  labelNames: ['limit'],
});
