import { Counter } from 'prom-client';

/** Okta Management API responses by HTTP status class (2xx, 4xx, 429, 5xx, timeout). No tenant label: bounded. */
export const oktaApiResponses = new Counter({
  name: 'idsync_okta_api_responses_total',
  help: 'Okta Management API responses seen by sync-worker, by status (2xx, 404, 429, 4xx, 5xx, error)',
  labelNames: ['status'],
});

/** Profile lookups by result: hit (cache), fetched, unavailable (published without a profile). */
export const oktaProfileLookups = new Counter({
  name: 'idsync_okta_profile_lookups_total',
  help: 'Okta profile lookups for event enrichment, by result (hit, fetched, unavailable, not_configured)',
  labelNames: ['result'],
});

/** Okta-sourced public events published, by CloudEvent type. */
export const oktaEventsPublished = new Counter({
  name: 'idsync_okta_events_published_total',
  help: 'Okta-sourced identity events published, by CloudEvent type',
  labelNames: ['type'],
});
