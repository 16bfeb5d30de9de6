import { Counter } from 'prom-client';

/** Okta events per outcome (accepted: new, into the outbox; duplicate: an Okta retry, ignored). Labels bounded: no tenant. */
export const oktaHookEvents = new Counter({
  name: 'idsync_okta_hook_events_total',
  help: 'Okta Event Hook events received, by outcome (accepted, duplicate)',
  labelNames: ['outcome'],
});

/** Event Hook requests refused before anything was stored, by reason. */
export const oktaHookRequestsRefused = new Counter({
  name: 'idsync_okta_hook_requests_refused_total',
  help: 'Okta Event Hook requests refused, by reason (unauthorized, rate_limited, too_large, invalid)',
  labelNames: ['reason'],
});
